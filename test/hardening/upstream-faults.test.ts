// The fault half of the hardening matrix: the emulator misbehaves on purpose and the facade
// retries only what is safe, never amplifies, keeps its deadline, and fails fast when it must.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, TEST_RESILIENCE, type Stack } from '../helpers/stack.ts';
import type { CreateCommunicationInput } from '../generated/graphql.ts';
import { graphql } from '../generated/index.ts';

const LIST = graphql(`
  query FaultsFirstPage($sid: String!) {
    conversation(sid: $sid) { communications(first: 5) { nodes { sid } } }
  }
`);
const LAST = graphql(`
  query FaultsLastPage($sid: String!) {
    conversation(sid: $sid) { communications(last: 5) { nodes { sid } } }
  }
`);
const CREATE = graphql(`
  mutation FaultsCreate($input: CreateCommunicationInput!) {
    createCommunication(input: $input) { communication { sid } userErrors { code } }
  }
`);
/** One upstream call: the account's first conversations. */
const CONVERSATIONS = graphql(`
  query FaultsConversations {
    conversations(first: 5) { nodes { sid } }
  }
`);
const ALL = graphql(`
  query FaultsAllCommunications($sid: String!) {
    conversation(sid: $sid) { communications(first: 1000) { nodes { sid } } }
  }
`);
const listPath = /\/Communications$/;
/** The same paths as a fault's `match.path` glob. */
const listMatch = '*/Communications';

let stack: Stack;
let sid: string;

function codes(response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

function attempts(method = 'GET', path: RegExp = listPath) {
  return stack.takeUpstreamCalls().filter((call) => call.method === method && path.test(call.path));
}

function createInput(extra: Partial<CreateCommunicationInput> = {}): CreateCommunicationInput {
  return {
    conversationSid: sid,
    author: { address: '+15005550001', channel: 'SMS' },
    recipients: [{ address: '+15005550002', channel: 'SMS' }],
    content: { text: { text: `fault test ${randomUUID()}` } },
    ...extra,
  };
}

beforeAll(async () => {
  stack = await startStack({
    upstream: { headersTimeoutMs: 400, bodyTimeoutMs: 400 },
    facade: { requestTimeoutMs: 3000 },
  });
  sid = seedConversation(stack.emulator, 'faults');
  seedCommunications(stack.emulator, sid, 12);
});

afterEach(() => {
  stack.emulator.faults.clear();
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('retries', () => {
  it('429 with Retry-After: waits that long, retries once, succeeds', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'status', status: 429, retryAfter: 1 });
    const started = performance.now();
    const response = await stack.graphql(LIST, { sid });
    const elapsed = performance.now() - started;
    expect(response.errors).toBeUndefined();
    expect(response.data.conversation!.communications.nodes).toHaveLength(5);
    expect(attempts().map((call) => call.status)).toEqual([429, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
  });

  it('429 without Retry-After: backs off with jitter, retries, succeeds', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'status', status: 429, times: 2 });
    const response = await stack.graphql(LIST, { sid });
    expect(response.errors).toBeUndefined();
    expect(attempts().map((call) => call.status)).toEqual([429, 429, 200]);
  });

  it('a Retry-After longer than the facade waits: RATE_LIMITED with retryAfter, one attempt', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'status', status: 429, retryAfter: 120 });
    const response = await stack.graphql(LIST, { sid });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 120 });
    expect(attempts()).toHaveLength(1);
  });

  it('503 then success', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'status', status: 503 });
    const response = await stack.graphql(LIST, { sid });
    expect(response.errors).toBeUndefined();
    expect(attempts().map((call) => call.status)).toEqual([503, 200]);
  });

  it('a persistent 503 stops at the attempt limit', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'status', status: 503, times: 10 });
    const response = await stack.graphql(LIST, { sid });
    expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(attempts()).toHaveLength(TEST_RESILIENCE.maxAttempts);
  });

  it('a reset in the middle of a GET body is retried', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'resetMidBody' });
    const response = await stack.graphql(LIST, { sid });
    expect(response.errors).toBeUndefined();
    expect(attempts()).toHaveLength(2);
  });

  it('500 on create without an idempotency key: exactly one POST, an error', async () => {
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 500, times: 5 });
    const response = await stack.graphql(CREATE, { input: createInput() });
    expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(attempts('POST')).toHaveLength(1);
  });

  it('500 on create with an idempotency key: retried with the same key, created once', async () => {
    const idempotencyKey = randomUUID();
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 500 });
    const response = await stack.graphql(CREATE, { input: createInput({ idempotencyKey }) });
    expect(response.errors).toBeUndefined();
    expect(response.data.createCommunication.userErrors).toEqual([]);
    const posts = attempts('POST');
    expect(posts.map((post) => [post.status, post.idempotencyKey])).toEqual([
      [500, idempotencyKey],
      [201, idempotencyKey],
    ]);
  });

  it('a create that timed out but went through is retried with its key and not duplicated', async () => {
    const idempotencyKey = randomUUID();
    const input = createInput({ idempotencyKey });
    const countBefore = (await stack.graphql(ALL, { sid })).data.conversation!.communications.nodes.length;
    // The first POST is processed but answered too late (well past the 400 ms headers timeout).
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'delay', ms: 2000 });
    const response = await stack.graphql(CREATE, { input });
    expect(codes(response)).toEqual(['UPSTREAM_TIMEOUT']);
    // The caller retries the mutation with the same key: the original is returned, nothing new is made.
    const retry = await stack.graphql(CREATE, { input });
    expect(retry.errors).toBeUndefined();
    const after = await stack.graphql(ALL, { sid });
    expect(after.data.conversation!.communications.nodes.length).toBe(countBefore + 1);
  });

  it('429 on a create without a key is retried: Twilio never processes a 429', async () => {
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 429 });
    const response = await stack.graphql(CREATE, { input: createInput() });
    expect(response.errors).toBeUndefined();
    expect(attempts('POST').map((post) => post.status)).toEqual([429, 201]);
  });
});

describe('timeouts and broken bodies', () => {
  it('a hang times out within the request deadline', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'hang', times: 10 });
    const started = performance.now();
    const response = await stack.graphql(LIST, { sid });
    expect(codes(response)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(performance.now() - started).toBeLessThan(3000 + 500);
  });

  it('a body that trickles slower than the body timeout → UPSTREAM_TIMEOUT', async () => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'slowBody', chunkDelayMs: 1000, times: 10 });
    const response = await stack.graphql(LIST, { sid });
    expect(codes(response)).toEqual(['UPSTREAM_TIMEOUT']);
  });

  it.each([
    ['malformed JSON', { kind: 'malformed' }],
    ['valid JSON of the wrong shape', { kind: 'wrongShape' }],
    ['an oversized body', { kind: 'oversized', bytes: 20 * 1024 * 1024 }],
  ] as const)('%s → UPSTREAM_UNAVAILABLE, not retried', async (_name, fault) => {
    stack.emulator.faults.enqueue({ match: { path: listMatch }, times: 10, ...fault });
    const response = await stack.graphql(LIST, { sid });
    expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(attempts()).toHaveLength(1);
  });

  it('a list whose tokens cycle stops instead of looping', async () => {
    const long = seedConversation(stack.emulator, 'cycling');
    seedCommunications(stack.emulator, long, 2500);
    stack.emulator.faults.enqueue({ match: { path: listMatch }, kind: 'cycleTokens', times: 100 });
    const response = await stack.graphql(LAST, { sid: long });
    expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(attempts().length).toBeLessThanOrEqual(3);
  });
});

describe('capacity and the circuit breaker', () => {
  it('queue full → a fast UPSTREAM_UNAVAILABLE, without a call upstream', async () => {
    const small = await startStack({
      upstream: { resilience: { ...TEST_RESILIENCE, maxAttempts: 1, maxConcurrent: 1, maxQueue: 1 } },
    });
    // One upstream call per query: one in flight (slow), one waiting, the third refused.
    try {
      small.takeUpstreamCalls();
      small.emulator.faults.enqueue({ match: { path: '/v2/Conversations' }, kind: 'delay', ms: 800, times: 2 });
      const slow = [small.graphql(CONVERSATIONS), small.graphql(CONVERSATIONS)];
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      const refused = await small.graphql(CONVERSATIONS);
      expect(performance.now() - started).toBeLessThan(300);
      expect(codes(refused)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(refused.errors?.[0]?.message).toMatch(/capacity/);
      const done = await Promise.all(slow);
      expect(done.map(codes)).toEqual([[], []]);
      // Only the two slow calls ever reached the upstream.
      expect(small.takeUpstreamCalls()).toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  it('upstream down → the breaker opens, fails fast without calling, and recovers when it is back', async () => {
    const upstream = await startEmulator({ seedDemoData: false });
    const port = Number(new URL(upstream.url).port);
    const guarded = await startStack({
      upstream: {
        baseUrl: upstream.url,
        resilience: {
          ...TEST_RESILIENCE,
          maxAttempts: 1,
          breaker: { failureThresholdPercent: 50, volumeThreshold: 4, windowMs: 10_000, resetTimeoutMs: 500 },
        },
      },
    });
    try {
      expect((await guarded.graphql(CONVERSATIONS)).errors).toBeUndefined();
      await upstream.close();
      for (let i = 0; i < 4; i++) expect(codes(await guarded.graphql(CONVERSATIONS))).toEqual(['UPSTREAM_UNAVAILABLE']);
      // Open: refused at once, and nothing is sent (the upstream's port is closed anyway).
      const started = performance.now();
      const fast = await guarded.graphql(CONVERSATIONS);
      expect(codes(fast)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(performance.now() - started).toBeLessThan(100);
      // Back on the same port: after the reset timeout one probe goes through and closes the breaker.
      const back = await startEmulator({ seedDemoData: false, port });
      try {
        let recovered = false;
        for (let i = 0; i < 40 && !recovered; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          recovered = (await guarded.graphql(CONVERSATIONS)).errors === undefined;
        }
        expect(recovered).toBe(true);
        expect(back.requests.count()).toBeGreaterThanOrEqual(1);
      } finally {
        await back.close();
      }
    } finally {
      await guarded.close();
    }
  });
});
