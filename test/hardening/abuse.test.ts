// The abuse half of the hardening matrix: hostile or careless requests are refused before
// execution with a clear error and cost nothing upstream, while real Relay-shaped queries pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

let stack: Stack;
let sid: string;

function codes(response: { errors?: Array<{ extensions?: Record<string, unknown> }> }) {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

async function upstreamCallsOf<T>(work: () => Promise<T>): Promise<{ result: T; calls: number }> {
  stack.takeUpstreamCalls();
  const result = await work();
  return { result, calls: stack.takeUpstreamCalls().length };
}

beforeAll(async () => {
  stack = await startStack({ facade: { introspection: false } });
  sid = seedConversation(stack.emulator, 'abuse');
  seedCommunications(stack.emulator, sid, 30);
});

afterAll(() => stack.close());

const RELAY_QUERY = graphql(`
  query RelayShaped($sid: String!) {
    conversation(sid: $sid) {
      id
      communications(first: 10) {
        edges {
          cursor
          node {
            id
            author { participant { id name addresses { address channel } } }
            recipients { participant { id name } deliveryStatus }
            content { __typename ... on TextContent { text } ... on TranscriptionContent { transcription { words { text } } } }
            conversation { participants(first: 5) { edges { node { id addresses { channel } } } } }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

describe('query limits, checked before execution', () => {
  it('a deep, real Relay-shaped query passes', async () => {
    const response = await stack.graphql(RELAY_QUERY, { sid });
    expect(response.errors).toBeUndefined();
    expect(response.data.conversation!.communications.edges).toHaveLength(10);
  });

  it('deep nesting → QUERY_TOO_COMPLEX, no upstream call', async () => {
    let selection = 'sid';
    for (let i = 0; i < 8; i++) selection = `communications(first: 1) { nodes { conversation { ${selection} } } }`;
    const { result, calls } = await upstreamCallsOf(() =>
      stack.graphql(`query ($sid: String!) { conversation(sid: $sid) { ${selection} } }`, { sid }),
    );
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.message).toMatch(/depth/i);
    expect(calls).toBe(0);
  });

  it('100+ aliases → QUERY_TOO_COMPLEX, no upstream call', async () => {
    const aliases = Array.from({ length: 120 }, (_, i) => `a${i}: conversation(sid: $sid) { sid }`).join('\n');
    const { result, calls } = await upstreamCallsOf(() => stack.graphql(`query ($sid: String!) { ${aliases} }`, { sid }));
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.message).toMatch(/alias/i);
    expect(calls).toBe(0);
  });

  it('aliases × first: 1000 (a cost bomb) → QUERY_TOO_COMPLEX with the cost, no upstream call', async () => {
    const aliases = Array.from(
      { length: 25 },
      (_, i) => `c${i}: communications(first: 1000) { nodes { sid author { participant { name } } content { __typename } } }`,
    ).join('\n');
    const { result, calls } = await upstreamCallsOf(() =>
      stack.graphql(`query ($sid: String!) { conversation(sid: $sid) { ${aliases} } }`, { sid }),
    );
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(result.errors?.[0]?.extensions).toMatchObject({ maxCost: 20_000 });
    expect(result.errors?.[0]?.extensions?.cost).toBeGreaterThan(20_000);
    expect(calls).toBe(0);
  });

  it('nested connections multiply: conversations(first: 1000) × communications(first: 100) is refused', async () => {
    const { result, calls } = await upstreamCallsOf(() =>
      stack.graphql(`{ conversations(first: 1000) { nodes { communications(first: 100) { nodes { sid } } } } }`),
    );
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(calls).toBe(0);
  });

  it('cost counts variables too', async () => {
    const selection = `nodes { author { participant { name } } recipients { participant { name } } content { __typename } }`;
    const query = `query ($sid: String!, $n: Int!) { conversation(sid: $sid) { a: communications(first: $n) { ${selection} } b: communications(last: $n) { ${selection} } c: communications(first: $n) { ${selection} } } }`;
    expect(codes(await stack.graphql(query, { sid, n: 1000 }))).toEqual(['QUERY_TOO_COMPLEX']);
    expect((await stack.graphql(query, { sid, n: 10 })).errors).toBeUndefined();
  });

  it('a document with too many tokens → QUERY_TOO_COMPLEX', async () => {
    const fields = Array.from({ length: 6000 }, () => '__typename').join(' ');
    const { result, calls } = await upstreamCallsOf(() => stack.graphql(`{ ${fields} }`));
    expect(codes(result)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(calls).toBe(0);
  });

  it('too many ids in nodes() → BAD_USER_INPUT', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => Buffer.from(`Conversation:conv_conversation_${i}`).toString('base64url'));
    const { result, calls } = await upstreamCallsOf(() => stack.graphql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }));
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(calls).toBe(0);
  });
});

describe('bad arguments', () => {
  it.each([
    ['first: 0', 'first: 0'],
    ['first: 1001', 'first: 1001'],
    ['last: -1', 'last: -1'],
    ['first and last', 'first: 5, last: 5'],
    ['a forged cursor', 'first: 5, after: "eyJ2IjoxfQ.AAAA"'],
    ['a huge cursor', `first: 5, after: "${'x'.repeat(20_000)}"`],
  ])('%s → BAD_USER_INPUT, no list call', async (_name, args) => {
    const { result } = await upstreamCallsOf(() =>
      stack.graphql(`query ($sid: String!) { conversation(sid: $sid) { communications(${args}) { nodes { sid } } } }`, { sid }),
    );
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('HTTP-level abuse', () => {
  it('a 1 MB body → 413, no upstream call', async () => {
    const { result, calls } = await upstreamCallsOf(() =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(1024 * 1024) } }),
      }),
    );
    expect(result.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('a mutation over GET → 405, nothing sent upstream', async () => {
    const query = encodeURIComponent(
      `mutation { createCommunication(input: {conversationSid: "${sid}", author: {address: "+15005550001", channel: SMS}, recipients: [{address: "+15005550002", channel: SMS}], content: {text: {text: "csrf"}}}) { clientMutationId } }`,
    );
    const { result, calls } = await upstreamCallsOf(() =>
      fetch(`${stack.url}?query=${query}`, { headers: { accept: 'application/json' } }),
    );
    expect(result.status).toBe(405);
    expect(calls).toBe(0);
  });

  it.each([
    ['application/x-www-form-urlencoded', (q: string) => `query=${encodeURIComponent(q)}`],
    ['text/plain', (q: string) => JSON.stringify({ query: q })],
    [
      'multipart/form-data; boundary=x',
      (q: string) => `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: q })}\r\n--x--`,
    ],
  ])('a %s POST (a cross-site "simple request") → 415, nothing sent upstream', async (type, body) => {
    const mutation = `mutation { createCommunication(input: {conversationSid: "${sid}", author: {address: "+15005550001", channel: SMS}, recipients: [{address: "+15005550002", channel: SMS}], content: {text: {text: "csrf"}}}) { clientMutationId } }`;
    const { result, calls } = await upstreamCallsOf(() =>
      fetch(stack.url, { method: 'POST', headers: { 'content-type': type }, body: body(mutation) }),
    );
    expect(result.status).toBe(415);
    expect(calls).toBe(0);
  });

  it('batched requests are refused', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('GET queries still work', async () => {
    const response = await fetch(`${stack.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('introspection off', () => {
  it('a typo’d field gets no suggestion', async () => {
    const response = await stack.graphql(`{ conversatoins(first: 1) { nodes { sid } } }`);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.message).not.toMatch(/did you mean/i);
    expect(response.errors?.[0]?.message).not.toContain('conversations');
  });

  it('introspection is refused', async () => {
    const response = await stack.graphql(`{ __schema { types { name } } }`);
    expect(codes(response).length).toBeGreaterThan(0);
    expect(new Set(codes(response))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(response.data ?? null).toBeNull();
  });

  it('with introspection on (the default), suggestions help', async () => {
    const open = await startStack();
    try {
      const response = await open.graphql(`{ conversatoins(first: 1) { nodes { sid } } }`);
      expect(response.errors?.[0]?.message).toMatch(/Did you mean "conversations"/);
    } finally {
      await open.close();
    }
  });
});
