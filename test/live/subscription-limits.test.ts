// Issue 11: what subscriptions cost and what bounds them, over real sockets (SSE over fetch, real
// signed webhooks): N subscribers of one credential cost one list read per event, events long
// after the request's deadline still resolve, a slow consumer is cut off with a clear error, the
// limits per caller and in total, the watch released once when the client leaves, the SSE
// transport (GET, X-Accel-Buffering, keep-alives, Accept), and the error policy on streamed results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveSource } from '../../src/live/source.ts';
import { webhookEvent } from '../helpers/live-event.ts';
import { AGENT, CUSTOMER, seedConversation } from '../helpers/seed.ts';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const RENAME = graphql(`
  mutation LimitsRenameConversation($sid: String!) {
    updateConversation(input: { sid: $sid, name: "renamed meanwhile" }) { userErrors { code } }
  }
`);

const FIRST_CONVERSATION = graphql(`
  query LimitsFirstConversation {
    conversations(first: 1) { nodes { sid } }
  }
`);

const SECOND = { authorization: `Basic ${Buffer.from('AC33333333333333333333333333333333:third-token').toString('base64')}` };

const WITH_CONVERSATION = `subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { cursor node { sid conversation { name } } } }`;
const FROM_PAYLOAD = `subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { cursor node { sid author { address channel } content { ... on TextContent { text } } createdAt } } }`;

type Resource = { id: string; createdAt?: string } & Record<string, unknown>;

function addCommunication(stack: Stack, sid: string, text: string): Resource {
  return stack.emulator.data.createCommunication(ACCOUNT_SID, sid, {
    author: CUSTOMER,
    recipients: [AGENT],
    content: { type: 'TEXT', text },
  }) as unknown as Resource;
}

async function announce(stack: Stack, data: Resource): Promise<void> {
  const answer = await stack.postWebhook({ eventType: 'COMMUNICATION_CREATED', timestamp: data.createdAt, data });
  expect(answer.status).toBe(200);
}

const _conversationReads = (stack: Stack, sid: string) =>
  stack.takeUpstreamCalls().filter((call) => call.path === `/v2/Conversations/${sid}`).length;

describe('cost and deadlines', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ facade: { requestTimeoutMs: 600 } });
  });
  afterAll(() => stack.close());

  it('N subscribers of one credential cost one list read per event, and one call per field the payload lacks', async () => {
    const sid = seedConversation(stack.emulator, 'fan-out');
    const readers = await Promise.all(Array.from({ length: 5 }, () => SseStream.open(stack.url, WITH_CONVERSATION, { sid })));
    const cheap = await Promise.all(Array.from({ length: 3 }, () => SseStream.open(stack.url, FROM_PAYLOAD, { sid })));
    stack.takeUpstreamCalls();
    for (let event = 0; event < 3; event++) {
      const communication = addCommunication(stack, sid, `fan-out ${event}`);
      await announce(stack, communication);
      for (const reader of readers) {
        const payload = await reader.next();
        expect(payload.errors).toBeUndefined();
        expect(payload.data.communicationAdded.node).toEqual({ sid: communication.id, conversation: { name: 'fan-out' } });
      }
      for (const reader of cheap) expect((await reader.next()).data.communicationAdded.node.content.text).toBe(`fan-out ${event}`);
      // Each event is read from the list (the durable log, live/resume.ts) once for all eight; five
      // subscribers asked for the conversation: one fetch. Three asked only for the edge: nothing more.
      const calls = stack.takeUpstreamCalls();
      expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        `GET /v2/Conversations/${sid}/Communications`,
        `GET /v2/Conversations/${sid}`,
      ]);
    }
    for (const reader of [...readers, ...cheap]) reader.close();
  });

  it('an event long after the request’s deadline resolves with loaders of its own: a fresh deadline, nothing cached at subscribe time', async () => {
    const sid = seedConversation(stack.emulator, 'long-lived');
    const author = stack.emulator.data.createParticipant(ACCOUNT_SID, sid, {
      name: 'Grace',
      type: 'HUMAN_AGENT',
      addresses: [CUSTOMER],
    }) as unknown as Resource;
    const stream = await SseStream.open(
      stack.url,
      `subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { node { author { participant { name } } conversation { name } } } }`,
      { sid },
    );
    // The request's deadline is 600 ms: it must pass (twice over) before the event comes.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const rename = await stack.graphql(RENAME, { sid });
    expect(rename.data.updateConversation.userErrors).toEqual([]);
    const communication = stack.emulator.data.createCommunication(ACCOUNT_SID, sid, {
      author: { ...CUSTOMER, participantId: author.id },
      recipients: [AGENT],
      content: { type: 'TEXT', text: 'late' },
    }) as unknown as Resource;
    await announce(stack, communication);
    const payload = await stream.next();
    expect(payload.errors).toBeUndefined();
    // Not the conversation the subscription read at its start (the request's cache), and calls past its deadline succeed.
    expect(payload.data.communicationAdded.node).toEqual({
      author: { participant: { name: 'Grace' } },
      conversation: { name: 'renamed meanwhile' },
    });
    stream.close();
  });
});

describe('limits', () => {
  let stack: Stack;
  let watches = 0;
  let releases = 0;
  beforeAll(async () => {
    stack = await startStack({ live: { limits: { maxSubscriptionsPerCaller: 3, maxSubscribers: 4, subscriberBuffer: 4 } } });
    // Count what the subscriptions ask of the event source (webhooks: watching is free).
    const spy: LiveSource = {
      kind: 'webhook',
      watch: () => {
        watches++;
        return () => {
          releases++;
        };
      },
      close: async () => {},
    };
    (stack.live as { source: LiveSource }).source = spy;
    expect((await stack.graphql(FIRST_CONVERSATION, {}, SECOND)).errors).toBeUndefined();
  });
  afterAll(() => stack.close());

  it('the client leaving ends the subscription: its watch released exactly once, its listener and slot freed', async () => {
    const sid = seedConversation(stack.emulator, 'leaving');
    const stream = await SseStream.open(stack.url, FROM_PAYLOAD, { sid });
    await waitFor(() => watches === 1 && stack.live.subscribers.listening === 1, 'the watch');
    stream.close();
    await waitFor(() => releases === 1 && stack.live.subscribers.listening === 0, 'the release');
    // An event now finds nobody, and nothing is released twice.
    await announce(stack, addCommunication(stack, sid, 'to nobody'));
    expect([watches, releases]).toEqual([1, 1]);
  });

  it('a slow consumer is cut off with RATE_LIMITED (resubscribe with after) once 4 events wait: bounded, released', async () => {
    const sid = seedConversation(stack.emulator, 'slow');
    const stream = await SseStream.open(stack.url, WITH_CONVERSATION, { sid });
    await waitFor(() => stack.live.subscribers.listening === 1, 'the listener');
    const [watched, released] = [watches, releases];
    // The first event's conversation read answers late: events pile up in the subscriber's buffer meanwhile.
    stack.emulator.faults.enqueue({ kind: 'delay', ms: 2000, match: { method: 'GET', path: `/v2/Conversations/${sid}` } });
    const accessChecks = stack.emulator.requests.count({ path: `/v2/Conversations/${sid}` });
    const first = addCommunication(stack, sid, 'first');
    await announce(stack, first);
    await waitFor(() => stack.emulator.requests.count({ path: `/v2/Conversations/${sid}` }) > accessChecks, 'the slow read to start');
    for (let i = 0; i < 10; i++) await announce(stack, addCommunication(stack, sid, `burst ${i}`));
    expect((await stream.next()).data.communicationAdded.node.sid).toBe(first.id);
    const cut = await stream.next();
    expect(cut.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(cut.errors?.[0]?.message).toMatch(/fell more than 4 events behind.*`after`/);
    await stream.untilEnded();
    expect(stream.pending).toBe(0);
    await waitFor(() => releases === released + 1 && stack.live.subscribers.listening === 0, 'the release');
    expect(watches).toBe(watched);
  });

  it('subscriptions per caller (3) and in total (4): one more is RATE_LIMITED before any upstream call; a slot comes back when one ends', async () => {
    await waitFor(() => stack.live.subscribers.listening === 0, 'earlier subscriptions to end');
    const sid = seedConversation(stack.emulator, 'limits');
    const theirs = seedConversation(stack.emulator, 'limits, second caller', 'AC33333333333333333333333333333333');
    const mine = await Promise.all(Array.from({ length: 3 }, () => SseStream.open(stack.url, FROM_PAYLOAD, { sid })));
    await waitFor(() => stack.live.subscribers.listening === 3, 'three listeners');
    stack.takeUpstreamCalls();
    const fourth = await SseStream.open(stack.url, FROM_PAYLOAD, { sid });
    const refused = await fourth.next();
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(refused.errors?.[0]?.message).toMatch(/already hold 3 open subscriptions/);
    expect(stack.takeUpstreamCalls()).toEqual([]);
    // Another caller takes the last slot of the replica, then the replica is full.
    const other = await SseStream.open(stack.url, FROM_PAYLOAD, { sid: theirs }, { headers: SECOND });
    await waitFor(() => stack.live.subscribers.listening === 4, 'four listeners');
    const full = await SseStream.open(stack.url, FROM_PAYLOAD, { sid: theirs }, { headers: SECOND });
    expect((await full.next()).errors?.[0]?.message).toMatch(/as many subscriptions as it allows/);
    mine[0]!.close();
    await waitFor(() => stack.live.subscribers.listening === 3, 'a slot to come back');
    const again = await SseStream.open(stack.url, FROM_PAYLOAD, { sid });
    await waitFor(() => stack.live.subscribers.listening === 4, 'the new subscription');
    const communication = addCommunication(stack, sid, 'for the newcomer');
    await announce(stack, communication);
    expect((await again.next()).data.communicationAdded.node.sid).toBe(communication.id);
    for (const stream of [...mine, other, again]) stream.close();
  });
});

describe('SSE transport and the error policy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('GET with Accept: text/event-stream subscribes (X-Accel-Buffering: no, keep-alive comments); a mutation over GET is still refused', async () => {
    const sid = seedConversation(stack.emulator, 'over GET');
    const stream = await SseStream.open(stack.url, FROM_PAYLOAD, { sid }, { method: 'GET' });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    await waitFor(() => stream.keepAlives >= 2, 'a keep-alive after the first comment');
    const communication = addCommunication(stack, sid, 'over GET');
    await announce(stack, communication);
    expect((await stream.next()).data.communicationAdded.node.sid).toBe(communication.id);
    stream.close();

    stack.takeUpstreamCalls();
    const mutation = `mutation { createCommunication(input: { conversationSid: "${sid}", author: { address: "+15005550001", channel: SMS }, recipients: [{ address: "+15005550002", channel: SMS }], content: { text: { text: "no" } } }) { userErrors { code } } }`;
    const refused = await SseStream.open(stack.url, mutation, {}, { method: 'GET' });
    expect(refused.status).toBe(405);
    await refused.text();
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('a subscription asked for as application/json: 406 with a code, nothing read, nothing held', async () => {
    const sid = seedConversation(stack.emulator, 'not a stream');
    await waitFor(() => stack.live.subscribers.listening === 0, 'earlier subscriptions to end');
    stack.takeUpstreamCalls();
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: FROM_PAYLOAD, variables: { sid } }),
    });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['BAD_USER_INPUT']);
    expect(body.errors[0]!.message).toMatch(/text\/event-stream/);
    expect(stack.takeUpstreamCalls()).toEqual([]);
    expect(stack.live.subscribers.listening).toBe(0);
  });

  it('the query limits hold for a subscription before it opens: a costly selection is QUERY_TOO_COMPLEX, nothing read, nothing held', async () => {
    const sid = seedConversation(stack.emulator, 'costly');
    await waitFor(() => stack.live.subscribers.listening === 0, 'earlier subscriptions to end');
    const page = 'communications(first: 1000) { nodes { author { participant { name } } recipients { participant { name } } } }';
    const costly = `subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { node { conversation { a: ${page} b: ${page} c: ${page} d: ${page} } } } }`;
    stack.takeUpstreamCalls();
    const stream = await SseStream.open(stack.url, costly, { sid });
    const refused = await stream.next();
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    await stream.untilEnded();
    expect(stack.takeUpstreamCalls()).toEqual([]);
    expect(stack.live.subscribers.listening).toBe(0);
  });

  it('streamed results get the error policy: an upstream failure keeps its code, a bug is “Unexpected error.”; the streams go on', async () => {
    const sid = seedConversation(stack.emulator, 'errors');
    await waitFor(() => stack.live.subscribers.listening === 0, 'earlier subscriptions to end');
    const stream = await SseStream.open(stack.url, WITH_CONVERSATION, { sid });
    const recipients = await SseStream.open(
      stack.url,
      `subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { node { sid recipients { address } } } }`,
      { sid },
    );
    await waitFor(() => stack.live.subscribers.listening === 2, 'the listeners');
    stack.emulator.faults.enqueue({ kind: 'status', status: 503, times: 3, match: { method: 'GET', path: `/v2/Conversations/${sid}` } });
    const down = addCommunication(stack, sid, 'upstream down');
    await announce(stack, down);
    const failed = await stream.next();
    expect(failed.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UPSTREAM_UNAVAILABLE', ['communicationAdded', 'node', 'conversation']],
    ]);
    expect(JSON.stringify(failed)).not.toContain(stack.emulator.url.replace('http://', ''));
    expect((await recipients.next()).data.communicationAdded.node.sid).toBe(down.id);
    // A record that breaks a resolver (recipients that are not a list): a bug, masked, logged. The
    // list does not show it and it is newer than anything listed, so it comes from its payload.
    await stack.live.bus.publish(
      webhookEvent({
        eventId: 'broken',
        type: 'COMMUNICATION_CREATED',
        accountSid: ACCOUNT_SID,
        conversationSid: sid,
        record: {
          kind: 'Communication',
          id: 'conv_communication_broken',
          conversationId: sid,
          accountId: ACCOUNT_SID,
          author: CUSTOMER,
          recipients: 'not a list' as never,
          content: null,
          createdAt: new Date(Date.now() + 60_000).toISOString(),
        },
      }),
    );
    const masked = await recipients.next();
    expect(masked.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([
      ['Unexpected error.', 'INTERNAL_SERVER_ERROR'],
    ]);
    expect(masked.errors?.[0]?.extensions?.requestId).toEqual(expect.any(String));
    expect(JSON.stringify(masked)).not.toContain('map');
    expect((await stream.next()).data.communicationAdded.node.sid).toBe('conv_communication_broken');
    // Both streams go on.
    const communication = addCommunication(stack, sid, 'back');
    await announce(stack, communication);
    expect((await stream.next()).data.communicationAdded.node.sid).toBe(communication.id);
    expect((await recipients.next()).data.communicationAdded.node.recipients).toEqual([{ address: AGENT.address }]);
    stream.close();
    recipients.close();
  });
});
