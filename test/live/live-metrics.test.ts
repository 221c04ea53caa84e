// Issue 11 item 8: what /metrics says about live updates, moved by real traffic over real sockets:
// open subscriptions by transport and field, payloads delivered by source and transport with their
// latency from the event's arrival, events dropped (a repeated change, a repeated delivery, another
// account's record, a slow consumer cut off), and webhook signature failures.
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationRenamed, webhookEvent } from '../helpers/live-event.ts';
import { AGENT, CUSTOMER } from '../helpers/seed.ts';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { connect, subscribe } from '../helpers/websocket.ts';
import { ADDED, hookedConversation, send } from './full-path.ts';
import { metricValue, OTHER_ACCOUNT } from './webhook-helpers.ts';

const EVENTS = `subscription ($sid: String!) { conversationEvents(conversationSid: $sid) { __typename eventId conversation { name } } }`;

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack({ live: { limits: { subscriberBuffer: 4 } } });
  client = connect(stack.url);
});
afterAll(async () => {
  await client.dispose();
  await stack.close();
});

/** The metrics now, and how far each moved since `before`. */
async function snapshot() {
  return (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
}
const moved = (before: string, after: string, name: string, labels: string) =>
  metricValue(after, name, labels) - metricValue(before, name, labels);

describe('live-update metrics on /metrics', () => {
  it('subscribers by transport and field; deliveries by source and transport with their latency; drops by reason; signature failures', async () => {
    const sid = hookedConversation(stack, 'metered');
    const start = await snapshot();
    const sse = await SseStream.open(stack.url, ADDED, { sid });
    const events = await SseStream.open(stack.url, EVENTS, { sid });
    const wsResults: unknown[] = [];
    const ws = subscribe(client, { query: ADDED, variables: { sid } }, (result) => wsResults.push(result));
    await waitFor(() => stack.live.subscribers.listening === 3, 'three subscriptions');
    /** Sends a message and waits until all three streams showed it (the WebSocket one as its `wsCount`th result). */
    const sendThroughEveryStream = async (text: string, wsCount: number) => {
      const sent = await send(stack, sid, text);
      expect((await sse.next()).data.communicationAdded.node.sid).toBe(sent);
      expect((await events.next()).data.conversationEvents.__typename).toBe('CommunicationAddedEvent');
      await waitFor(() => wsResults.length === wsCount, `WebSocket result ${wsCount}`);
      return sent;
    };
    let now = await snapshot();
    expect(moved(start, now, 'live_subscribers', 'transport="sse",field="communicationAdded"')).toBe(1);
    expect(moved(start, now, 'live_subscribers', 'transport="sse",field="conversationEvents"')).toBe(1);
    expect(moved(start, now, 'live_subscribers', 'transport="websocket",field="communicationAdded"')).toBe(1);

    // One message, through the emulator's signed webhook: three payloads, each timed from its webhook's arrival.
    let before = now;
    await sendThroughEveryStream('metered', 1);
    now = await snapshot();
    expect(moved(before, now, 'live_events_received_total', 'source="webhook",type="COMMUNICATION_CREATED"')).toBe(1);
    expect(moved(before, now, 'live_events_delivered_total', 'source="webhook",transport="sse"')).toBe(2);
    expect(moved(before, now, 'live_events_delivered_total', 'source="webhook",transport="websocket"')).toBe(1);
    expect(moved(before, now, 'live_delivery_latency_seconds_count', 'transport="sse"')).toBe(2);
    expect(moved(before, now, 'live_delivery_latency_seconds_count', 'transport="websocket"')).toBe(1);
    expect(metricValue(now, 'live_delivery_latency_seconds_bucket', 'le="5",transport="sse"')).toBeGreaterThanOrEqual(2);

    // The same creation again under a new delivery (dropped by each subscriber), that delivery twice
    // (refused at intake), another account's record on this topic, and a forged signature.
    before = now;
    const record = (await (
      await fetch(`${stack.emulator.url}/v2/Conversations/${sid}/Communications`, {
        headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:test-token`).toString('base64')}` },
      })
    ).json()) as {
      communications: Array<Record<string, unknown>>;
    };
    const data = record.communications[0]!;
    for (let i = 0; i < 2; i++)
      expect(
        (await stack.postWebhook({ eventType: 'COMMUNICATION_CREATED', timestamp: data.createdAt, data }, { idempotencyToken: 'again' }))
          .status,
      ).toBe(200);
    await stack.live.bus.publish(
      webhookEvent({
        eventId: 'foreign',
        type: 'COMMUNICATION_CREATED',
        accountSid: ACCOUNT_SID,
        conversationSid: sid,
        record: {
          kind: 'Communication',
          id: 'conv_communication_foreign',
          conversationId: sid,
          accountId: OTHER_ACCOUNT,
          author: CUSTOMER,
          recipients: [AGENT],
          content: null,
        },
      }),
    );
    expect((await stack.postWebhook({ eventType: 'COMMUNICATION_CREATED', data }, { authToken: 'not-the-token' })).status).toBe(403);
    // A marker through every stream: everything before it was handled.
    const marker = await sendThroughEveryStream('marker', 2);
    now = await snapshot();
    expect(moved(before, now, 'live_events_dropped_total', 'source="webhook",reason="duplicate"')).toBe(3);
    expect(moved(before, now, 'live_events_dropped_total', 'source="webhook",reason="duplicate_delivery"')).toBe(1);
    expect(moved(before, now, 'live_events_dropped_total', 'source="webhook",reason="cross_account"')).toBe(3);
    expect(moved(before, now, 'webhook_verification_failures_total', 'reason="signature_mismatch"')).toBe(1);
    expect(moved(before, now, 'live_events_delivered_total', 'source="webhook",transport="sse"')).toBe(2);
    const firstCursor = (wsResults[0] as { data: { communicationAdded: { cursor: string } } }).data.communicationAdded.cursor;

    // A resume: what it catches up on counts as catch-up.
    before = now;
    const resumed = await SseStream.open(stack.url, ADDED, { sid, after: firstCursor });
    expect((await resumed.next()).data.communicationAdded.node.sid).toBe(marker);
    now = await snapshot();
    expect(moved(before, now, 'live_events_delivered_total', 'source="catch-up",transport="sse"')).toBe(1);
    expect(moved(before, now, 'live_delivery_latency_seconds_count', 'transport="sse"')).toBe(0);
    resumed.close();

    // Two leave: their gauges come down.
    sse.close();
    ws.cancel();
    await waitFor(() => stack.live.subscribers.listening === 1, 'two subscriptions to end');
    now = await snapshot();
    expect(moved(start, now, 'live_subscribers', 'transport="sse",field="communicationAdded"')).toBe(0);
    expect(moved(start, now, 'live_subscribers', 'transport="websocket",field="communicationAdded"')).toBe(0);
    expect(moved(start, now, 'live_subscribers', 'transport="sse",field="conversationEvents"')).toBe(1);

    // A slow consumer: its conversation read answers late while ten events arrive; four wait, the fifth cuts it off.
    before = now;
    const accessChecks = stack.emulator.requests.count({ path: `/v2/Conversations/${sid}` });
    stack.emulator.faults.enqueue({ kind: 'delay', ms: 1500, match: { method: 'GET', path: `/v2/Conversations/${sid}` } });
    await send(stack, sid, 'slow');
    await waitFor(() => stack.emulator.requests.count({ path: `/v2/Conversations/${sid}` }) > accessChecks, 'the slow read to start');
    for (let i = 0; i < 10; i++) {
      await stack.live.bus.publish(conversationRenamed(ACCOUNT_SID, sid, `burst-${i}`, `burst ${i}`));
    }
    await events.next(); // the slow one
    expect((await events.next()).errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    await events.untilEnded();
    now = await snapshot();
    expect(moved(before, now, 'live_events_dropped_total', 'source="webhook",reason="slow_consumer"')).toBe(1);

    // Cut off, it is no longer counted.
    await waitFor(() => stack.live.subscribers.listening === 0, 'the last subscription to end');
    expect(moved(start, await snapshot(), 'live_subscribers', 'transport="sse",field="conversationEvents"')).toBe(0);
  });
});
