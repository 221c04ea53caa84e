// The look-ahead under `conversation(sid:)`: each connection field that declares the list it serves
// (its PREFETCH_LIST_EXTENSION) has its first page requested while the conversation itself is still
// being fetched. Shown with the conversation's fetch hanging: the list calls arrive anyway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, TEST_RESILIENCE, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let sid: string;

beforeAll(async () => {
  // One attempt with a short headers timeout: the hung fetch ends the request in about a second.
  stack = await startStack({ upstream: { headersTimeoutMs: 1000, resilience: { ...TEST_RESILIENCE, maxAttempts: 1 } } });
  sid = seedConversation(stack.emulator, 'prefetch');
  seedCommunications(stack.emulator, sid, 3);
});

afterAll(() => stack.close());

/** Polls the emulator's request log (bounded) until `done` holds for it; returns that log. */
async function logWhen(done: (log: ReturnType<Stack['emulator']['requests']['entries']>) => boolean) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const log = stack.emulator.requests.entries();
    if (done(log) || Date.now() > deadline) return log;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('first pages read alongside conversation(sid:)', () => {
  it('communications and participants are requested while the conversation fetch still hangs', async () => {
    stack.takeUpstreamCalls();
    const conversationPath = `/v2/Conversations/${sid}`;
    stack.emulator.faults.enqueue({ match: { method: 'GET', path: conversationPath }, kind: 'hang' });
    const pending = stack.graphql(
      `query ($sid: String!) {
        conversation(sid: $sid) {
          name
          communications(first: 2) { nodes { sid } }
          ... on Conversation { participants(last: 5) { nodes { sid } } }
        }
      }`,
      { sid },
    );
    const paths = (log: { path: string }[]) => log.map((entry) => entry.path).sort();
    const wanted = [conversationPath, `${conversationPath}/Communications`, `${conversationPath}/Participants`].sort();
    const seen = await logWhen((log) => paths(log).length >= 3);
    expect(paths(seen)).toEqual(wanted);
    // The conversation was still unanswered when both list calls arrived.
    expect(seen.find((entry) => entry.path === conversationPath)?.status).toBe(0);

    const response = await pending;
    expect(response.data).toEqual({ conversation: null });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_TIMEOUT']);
    // The fields themselves never ran (their parent is null): no further list call.
    expect(paths(stack.takeUpstreamCalls())).toEqual(wanted);
  });
});
