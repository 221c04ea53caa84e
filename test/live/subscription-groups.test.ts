// Subscribers that share a pipeline (src/server/subscription-groups.ts) over the whole live path:
// createCommunication → the emulator → its signed status callback → the facade → communicationAdded
// over SSE and WebSocket. Subscribers come and go in a seeded random order, some while an event is
// still on its way (their source is busy: they run on their own), some while everything is quiet
// (they join the group of those standing where they stand), while webhooks come twice, reversed, or
// not at all. Whatever the order, each one receives
// exactly the communications created after it subscribed and before it left: in order, once each,
// and nobody's leaving ends anyone else's stream.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/websocket.ts';
import { ADDED, hookedConversation, send } from './full-path.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ emulator: { webhooks: { retryBaseMs: 10 } } });
});
afterAll(() => stack.close());

interface Subscriber {
  name: string;
  received: string[];
  expected: string[];
  close(): void;
}

const sidOf = (payload: { data?: unknown } | undefined) =>
  (payload?.data as { communicationAdded?: { node?: { sid?: string } } } | undefined)?.communicationAdded?.node?.sid;

async function openSse(sid: string, name: string): Promise<Subscriber> {
  const stream = await SseStream.open(stack.url, ADDED, { sid });
  expect(stream.status).toBe(200);
  const subscriber: Subscriber = { name, received: [], expected: [], close: () => stream.close() };
  void (async () => {
    for (;;) {
      const payload = await stream.next(60_000).catch(() => undefined);
      if (!payload) return;
      subscriber.received.push(sidOf(payload) ?? `unexpected ${JSON.stringify(payload)}`);
    }
  })();
  return subscriber;
}

function openWs(sid: string, name: string): Subscriber {
  const client = connect(stack.url);
  const subscriber: Subscriber = { name, received: [], expected: [], close: () => void client.dispose() };
  subscribe(client, { query: ADDED, variables: { sid } }, (result) =>
    subscriber.received.push(sidOf(result) ?? `unexpected ${JSON.stringify(result)}`),
  );
  return subscriber;
}

type Action =
  | 'sse'
  | 'ws'
  | 'send'
  | 'send and move on'
  | 'send, delivered twice'
  | 'send two, reordered'
  | 'send one dropped, then one'
  | 'leave';

describe('subscription groups over the whole live path', () => {
  it('property: subscribers joining and leaving in any order each get exactly what was created while they were there, in order, once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom<Action>(
            'sse',
            'ws',
            'send',
            'send and move on',
            'send, delivered twice',
            'send two, reordered',
            'send one dropped, then one',
            'leave',
          ),
          { minLength: 6, maxLength: 14 },
        ),
        fc.integer({ min: 0, max: 1000 }),
        async (actions, pick) => {
          const sid = hookedConversation(stack, 'groups');
          const open: Subscriber[] = [];
          const everyone: Subscriber[] = [];
          const settled = (subscriber: Subscriber) => subscriber.received.length >= subscriber.expected.length;
          try {
            for (const [index, action] of actions.entries()) {
              if (action === 'sse' || action === 'ws') {
                const listening = stack.live.subscribers.listening;
                const subscriber = action === 'sse' ? await openSse(sid, `${action}${index}`) : openWs(sid, `${action}${index}`);
                await waitFor(() => stack.live.subscribers.listening === listening + 1, `${subscriber.name} listening`);
                open.push(subscriber);
                everyone.push(subscriber);
              } else if (action === 'leave' && open.length > 0) {
                const [leaving] = open.splice((pick + index) % open.length, 1);
                // It leaves once it has what it was owed: what comes later is not its own.
                await waitFor(() => settled(leaving!), `${leaving!.name} to receive what it is owed`);
                const listening = stack.live.subscribers.listening;
                leaving!.close();
                await waitFor(() => stack.live.subscribers.listening === listening - 1, `${leaving!.name} gone`);
              } else if (action === 'send' || action === 'send and move on') {
                const sent = await send(stack, sid, `message ${index}`);
                for (const subscriber of open) subscriber.expected.push(sent);
                // Moving on at once, the next subscriber may arrive while this event is on its way.
                if (action === 'send') await waitFor(() => open.every(settled), `message ${index} everywhere`, 10_000);
              } else {
                // Webhooks as Twilio may send them: twice, out of order, or not at all (the next one heals it).
                const faults = stack.emulator.webhooks.faults;
                const match = { eventType: 'COMMUNICATION_CREATED' };
                if (action === 'send, delivered twice') faults.enqueue({ kind: 'duplicate', copies: 2, match });
                if (action === 'send two, reordered') faults.enqueue({ kind: 'reorder', count: 2, order: 'reverse', match });
                if (action === 'send one dropped, then one') faults.enqueue({ kind: 'drop', match });
                const count = action === 'send, delivered twice' ? 1 : 2;
                for (let n = 0; n < count; n++) {
                  const sent = await send(stack, sid, `message ${index}.${n}`);
                  for (const subscriber of open) subscriber.expected.push(sent);
                }
                await waitFor(() => open.every(settled), `messages ${index} everywhere`, 10_000);
              }
            }
            const marker = await send(stack, sid, 'marker');
            for (const subscriber of open) subscriber.expected.push(marker);
            await waitFor(() => open.every(settled), 'the marker everywhere', 10_000);
            for (const subscriber of everyone)
              expect({ [subscriber.name]: subscriber.received }).toEqual({ [subscriber.name]: subscriber.expected });
          } finally {
            for (const subscriber of open) subscriber.close();
            await waitFor(() => stack.live.subscribers.listening === 0, 'every subscriber gone', 10_000);
          }
        },
      ),
      { numRuns: 12, seed: 1130 },
    );
  }, 120_000);
});
