// Every way an upstream call fails maps to a contract error code, and no response ever carries
// the upstream URL, a credential, a stack trace or the upstream's body.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const MISSING_CONVERSATION = graphql(`
  query ErrorMappingMissingConversation {
    conversation(sid: "conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz") { sid }
  }
`);

let stack: Stack;
let sid: string;
const QUERY = `query ($sid: String!) { conversation(sid: $sid) { communications(first: 5) { nodes { sid } } } }`;

beforeAll(async () => {
  stack = await startStack({ upstream: { headersTimeoutMs: 300, bodyTimeoutMs: 300, maxResponseBytes: 64 * 1024 } });
  sid = seedConversation(stack.emulator, 'errors');
  seedCommunications(stack.emulator, sid, 3);
});

beforeEach(() => stack.emulator.faults.clear());
afterAll(() => stack.close());

function expectNoLeak(text: string) {
  const upstreamHost = new URL(stack.emulator.url).host;
  for (const secret of [upstreamHost, stack.emulator.url, AUTH_TOKEN, 'Basic ', 'at async', '.ts:', 'twilio.com/docs', 'more_info']) {
    expect(text).not.toContain(secret);
  }
}

async function failWith(fault: Parameters<Stack['emulator']['faults']['enqueue']>[0]) {
  stack.emulator.faults.enqueue(fault);
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: QUERY, variables: { sid } }),
  });
  const text = await response.text();
  expectNoLeak(text);
  return JSON.parse(text) as { data: unknown; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };
}

describe('upstream failures → contract error codes', () => {
  it.each([
    [400, 'BAD_USER_INPUT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [429, 'RATE_LIMITED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
    [502, 'UPSTREAM_UNAVAILABLE'],
    [503, 'UPSTREAM_UNAVAILABLE'],
    [504, 'UPSTREAM_TIMEOUT'],
  ])('HTTP %i → %s', async (status, code) => {
    const body = await failWith({ match: { path: '*Communications' }, kind: 'status', status, times: 10 });
    expect(body.errors?.map((e) => e.extensions.code)).toEqual([code]);
  });

  it('429 carries retryAfter from Retry-After', async () => {
    const body = await failWith({ match: { path: '*Communications' }, kind: 'status', status: 429, retryAfter: 7, times: 10 });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 7 });
  });

  it.each([
    ['malformed JSON', { kind: 'malformed' }, 'UPSTREAM_UNAVAILABLE'],
    ['a body of the wrong shape', { kind: 'wrongShape' }, 'UPSTREAM_UNAVAILABLE'],
    ['a connection reset', { kind: 'reset' }, 'UPSTREAM_UNAVAILABLE'],
    ['a reset mid-body', { kind: 'resetMidBody' }, 'UPSTREAM_UNAVAILABLE'],
    ['a body over the size limit', { kind: 'oversized', bytes: 200_000 }, 'UPSTREAM_UNAVAILABLE'],
    ['no answer', { kind: 'hang' }, 'UPSTREAM_TIMEOUT'],
    ['a body that trickles', { kind: 'slowBody', chunkDelayMs: 1000 }, 'UPSTREAM_TIMEOUT'],
  ] as const)('%s → %s', async (_name, fault, code) => {
    const body = await failWith({ match: { path: '*Communications' }, times: 10, ...fault });
    expect(body.errors?.map((e) => e.extensions.code)).toEqual([code]);
  });

  it('a missing resource is null, not an error', async () => {
    const response = await stack.graphql(MISSING_CONVERSATION);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ conversation: null });
  });
});
