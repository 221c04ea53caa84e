// Issue 11: "a client that reconnects with its last cursor misses nothing and sees nothing twice",
// with webhooks as Twilio sends them: in no guaranteed order, repeated, late, or never. The whole
// path: createCommunication over HTTP → the emulator → its signed status callback (with injected
// delivery faults) → the facade → a communicationAdded subscriber over SSE. communicationAdded reads
// the upstream list at each event (live/resume.ts), so it delivers in list order whatever the
// webhooks do; these tests fail when it delivers the webhooks' own order instead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { metricValue } from './webhook-helpers.ts';
import { ADDED, delivered, deliveryOf, hookedConversation, listReads, send } from './full-path.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ emulator: { webhooks: { retryBaseMs: 10 } } });
});
afterAll(() => stack.close());

const sidOf = (payload: { data?: any }) => payload.data.communicationAdded.node.sid as string;
const cursorOf = (payload: { data?: any }) => payload.data.communicationAdded.cursor as string;

async function subscribed(sid: string, after?: string): Promise<SseStream> {
  const stream = await SseStream.open(stack.url, ADDED, { sid, ...(after ? { after } : {}) });
  expect(stream.status).toBe(200);
  return stream;
}

/** A message sent now is the stream's next payload, with nothing else pending; then the stream closes. */
async function endsWithSent(stream: SseStream, sid: string, text: string): Promise<void> {
  const sent = await send(stack, sid, text);
  expect(sidOf(await stream.next())).toBe(sent);
  expect(stream.pending).toBe(0);
  stream.close();
}

const metrics = async () => (await fetch(stack.url.replace('/graphql', '/metrics'))).text();

describe('communicationAdded under webhooks in no order (emulator faults, the whole path)', () => {
  it('a delayed webhook overtaken by the next, the client gone before it lands: the resume delivers exactly what is missing, in order, nothing twice', async () => {
    const sid = hookedConversation(stack, 'delayed');
    await stack.emulator.webhooks.idle();
    let stream = await subscribed(sid);
    // A's callback waits 1.5 s; B's overtakes it.
    stack.emulator.webhooks.faults.enqueue({ kind: 'delay', ms: 1500, match: { eventType: 'COMMUNICATION_CREATED' } });
    const a = await send(stack, sid, 'A');
    const b = await send(stack, sid, 'B');
    await delivered(stack, b);
    // B's callback rang first: the list read delivers A, then B.
    const first = [await stream.next(), await stream.next()];
    expect(first.map(sidOf)).toEqual([a, b]);
    expect(deliveryOf(stack, a)?.state).toBe('delayed'); // A's own callback has not landed yet
    const lastCursor = cursorOf(first[1]!);
    stream.close();
    await waitFor(() => stack.live.subscribers.listening === 0, 'the client to be gone');

    // While away: A's late callback lands (to nobody), C is sent.
    const c = await send(stack, sid, 'C');
    await delivered(stack, a, c);
    stream = await subscribed(sid, lastCursor);
    expect(sidOf(await stream.next())).toBe(c);
    await endsWithSent(stream, sid, 'D');
  });

  it('three callbacks released in reverse, one delivered three times: each communication once, in list order; a list read only for events that bring something new', async () => {
    const sid = hookedConversation(stack, 'reversed');
    await stack.emulator.webhooks.idle();
    const streams = await Promise.all([subscribed(sid), subscribed(sid), subscribed(sid)]);
    const before = await metrics();
    const readsBefore = listReads(stack, sid);
    stack.emulator.webhooks.faults.enqueue({ kind: 'reorder', count: 3, order: 'reverse', match: { eventType: 'COMMUNICATION_CREATED' } });
    const sent = [await send(stack, sid, 'one'), await send(stack, sid, 'two'), await send(stack, sid, 'three')];
    stack.emulator.webhooks.faults.enqueue({ kind: 'duplicate', copies: 2, match: { eventType: 'COMMUNICATION_CREATED' } });
    sent.push(await send(stack, sid, 'four'));
    await delivered(stack, ...sent);
    expect(
      stack.emulator.webhooks
        .deliveries()
        .filter((entry) => sent.includes(entry.resourceId))
        .map((entry) => entry.sent),
    ).toEqual([1, 1, 1, 3]);
    for (const stream of streams) {
      const received = [];
      for (let i = 0; i < 4; i++) received.push(sidOf(await stream.next()));
      expect(received).toEqual(sent);
    }
    // Wait for a marker through every stream: nothing else was on its way.
    const marker = await send(stack, sid, 'marker');
    for (const stream of streams) expect(sidOf(await stream.next())).toBe(marker);
    expect(streams.map((stream) => stream.pending)).toEqual([0, 0, 0]);
    // Upstream cost: three subscribers, six callbacks (three, two repeats refused at intake, one
    // more): 'three' (first to land) read one, 'two' and 'one' nothing (already delivered), 'four'
    // one, the marker one. Three list reads for five communications and three subscribers.
    expect(listReads(stack, sid) - readsBefore).toBe(3);
    const after = await metrics();
    const moved = (name: string, labels: string) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(moved('live_events_dropped_total', 'source="webhook",reason="duplicate_delivery"')).toBe(2);
    expect(moved('live_events_dropped_total', 'source="webhook",reason="duplicate"')).toBe(2 * 3);
    expect(moved('live_events_delivered_total', 'source="webhook",transport="sse"')).toBe(5 * 3);
    for (const stream of streams) stream.close();
  });

  it('the list read an event rings for fails (upstream 503 through every retry): the stream stays open, reads again after a backoff, and delivers in order', async () => {
    const sid = hookedConversation(stack, 'upstream down');
    await stack.emulator.webhooks.idle();
    const stream = await subscribed(sid);
    // Three attempts of the facade's upstream client: the read fails as UPSTREAM_UNAVAILABLE.
    stack.emulator.faults.enqueue({
      kind: 'status',
      status: 503,
      times: 3,
      match: { method: 'GET', path: `/v2/Conversations/${sid}/Communications` },
    });
    const readsBefore = listReads(stack, sid);
    const first = await send(stack, sid, 'while the list is down');
    await delivered(stack, first);
    const payload = await stream.next(5000);
    expect(payload.errors).toBeUndefined();
    expect(sidOf(payload)).toBe(first);
    // The failed read (three attempts), then the retry.
    expect(listReads(stack, sid) - readsBefore).toBe(4);
    await endsWithSent(stream, sid, 'back');
  });

  it('a dropped callback: its communication comes with the next event, or with the resume', async () => {
    const sid = hookedConversation(stack, 'dropped');
    await stack.emulator.webhooks.idle();
    let stream = await subscribed(sid);
    stack.emulator.webhooks.faults.enqueue({ kind: 'drop', match: { eventType: 'COMMUNICATION_CREATED' } });
    const lost = await send(stack, sid, 'never announced');
    const next = await send(stack, sid, 'announced');
    await delivered(stack, next);
    expect(deliveryOf(stack, lost)?.state).toBe('dropped');
    const received = [await stream.next(), await stream.next()];
    expect(received.map(sidOf)).toEqual([lost, next]);
    stream.close();
    await waitFor(() => stack.live.subscribers.listening === 0, 'the client to be gone');

    // The last callback before the client returns is dropped: nothing announces it, the resume finds it.
    stack.emulator.webhooks.faults.enqueue({ kind: 'drop', match: { eventType: 'COMMUNICATION_CREATED' } });
    const unannounced = await send(stack, sid, 'dropped while away');
    await stack.emulator.webhooks.waitFor((entry) => entry.resourceId === unannounced && entry.state === 'dropped');
    stream = await subscribed(sid, cursorOf(received[1]!));
    expect(sidOf(await stream.next())).toBe(unannounced);
    await endsWithSent(stream, sid, 'live again');
  });
});
