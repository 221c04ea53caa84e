// What a long-lived WebSocket connection needs beyond one operation, over real sockets: a
// subscription fed by a signed webhook, the subscriptions-per-connection limit, the end of a
// subscription when its JWT expires, the connection_init deadline, the payload limit, pings that
// drop a dead peer, and a shutdown that lets running queries answer and closes the rest with 1001.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AGENT, CUSTOMER, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { codesOf, connect, rawSocket, run, subscribe, waitFor } from '../helpers/websocket.ts';

const SECRET = 'a-long-enough-hmac-secret-for-websocket-tests-0123';
const QUERY = '{ conversations(first: 5) { nodes { name } } }';
const EVENTS = `subscription Events($sid: String!) {
  conversationEvents(conversationSid: $sid) {
    __typename
    ... on CommunicationAddedEvent { communicationEdge { node { sid content { ... on TextContent { text } } } } }
  }
}`;

let stack: Stack;
let guarded: Stack;
let sid: string;
let guardedSid: string;

/** A communication created at the emulator, then reported to the facade as Twilio would (a signed status callback). */
async function announceCommunication(target: Stack, conversationSid: string, text: string): Promise<string> {
  const communication = target.emulator.data.createCommunication(ACCOUNT_SID, conversationSid, {
    author: CUSTOMER,
    recipients: [AGENT],
    content: { type: 'TEXT', text },
  }) as { id: string };
  const data = JSON.parse(JSON.stringify(communication)) as Record<string, unknown>;
  const answer = await target.postWebhook({ eventType: 'COMMUNICATION_CREATED', timestamp: new Date().toISOString(), data });
  expect(answer.status).toBeLessThan(300);
  return communication.id;
}

beforeAll(async () => {
  stack = await startStack({
    facade: { maxRequestBytes: 8192, webSocket: { connectionInitTimeoutMs: 200, keepAliveMs: 100 } },
    live: { limits: { maxSubscriptionsPerConnection: 2 } },
  });
  guarded = await startStack({ facade: { access: { tokens: [], jwtSecret: SECRET } } });
  sid = seedConversation(stack.emulator, 'live');
  guardedSid = seedConversation(guarded.emulator, 'guarded live');
});

afterAll(async () => {
  await stack?.close();
  await guarded?.close();
});

beforeEach(() => {
  stack.takeUpstreamCalls();
});

describe('subscriptions over WebSocket', () => {
  it('a webhook’s communication reaches a subscriber over WebSocket, through the same pipeline', async () => {
    const client = connect(stack.url);
    const first = Promise.withResolvers<void>();
    const events = subscribe(client, { query: EVENTS, variables: { sid } }, () => first.resolve());
    await waitFor(() => stack.live.subscribers.listening === 1, 'the subscription to listen');
    const communicationSid = await announceCommunication(stack, sid, 'hello over websocket');
    await first.promise;
    events.cancel();
    await waitFor(() => stack.live.subscribers.listening === 0, 'the subscription to end');
    await client.dispose();
    expect((await events.outcome).results).toEqual([
      {
        data: {
          conversationEvents: {
            __typename: 'CommunicationAddedEvent',
            communicationEdge: { node: { sid: communicationSid, content: { text: 'hello over websocket' } } },
          },
        },
      },
    ]);
  });

  it('a connection carries at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions: one more is RATE_LIMITED for nothing upstream; queries and other connections are not affected', async () => {
    const client = connect(stack.url);
    const open = [subscribe(client, { query: EVENTS, variables: { sid } }), subscribe(client, { query: EVENTS, variables: { sid } })];
    await waitFor(() => stack.live.subscribers.listening === 2, 'two subscriptions to listen');
    stack.takeUpstreamCalls();

    const refused = await subscribe(client, { query: EVENTS, variables: { sid } }).outcome;
    expect(codesOf(refused.errors)).toEqual(['RATE_LIMITED']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
    expect((await run(client, { query: QUERY })).results).toHaveLength(1);

    const other = connect(stack.url);
    const elsewhere = subscribe(other, { query: EVENTS, variables: { sid } });
    await waitFor(() => stack.live.subscribers.listening === 3, 'a subscription on another connection');

    open[0]!.cancel();
    await waitFor(() => stack.live.subscribers.listening === 2, 'a slot to free up');
    const again = subscribe(client, { query: EVENTS, variables: { sid } });
    await waitFor(() => stack.live.subscribers.listening === 3, 'the freed slot to be taken');

    for (const subscription of [open[1]!, again, elsewhere]) subscription.cancel();
    await client.dispose();
    await other.dispose();
    await waitFor(() => stack.live.subscribers.listening === 0, 'every subscription to end');
  });

  it('a subscription opened with a JWT ends with UNAUTHENTICATED when the token expires, over WebSocket and SSE; the connection’s next operation is refused', async () => {
    const expiresAt = (Math.floor(Date.now() / 1000) + 2) * 1000; // 1 to 2 s from now
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(expiresAt / 1000)
      .sign(new TextEncoder().encode(SECRET));
    const client = connect(guarded.url, { connectionParams: { authorization: `Bearer ${token}` } });
    const delivered = Promise.withResolvers<void>();
    const events = subscribe(client, { query: EVENTS, variables: { sid: guardedSid } }, () => delivered.resolve());
    const sse = await fetch(guarded.url, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: EVENTS, variables: { sid: guardedSid } }),
    });
    const sseText = sse.text(); // whole once the stream ends
    await waitFor(() => guarded.live.subscribers.listening === 2, 'both subscriptions to listen');
    await announceCommunication(guarded, guardedSid, 'before expiry');
    await delivered.promise;

    const [outcome, streamed] = await Promise.all([events.outcome, sseText]);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    const expired = {
      errors: [{ message: 'The credentials expired: subscribe again with fresh ones.', extensions: { code: 'UNAUTHENTICATED' } }],
    };
    expect(outcome.completed).toBe(true);
    expect(outcome.results).toEqual([
      { data: { conversationEvents: expect.objectContaining({ __typename: 'CommunicationAddedEvent' }) } },
      expired,
    ]);
    const sseResults = streamed
      .split('\n\n')
      .filter((block) => block.startsWith('event: next'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as unknown);
    expect(sseResults).toEqual(outcome.results);
    await waitFor(() => guarded.live.subscribers.listening === 0, 'both listeners to close');
    expect(codesOf((await run(client, { query: QUERY })).errors)).toEqual(['UNAUTHENTICATED']);
    await client.dispose();
  });
});

describe('connection limits', () => {
  it('a connection that never sends connection_init is closed with 4408 after the deadline', async () => {
    const raw = rawSocket(stack.url);
    expect(await raw.opened).toEqual({ status: 101 });
    const opened = performance.now();
    const closed = await raw.closed;
    expect(closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(performance.now() - opened).toBeGreaterThanOrEqual(150);
    expect(performance.now() - opened).toBeLessThan(2000); // graphql-ws's own default is 3 s
  });

  it('a message over MAX_REQUEST_BYTES closes the socket with 1009, nothing upstream; one under it runs', async () => {
    const raw = rawSocket(stack.url);
    await raw.opened;
    raw.socket.send(JSON.stringify({ type: 'connection_init' }));
    await raw.message('connection_ack');
    raw.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
    expect(await raw.message('next')).toEqual({
      id: '1',
      type: 'next',
      payload: { data: { conversations: { nodes: [{ name: 'live' }] } } },
    });
    stack.takeUpstreamCalls();
    const padded = `${QUERY}${' '.repeat(9000)}`;
    raw.socket.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: padded } }));
    expect((await raw.closed).code).toBe(1009);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
    expect(raw.messages.filter((message) => message.id === '2')).toEqual([]);
  });

  it('pings keep a live peer connected and drop one that stops answering them', async () => {
    const live = rawSocket(stack.url);
    const dead = rawSocket(stack.url, { autoPong: false });
    await Promise.all([live.opened, dead.opened]);
    for (const raw of [live, dead]) raw.socket.send(JSON.stringify({ type: 'connection_init' }));
    await Promise.all([live.message('connection_ack'), dead.message('connection_ack')]);
    let pings = 0;
    live.socket.on('ping', () => pings++);
    expect((await dead.closed).code).toBe(1006); // terminated: no close frame
    await waitFor(() => pings >= 3, 'three pings answered');
    expect(live.socket.readyState).toBe(live.socket.OPEN);
    live.socket.close();
    await live.closed;
  });
});

describe('shutdown', () => {
  it('drain: idle connections and subscriptions close with 1001 at once, a running query answers first, new upgrades get 503', async () => {
    const closing = await startStack();
    const closingSid = seedConversation(closing.emulator, 'closing');
    const idle = rawSocket(closing.url);
    const busy = rawSocket(closing.url);
    await Promise.all([idle.opened, busy.opened]);
    for (const raw of [idle, busy]) raw.socket.send(JSON.stringify({ type: 'connection_init' }));
    await Promise.all([idle.message('connection_ack'), busy.message('connection_ack')]);
    const subscriber = connect(closing.url);
    const events = subscribe(subscriber, { query: EVENTS, variables: { sid: closingSid } });
    await waitFor(() => closing.live.subscribers.listening === 1, 'the subscription to listen');

    closing.emulator.faults.enqueue({ match: { path: '/v2/Conversations' }, kind: 'delay', ms: 300 });
    closing.takeUpstreamCalls();
    busy.socket.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: QUERY } }));
    await waitFor(() => closing.emulator.requests.count({ path: '/v2/Conversations' }) === 1, 'the query to reach the upstream');

    closing.webSockets.drain();
    expect(await idle.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect((await events.outcome).closed?.code).toBe(1001);
    await waitFor(() => closing.live.subscribers.listening === 0, 'the subscription’s listener to close');
    expect((await rawSocket(closing.url).opened).status).toBe(503);

    expect(await busy.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(busy.messages).toEqual([
      { type: 'connection_ack' },
      { id: 'q', type: 'next', payload: { data: { conversations: { nodes: [{ name: 'closing' }] } } } },
      { id: 'q', type: 'complete' },
    ]);
    await subscriber.dispose();
    await waitFor(() => closing.webSockets.connectionCount === 0, 'every connection to close');
    await closing.close();
  });

  it('npm start: SIGTERM closes WebSocket connections with 1001 and exits 0 without waiting out the grace period', async () => {
    const root = new URL('../..', import.meta.url).pathname;
    const child = spawn(new URL('../../node_modules/.bin/node', import.meta.url).pathname, ['src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '10000' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => /GraphQL API and GraphiQL at (\S+)/.test(output), 'the service to start', 20_000);
      const url = /GraphQL API and GraphiQL at (\S+)/.exec(output)![1]!;
      const raw = rawSocket(url);
      await raw.opened;
      raw.socket.send(JSON.stringify({ type: 'connection_init' }));
      await raw.message('connection_ack');
      raw.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ conversations(first: 1) { nodes { id } } }' } }));
      await raw.message('complete');
      expect(raw.messages[1]).toMatchObject({
        id: '1',
        type: 'next',
        payload: { data: { conversations: { nodes: [{ id: expect.any(String) }] } } },
      });

      const stopped = performance.now();
      child.kill('SIGTERM');
      expect(await raw.closed).toEqual({ code: 1001, reason: 'Going away' });
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(performance.now() - stopped).toBeLessThan(5000);
      expect(output).not.toMatch(/grace period over/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
