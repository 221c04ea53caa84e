// Shared subscription executions (src/server/shared-executions.ts) over real sockets: N subscribers
// of one caller with one operation get each event from ONE execution, identical over SSE and
// WebSocket; and a result is never shared across what it depends on (credentials, even with the
// same conversation sid and the same event id; variables; documents; operation names).
// Executions are counted by wrapping SharedExecutions.prototype.run's execute callback (no
// production hook): the per-event loader set already makes N subscribers cost one upstream fetch,
// so the upstream log alone cannot tell one execution from N.
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SharedExecutions } from '../../src/server/shared-executions.ts';
import { AGENT, CUSTOMER } from '../helpers/seed.ts';
import { SseStream, waitFor, type Payload } from '../helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, type Stack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/websocket.ts';
import { basic, startTwoAccountStack } from '../live/full-path.ts';

const SECOND_ACCOUNT = 'AC33333333333333333333333333333333';
const SECOND_TOKEN = 'shared-executions-second-token';
const FIRST = basic(ACCOUNT_SID, AUTH_TOKEN);
const SECOND = basic(SECOND_ACCOUNT, SECOND_TOKEN);

const WITH_NAME = `subscription Named($sid: String!) {
  communicationAdded(conversationSid: $sid) { cursor node { sid accountSid content { ... on TextContent { text } } conversation { name } } }
}`;
const MAYBE_NAME = `subscription Maybe($sid: String!, $withName: Boolean!) {
  communicationAdded(conversationSid: $sid) { node { sid conversation @include(if: $withName) { name } } }
}`;
const TWO_OPERATIONS = `subscription Texts($sid: String!) { communicationAdded(conversationSid: $sid) { node { content { ... on TextContent { text } } } } }
subscription Sids($sid: String!) { communicationAdded(conversationSid: $sid) { node { sid } } }`;

const EVENTS = `subscription Events($sid: String!) {
  conversationEvents(conversationSid: $sid) {
    __typename eventId conversation { name }
    ... on CommunicationAddedEvent { communicationEdge { node { sid accountSid content { ... on TextContent { text } } } } }
  }
}`;

let stack: Stack;
let executions = 0;
let runs = 0;

beforeAll(async () => {
  // Counts real executions: every run() call, and every time run() actually calls its execute.
  const original = SharedExecutions.prototype.run;
  vi.spyOn(SharedExecutions.prototype, 'run').mockImplementation(function (this: SharedExecutions, key, execute) {
    runs++;
    return original.call(this, key, () => {
      executions++;
      return execute();
    });
  });
  stack = await startTwoAccountStack(SECOND_ACCOUNT, SECOND_TOKEN);
  // The second account exists from its first request on (the emulator trusts a first password).
  expect((await stack.graphql('{ conversations(first: 1) { nodes { sid } } }', {}, SECOND)).errors).toBeUndefined();
});

afterAll(async () => {
  await stack.close();
  vi.restoreAllMocks();
});

let conversationCount = 0;
/** A conversation with this exact sid in `account` (two accounts can hold the same sid, each its own). */
function conversation(
  name: string,
  account = ACCOUNT_SID,
  id = `conv_conversation_01jshared${String(++conversationCount).padStart(16, '0')}`,
): string {
  stack.emulator.data.insertRaw(account, 'conversations', {
    id,
    accountId: account,
    configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
    name,
    status: 'ACTIVE',
  });
  return id;
}

type Resource = { id: string; createdAt?: string } & Record<string, unknown>;

/** A communication created upstream and announced by a signed status callback of its account. */
async function announce(sid: string, text: string, options: { account?: string; idempotencyToken?: string } = {}): Promise<Resource> {
  const account = options.account ?? ACCOUNT_SID;
  const data = stack.emulator.data.createCommunication(account, sid, {
    author: CUSTOMER,
    recipients: [AGENT],
    content: { type: 'TEXT', text },
  }) as unknown as Resource;
  const answer = await stack.postWebhook(
    { eventType: 'COMMUNICATION_CREATED', timestamp: data.createdAt, data },
    {
      authToken: account === SECOND_ACCOUNT ? SECOND_TOKEN : AUTH_TOKEN,
      ...(options.idempotencyToken ? { idempotencyToken: options.idempotencyToken } : {}),
    },
  );
  expect(answer.status).toBe(200);
  return data;
}

async function openSse(
  count: number,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  operationName?: string,
): Promise<SseStream[]> {
  const before = stack.live.subscribers.listening;
  const streams = await Promise.all(
    Array.from({ length: count }, () =>
      SseStream.open(stack.url, query, variables, { headers, ...(operationName ? { operationName } : {}) }),
    ),
  );
  for (const stream of streams) expect(stream.status).toBe(200);
  await waitFor(() => stack.live.subscribers.listening === before + count, `${count} subscriptions listening`);
  return streams;
}

/** Closes every stream and waits until the facade let go of their bus listeners (the next test counts its own). */
async function closeAll(streams: SseStream[]): Promise<void> {
  for (const stream of streams) stream.close();
  await waitFor(() => stack.live.subscribers.listening === 0, 'every subscription to end');
}

const conversationFetches = (sid: string) =>
  stack
    .takeUpstreamCalls()
    .filter((call) => call.method === 'GET' && call.path === `/v2/Conversations/${sid}`)
    .map((call) => call.username);

describe('one execution per event for subscribers of one caller and operation', () => {
  it('5 SSE + 5 WebSocket subscribers get each event once, identical, from one execution and one upstream fetch', async () => {
    const sid = conversation('fan-out room');
    const streams = await openSse(5, WITH_NAME, { sid }, FIRST);
    const before = stack.live.subscribers.listening;
    const sockets = Array.from({ length: 5 }, () => connect(stack.url, { connectionParams: { authorization: FIRST.authorization } }));
    const received: FormattedExecutionResult[][] = sockets.map(() => []);
    const subscriptions = sockets.map((client, i) =>
      subscribe(client, { query: WITH_NAME, variables: { sid } }, (result) => received[i]!.push(result)),
    );
    try {
      await waitFor(() => stack.live.subscribers.listening === before + 5, 'five WebSocket subscriptions listening');
      stack.takeUpstreamCalls();
      for (let event = 0; event < 3; event++) {
        const [executionsBefore, runsBefore] = [executions, runs];
        const communication = await announce(sid, `fan-out ${event}`);
        const payloads: Array<Payload | FormattedExecutionResult> = [];
        for (const stream of streams) payloads.push(await stream.next());
        await waitFor(() => received.every((results) => results.length === event + 1), `WebSocket event ${event}`);
        payloads.push(...received.map((results) => results[event]!));
        const expected = {
          data: {
            communicationAdded: {
              cursor: expect.any(String),
              node: {
                sid: communication.id,
                accountSid: ACCOUNT_SID,
                content: { text: `fan-out ${event}` },
                conversation: { name: 'fan-out room' },
              },
            },
          },
        };
        for (const payload of payloads) expect(payload).toEqual(expected);
        expect(new Set(payloads.map((payload) => JSON.stringify(payload))).size).toBe(1);
        // Ten subscribers stand at one place: one pipeline (server/subscription-groups.ts) asked
        // once, one execution answered them all, one fetch of the conversation.
        expect(runs - runsBefore).toBe(1);
        expect(executions - executionsBefore).toBe(1);
        expect(conversationFetches(sid)).toEqual([ACCOUNT_SID]);
      }
      // Each subscriber got each event exactly once: nothing more pending.
      for (const stream of streams) expect(stream.pending).toBe(0);
      expect(received.map((results) => results.length)).toEqual([3, 3, 3, 3, 3]);
    } finally {
      for (const subscription of subscriptions) subscription.cancel();
      await Promise.all(sockets.map((client) => client.dispose()));
      await closeAll(streams);
    }
  });
});

describe('never shared across what the result depends on', () => {
  it('two accounts, the same conversation sid, the same communication sid and cursor, the same event id: each its own data', async () => {
    // Everything an attacker can make equal is equal: the same document and variables, the same
    // conversation sid in both accounts, a communication with the same sid and createdAt in each
    // (so the same edge cursor), announced by callbacks with one idempotency token (so the same
    // eventId). Only the credentials tell the two executions apart; texts and names differ.
    const sid = conversation('first account room');
    conversation('second account room', SECOND_ACCOUNT, sid);
    const mine = await openSse(2, WITH_NAME, { sid }, FIRST);
    const theirs = await openSse(2, WITH_NAME, { sid }, SECOND);
    try {
      stack.takeUpstreamCalls();
      const executionsBefore = executions;
      const node = (account: string, id: string, text: string, name: string) => ({
        sid: id,
        accountSid: account,
        content: { text },
        conversation: { name },
      });
      // Interleaved, twice: first account, second account, with equal ids each round.
      for (let round = 0; round < 2; round++) {
        const id = `conv_communication_01jsamesid${String(++conversationCount).padStart(16, '0')}`;
        const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, round)).toISOString();
        for (const [account, token] of [
          [ACCOUNT_SID, AUTH_TOKEN],
          [SECOND_ACCOUNT, SECOND_TOKEN],
        ] as const) {
          const data = stack.emulator.data.insertRaw(account, 'communications', {
            id,
            conversationId: sid,
            accountId: account,
            author: CUSTOMER,
            recipients: [AGENT],
            content: { type: 'TEXT', text: `${account} round ${round}` },
            createdAt,
            updatedAt: createdAt,
          });
          const answer = await stack.postWebhook(
            { eventType: 'COMMUNICATION_CREATED', timestamp: createdAt, data },
            { authToken: token, idempotencyToken: `same-token-${round}` },
          );
          expect(answer.status).toBe(200);
        }
        const cursors = new Set<string>();
        for (const stream of mine) {
          const added = (await stream.next()).data.communicationAdded;
          expect(added.node).toEqual(node(ACCOUNT_SID, id, `${ACCOUNT_SID} round ${round}`, 'first account room'));
          cursors.add(added.cursor);
        }
        for (const stream of theirs) {
          const added = (await stream.next()).data.communicationAdded;
          expect(added.node).toEqual(node(SECOND_ACCOUNT, id, `${SECOND_ACCOUNT} round ${round}`, 'second account room'));
          cursors.add(added.cursor);
        }
        // The precondition of the attack: both accounts' deliveries look alike to the cache.
        expect(cursors.size).toBe(1);
      }
      for (const stream of [...mine, ...theirs]) expect(stream.pending).toBe(0);
      // Two rounds, two accounts, two subscribers each: one execution per round and account.
      expect(executions - executionsBefore).toBe(4);
      // The upstream saw each credential fetch its own conversation, once per round.
      expect(conversationFetches(sid).sort()).toEqual([ACCOUNT_SID, ACCOUNT_SID, SECOND_ACCOUNT, SECOND_ACCOUNT]);
    } finally {
      await closeAll([...mine, ...theirs]);
    }
  });

  it('conversationEvents: two accounts\u2019 events with the same eventId each execute with their own credentials', async () => {
    // conversationEvents shares by eventId alone (live/delivery.ts ofEvent): one idempotency token
    // on both accounts' callbacks makes the two events look alike but for the credentials.
    const sid = conversation('first events room');
    conversation('second events room', SECOND_ACCOUNT, sid);
    const mine = await openSse(2, EVENTS, { sid }, FIRST);
    const theirs = await openSse(2, EVENTS, { sid }, SECOND);
    try {
      const executionsBefore = executions;
      const first = await announce(sid, 'first events', { idempotencyToken: 'same-event-id' });
      const second = await announce(sid, 'second events', { account: SECOND_ACCOUNT, idempotencyToken: 'same-event-id' });
      const event = (data: Resource, account: string, text: string, name: string) => ({
        conversationEvents: {
          __typename: 'CommunicationAddedEvent',
          eventId: expect.any(String),
          conversation: { name },
          communicationEdge: { node: { sid: data.id, accountSid: account, content: { text } } },
        },
      });
      const eventIds = new Set<string>();
      for (const stream of mine) {
        const payload = await stream.next();
        expect(payload.data).toEqual(event(first, ACCOUNT_SID, 'first events', 'first events room'));
        eventIds.add(payload.data.conversationEvents.eventId);
      }
      for (const stream of theirs) {
        const payload = await stream.next();
        expect(payload.data).toEqual(event(second, SECOND_ACCOUNT, 'second events', 'second events room'));
        eventIds.add(payload.data.conversationEvents.eventId);
      }
      expect(eventIds.size).toBe(1);
      expect(executions - executionsBefore).toBe(2);
    } finally {
      await closeAll([...mine, ...theirs]);
    }
  });

  it('different variables (@include(if: $withName)) execute apart, each with its own selection', async () => {
    const sid = conversation('variables room');
    const withName = await openSse(2, MAYBE_NAME, { sid, withName: true }, FIRST);
    const without = await openSse(2, MAYBE_NAME, { sid, withName: false }, FIRST);
    try {
      const executionsBefore = executions;
      const communication = await announce(sid, 'variables');
      for (const stream of withName)
        expect((await stream.next()).data).toEqual({
          communicationAdded: { node: { sid: communication.id, conversation: { name: 'variables room' } } },
        });
      for (const stream of without) expect((await stream.next()).data).toEqual({ communicationAdded: { node: { sid: communication.id } } });
      expect(executions - executionsBefore).toBe(2);
    } finally {
      await closeAll([...withName, ...without]);
    }
  });

  it('different operations of one document, and different documents, execute apart', async () => {
    const sid = conversation('operations room');
    const texts = await openSse(2, TWO_OPERATIONS, { sid }, FIRST, 'Texts');
    const sids = await openSse(2, TWO_OPERATIONS, { sid }, FIRST, 'Sids');
    const named = await openSse(1, WITH_NAME, { sid }, FIRST);
    try {
      const executionsBefore = executions;
      const communication = await announce(sid, 'operations');
      for (const stream of texts)
        expect((await stream.next()).data).toEqual({ communicationAdded: { node: { content: { text: 'operations' } } } });
      for (const stream of sids) expect((await stream.next()).data).toEqual({ communicationAdded: { node: { sid: communication.id } } });
      expect((await named[0]!.next()).data.communicationAdded.node.conversation).toEqual({ name: 'operations room' });
      expect(executions - executionsBefore).toBe(3);
    } finally {
      await closeAll([...texts, ...sids, ...named]);
    }
  });
});
