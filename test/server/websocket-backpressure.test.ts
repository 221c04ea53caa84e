// A WebSocket subscriber that stops reading (src/server/websocket-direct.ts). Its results are
// written to the socket straight from the stream, so nothing but back-pressure stops the server
// from queueing them in memory for ever: once 64 KiB wait in its socket nothing more is polled,
// its events wait in its bounded buffer (SUBSCRIBER_BUFFER), and one more closes its bus listener
// and drops that buffer: the server holds nothing more for it however many events come. When it
// reads again it gets what was written, then RATE_LIMITED (resubscribe with `after`), then
// complete. Meanwhile a subscriber that reads, on another connection, gets every event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationRenamed } from '../helpers/live-event.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { connect, rawSocket, subscribe, waitFor } from '../helpers/websocket.ts';
import { hookedConversation } from '../live/full-path.ts';
import { metricValue } from '../live/webhook-helpers.ts';

const EVENTS = `subscription ($sid: String!) { conversationEvents(conversationSid: $sid) { __typename eventId conversation { name } } }`;
const BUFFER = 4;
/** A conversation name of 300,000 characters: a few dozen events fill what loopback's socket buffers take (several MB) before they push back. */
const LONG_NAME = 'n'.repeat(300_000);
const EVENTS_SENT = 200;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ live: { limits: { subscriberBuffer: BUFFER } } });
});
afterAll(() => stack.close());

const metrics = async () => (await fetch(stack.url.replace('/graphql', '/metrics'))).text();

describe('a WebSocket subscriber that stops reading', () => {
  it('is written no more than its socket takes, then cut off past its buffer: the reader next to it gets every event', async () => {
    const sid = hookedConversation(stack, 'back-pressure');
    const stalled = rawSocket(stack.url);
    expect(await stalled.opened).toEqual({ status: 101 });
    stalled.socket.send(JSON.stringify({ type: 'connection_init' }));
    await stalled.message('connection_ack');
    stalled.socket.send(JSON.stringify({ id: 'stalled', type: 'subscribe', payload: { query: EVENTS, variables: { sid } } }));
    const reader = connect(stack.url);
    const read: unknown[] = [];
    const reading = subscribe(reader, { query: EVENTS, variables: { sid } }, (result) => read.push(result));
    await waitFor(() => stack.live.subscribers.listening === 2, 'both subscriptions listening');
    // The stalled client reads nothing more from here on: what the server sends piles up in the kernel, then in node.
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const before = await metrics();

    let published = 0;
    while (published < EVENTS_SENT && stack.live.bus.listenerCount === 2) {
      await stack.live.bus.publish(conversationRenamed(ACCOUNT_SID, sid, `pressure-${published}`, `${LONG_NAME} ${published}`));
      published++;
      // Each event reaches the reader before the next is published: only the stalled one falls behind.
      await waitFor(() => read.length === published, `event ${published} at the reader`, 10_000);
    }
    // The stalled one's listener closed long before the last event: loopback's buffers, 64 KiB in
    // node's, SUBSCRIBER_BUFFER events, then one more. The reader's listener is the only one left.
    expect(stack.live.bus.listenerCount).toBe(1);
    expect(published).toBeLessThan(EVENTS_SENT);

    // Reading again, the stalled client finds the events it was sent, then its cut-off, then complete.
    (stalled.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitFor(() => stalled.messages.some((message) => message.type === 'complete'), 'the stalled subscription to complete', 10_000);
    const results = stalled.messages.filter((message) => message.type === 'next') as Array<{
      payload: { data?: unknown; errors?: Array<{ extensions: { code: string } }> };
    }>;
    const last = results.at(-1)!;
    expect(last.payload.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    // What it was sent before the cut-off: fewer than were published, each an event of its own, in order.
    const sent = results
      .slice(0, -1)
      .map((result) => (result.payload.data as { conversationEvents: { eventId: string } }).conversationEvents.eventId);
    expect(sent.length).toBeLessThan(published - BUFFER);
    expect(sent).toEqual(sent.map((_, i) => `pressure-${i}`));
    await waitFor(() => stack.live.subscribers.listening === 1, 'the stalled subscription to be gone', 10_000);
    const after = await metrics();
    expect(
      metricValue(after, 'live_events_dropped_total', 'source="webhook",reason="slow_consumer"') -
        metricValue(before, 'live_events_dropped_total', 'source="webhook",reason="slow_consumer"'),
    ).toBe(1);
    reading.cancel();
    await reader.dispose();
    stalled.socket.close();
  }, 60_000);
});
