// Issue 11, end to end over real sockets: a message sent with the createCommunication mutation over
// HTTP → the emulator (as Twilio) → its signed status callback → POST /webhooks/conversations → the
// bus → communicationAdded → the subscriber, over Server-Sent Events (fetch) and over WebSocket
// (graphql-ws with `ws`). Also: what subscribing costs upstream (a newcomer starts where an idle
// stream of its credential stands, without a read), two accounts interleaved never cross, and `npm start`'s embedded
// mode delivers a mutation's message to a subscription with no set-up at all. The latency from
// sending the mutation to each subscriber's receipt is measured and printed (p50/p99).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseStream, waitFor } from '../helpers/sse.ts';
import type { Stack } from '../helpers/stack.ts';
import { codesOf, connect, subscribe } from '../helpers/websocket.ts';
import { ADDED, basic, delivered, hookedConversation, listReads, send, startTwoAccountStack } from './full-path.ts';

const SECOND_ACCOUNT = 'AC44444444444444444444444444444444';
const SECOND_TOKEN = 'fourth-account-token';
const SECOND = basic(SECOND_ACCOUNT, SECOND_TOKEN);
const MESSAGES = 100;
const NEWEST_CURSOR = 'query Newest($sid: String!) { conversation(sid: $sid) { communications(last: 1) { pageInfo { endCursor } } } }';

type Received = { sid: string; at: number };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const summary = (label: string, ms: number[]) =>
  `${label}: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length} messages`;

/** A WebSocket subscription's payloads as they arrive, timestamped. */
function wsSubscription(client: Client, variables: Record<string, unknown>) {
  const received: Received[] = [];
  const payloads: any[] = [];
  const handle = subscribe(client, { query: ADDED, variables }, (result) => {
    payloads.push(result);
    const sid = (result.data as any)?.communicationAdded?.node?.sid;
    if (sid) received.push({ sid, at: performance.now() });
  });
  return { received, payloads, ...handle };
}

describe('mutation → emulator → signed webhook → facade → subscriber, over SSE and WebSocket', () => {
  let stack: Stack;
  let client: Client;
  beforeAll(async () => {
    stack = await startTwoAccountStack(SECOND_ACCOUNT, SECOND_TOKEN);
    client = connect(stack.url);
    // The second account exists (and its token signs its callbacks) from its first request on.
    expect((await stack.graphql('{ conversations(first: 1) { nodes { sid } } }', {}, SECOND)).errors).toBeUndefined();
  });
  afterAll(async () => {
    await client.dispose();
    await stack.close();
  });

  it(`${MESSAGES} messages reach an SSE and a WebSocket subscriber once each, in order; one list read per message for both`, async () => {
    const sid = hookedConversation(stack, 'end to end');
    const sse = await SseStream.open(stack.url, ADDED, { sid });
    const ws = wsSubscription(client, { sid });
    await waitFor(() => stack.live.subscribers.listening === 2, 'both subscriptions');
    const readsBefore = listReads(stack, sid);
    const sent: string[] = [];
    const sseLatency: number[] = [];
    const wsLatency: number[] = [];
    const afterAnswer: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const started = performance.now();
      const id = await send(stack, sid, `message ${i}`);
      const answered = performance.now();
      sent.push(id);
      const payload = await sse.next();
      expect(payload.data.communicationAdded.node).toEqual({ sid: id, content: { text: `message ${i}` } });
      const received = performance.now();
      sseLatency.push(received - started);
      afterAnswer.push(received - answered);
      await waitFor(() => ws.received.length === i + 1, `WebSocket message ${i}`);
      expect(ws.received[i]!.sid).toBe(id);
      wsLatency.push(ws.received[i]!.at - started);
    }
    expect(ws.received.map((entry) => entry.sid)).toEqual(sent);
    expect(ws.payloads.every((payload) => payload.errors === undefined)).toBe(true);
    expect(sse.pending).toBe(0);
    // The durable log's price: one list read per message, shared by the two subscribers (one credential).
    expect(listReads(stack, sid) - readsBefore).toBe(MESSAGES);
    console.log(
      `[end-to-end, in-process stack] mutation sent → received, ${summary('SSE', sseLatency)}; ${summary('WebSocket', wsLatency)}; mutation answered → received (SSE), ${summary('SSE', afterAnswer)}`,
    );
    expect(percentile(sseLatency, 50)).toBeLessThan(1000);
    sse.close();
    ws.cancel();
  });

  it('five subscribers of one credential opening at once: an access check each, one read of the list’s end for all', async () => {
    const sid = hookedConversation(stack, 'opening at once');
    await delivered(stack, await send(stack, sid, 'already there'));
    stack.takeUpstreamCalls();
    // The list's end answers late, so the five find the first read still in flight.
    stack.emulator.faults.enqueue({ kind: 'delay', ms: 300, match: { method: 'GET', path: `/v2/Conversations/${sid}/Communications` } });
    const streams = await Promise.all(Array.from({ length: 5 }, () => SseStream.open(stack.url, ADDED, { sid })));
    const calls = stack.takeUpstreamCalls().map((call) => `${call.method} ${call.path}`);
    expect(calls.filter((call) => call === `GET /v2/Conversations/${sid}`)).toHaveLength(5);
    expect(calls.filter((call) => call === `GET /v2/Conversations/${sid}/Communications`)).toHaveLength(1);
    // Live from there, all five, one list read for the message.
    const id = await send(stack, sid, 'to five');
    for (const stream of streams) expect((await stream.next()).data.communicationAdded.node.sid).toBe(id);
    expect(
      stack
        .takeUpstreamCalls()
        .filter((call) => call.method === 'GET')
        .map((call) => call.path),
    ).toEqual([`/v2/Conversations/${sid}/Communications`]);
    for (const stream of streams) stream.close();
  });

  it('a newcomer whose credential has an idle stream on the conversation starts where it stands: an access check, no read of the list', async () => {
    const sid = hookedConversation(stack, 'joining an idle one');
    await delivered(stack, await send(stack, sid, 'already there'));
    const listening = stack.live.subscribers.listening;
    const first = await SseStream.open(stack.url, ADDED, { sid });
    await waitFor(() => stack.live.subscribers.listening === listening + 1, 'the first subscription');
    // The first read the list's end; the two after it (SSE and WebSocket) only check their access.
    stack.takeUpstreamCalls();
    const second = await SseStream.open(stack.url, ADDED, { sid });
    const third = wsSubscription(client, { sid });
    try {
      await waitFor(() => stack.live.subscribers.listening === listening + 3, 'all three subscriptions');
      const gets = () =>
        stack
          .takeUpstreamCalls()
          .filter((call) => call.method === 'GET')
          .map((call) => call.path);
      expect(gets()).toEqual([`/v2/Conversations/${sid}`, `/v2/Conversations/${sid}`]);
      // From the same place: the next message reaches all three once, for one list read.
      const id = await send(stack, sid, 'to three');
      expect((await first.next()).data.communicationAdded.node.sid).toBe(id);
      expect((await second.next()).data.communicationAdded.node.sid).toBe(id);
      await waitFor(() => third.received.length === 1, 'the WebSocket subscriber');
      expect(third.received.map((entry) => entry.sid)).toEqual([id]);
      expect(gets()).toEqual([`/v2/Conversations/${sid}/Communications`]);
    } finally {
      first.close();
      second.close();
      third.cancel();
    }
    // Nothing is kept for a conversation nobody follows any more.
    await waitFor(() => stack.live.subscribers.listening === listening, 'all three gone');
    await waitFor(() => stack.live.logPlaces.keys === 0, 'no place kept');
  });

  it('a stream still catching up stands nowhere yet: a newcomer of its credential reads the list’s end itself', async () => {
    const sid = hookedConversation(stack, 'joining a busy one');
    await delivered(stack, await send(stack, sid, 'before the cursor'));
    const newest = await stack.graphql(NEWEST_CURSOR, { sid });
    const cursor = newest.data.conversation.communications.pageInfo.endCursor as string;
    await delivered(stack, await send(stack, sid, 'after the cursor'));
    const listPath = `/v2/Conversations/${sid}/Communications`;
    // The catch-up's read is never answered while the test looks: that stream is busy.
    stack.emulator.faults.enqueue({ kind: 'hang', match: { method: 'GET', path: listPath } });
    const listening = stack.live.subscribers.listening;
    const busy = await SseStream.open(stack.url, ADDED, { sid, after: cursor });
    await waitFor(
      () => stack.emulator.requests.entries().some((entry) => entry.path === listPath && entry.status === 0),
      'the catch-up read, hanging',
    );
    stack.takeUpstreamCalls();
    const newcomer = await SseStream.open(stack.url, ADDED, { sid });
    try {
      await waitFor(() => stack.live.subscribers.listening === listening + 2, 'both subscriptions');
      expect(
        stack
          .takeUpstreamCalls()
          .filter((call) => call.method === 'GET')
          .map((call) => call.path),
      ).toEqual([`/v2/Conversations/${sid}`, listPath]);
      busy.close();
      // Live from the end it read: the next message, and nothing from before it.
      const id = await send(stack, sid, 'to the newcomer');
      expect((await newcomer.next()).data.communicationAdded.node.sid).toBe(id);
      expect(newcomer.pending).toBe(0);
    } finally {
      busy.close();
      newcomer.close();
    }
  });

  it('two accounts interleaved over the whole path never cross (one over SSE, the other over WebSocket); neither may subscribe to the other’s conversation', async () => {
    const mine = hookedConversation(stack, 'account one');
    const theirs = hookedConversation(stack, 'account two', SECOND_ACCOUNT);
    const theirClient = connect(stack.url, { connectionParams: { authorization: SECOND.authorization } });
    try {
      const one = await SseStream.open(stack.url, ADDED, { sid: mine });
      const two = wsSubscription(theirClient, { sid: theirs });
      await waitFor(() => stack.live.subscribers.listening === 2, 'both subscriptions');
      // Across the accounts: NOT_FOUND, nothing held.
      const crossed = await SseStream.open(stack.url, ADDED, { sid: theirs });
      expect((await crossed.next()).errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
      const crossedBack = await subscribe(theirClient, { query: ADDED, variables: { sid: mine } }).outcome;
      expect(codesOf(crossedBack.results[0]?.errors ?? crossedBack.errors)).toEqual(['NOT_FOUND']);
      expect(stack.live.subscribers.listening).toBe(2);

      const expected = { one: [] as string[], two: [] as string[] };
      for (let i = 0; i < 5; i++) {
        expected.two.push(await send(stack, theirs, `two ${i}`, SECOND));
        expected.one.push(await send(stack, mine, `one ${i}`));
      }
      const received = [];
      for (let i = 0; i < 5; i++) received.push((await one.next()).data.communicationAdded.node.sid);
      expect(received).toEqual(expected.one);
      await waitFor(() => two.received.length === 5, 'the second account’s five');
      expect(two.received.map((entry) => entry.sid)).toEqual(expected.two);
      // A last message each: nothing of the other's came in between.
      const lastOne = await send(stack, mine, 'one last');
      const lastTwo = await send(stack, theirs, 'two last', SECOND);
      expect((await one.next()).data.communicationAdded.node.sid).toBe(lastOne);
      await waitFor(() => two.received.length === 6, 'the second account’s last');
      expect(two.received.at(-1)!.sid).toBe(lastTwo);
      expect(one.pending).toBe(0);
      expect(two.payloads).toHaveLength(6);
      one.close();
      two.cancel();
    } finally {
      await theirClient.dispose();
    }
  });
});

describe('npm start (embedded mode): no set-up at all', () => {
  const root = new URL('../..', import.meta.url).pathname;
  const node = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
  let child: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it(`a subscription on a demo conversation receives what a mutation sends; ${MESSAGES} messages timed`, async () => {
    child = spawn(node, ['src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => /GraphQL API and GraphiQL at (\S+)/.test(output) || child!.exitCode !== null, 'the service to start', 20_000);
    const url = /GraphQL API and GraphiQL at (\S+)/.exec(output)?.[1];
    expect(url, output).toBeDefined();
    const graphql = async (query: string, variables: Record<string, unknown> = {}) =>
      (await (
        await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) })
      ).json()) as any;
    const demo = await graphql('{ conversations(first: 1) { nodes { sid } } }');
    const sid = demo.data.conversations.nodes[0].sid as string;

    const stream = await SseStream.open(url!, ADDED, { sid });
    expect(stream.status).toBe(200);
    const latency: number[] = [];
    const afterAnswer: number[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const started = performance.now();
      const sent = await graphql(
        `mutation ($input: CreateCommunicationInput!) { createCommunication(input: $input) { communication { sid } userErrors { code } } }`,
        {
          input: {
            conversationSid: sid,
            author: { address: '+15005550001', channel: 'SMS' },
            recipients: [{ address: '+15005550002', channel: 'SMS' }],
            content: { text: { text: `embedded ${i}` } },
          },
        },
      );
      expect(sent.data.createCommunication.userErrors).toEqual([]);
      const answered = performance.now();
      const payload = await stream.next();
      expect(payload.data.communicationAdded.node).toEqual({
        sid: sent.data.createCommunication.communication.sid,
        content: { text: `embedded ${i}` },
      });
      latency.push(performance.now() - started);
      afterAnswer.push(performance.now() - answered);
    }
    expect(stream.pending).toBe(0);
    console.log(
      `[end-to-end, npm start embedded mode] mutation sent → received over SSE, ${summary('SSE', latency)}; mutation answered → received, ${summary('SSE', afterAnswer)}`,
    );
    stream.close();
  });
});
