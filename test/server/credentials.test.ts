// Per-request credentials: a caller's own Basic credentials are used instead of the server's,
// nothing read for one caller is served to another, and bad credentials never reach upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const OTHER = 'AC22222222222222222222222222222222';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const NAMES = graphql(`
  query CredentialsConversationNames {
    conversations(first: 10) { nodes { name accountSid } }
  }
`);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  seedConversation(stack.emulator, 'server account', ACCOUNT_SID);
  seedConversation(stack.emulator, 'other account', OTHER);
});

afterAll(() => stack.close());

describe('credentials', () => {
  it('uses the server-held credentials when the caller sends none', async () => {
    const response = await stack.graphql(NAMES);
    expect(response.data.conversations.nodes).toEqual([{ name: 'server account', accountSid: ACCOUNT_SID }]);
  });

  it("uses the caller's own Basic credentials instead, and sends them upstream", async () => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(NAMES, undefined, { authorization: basic(OTHER, 'other-secret') });
    expect(response.data.conversations.nodes).toEqual([{ name: 'other account', accountSid: OTHER }]);
    expect(stack.takeUpstreamCalls().map((call) => call.username)).toEqual([OTHER]);
  });

  it('interleaved callers never see each other’s data', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? stack.graphql(NAMES).then((r) => ['server', r.data.conversations.nodes])
        : stack
            .graphql(NAMES, undefined, { authorization: basic(OTHER, 'other-secret') })
            .then((r) => ['other', r.data.conversations.nodes]),
    );
    for (const [who, nodes] of await Promise.all(requests)) {
      expect(nodes).toEqual([
        who === 'server' ? { name: 'server account', accountSid: ACCOUNT_SID } : { name: 'other account', accountSid: OTHER },
      ]);
    }
  });

  it('wrong credentials → UNAUTHENTICATED', async () => {
    const response = await stack.graphql(NAMES, undefined, { authorization: basic(OTHER, 'not-the-secret') });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(response)).not.toContain('not-the-secret');
  });

  it('a malformed Basic header → UNAUTHENTICATED with no upstream call (never the server’s credentials)', async () => {
    stack.takeUpstreamCalls();
    for (const header of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Basic ']) {
      const response = await stack.graphql(NAMES, undefined, { authorization: header });
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });
});

describe('without server-held credentials', () => {
  it('a caller without credentials gets UNAUTHENTICATED and nothing is sent upstream', async () => {
    const bare = await startStack({ facade: { serverCredentials: null } });
    try {
      const response = await bare.graphql(NAMES);
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expect(bare.takeUpstreamCalls()).toHaveLength(0);
      const withOwn = await bare.graphql(NAMES, undefined, { authorization: basic(OTHER, 'x') });
      expect(withOwn.errors).toBeUndefined();
      expect(withOwn.data.conversations.nodes).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
