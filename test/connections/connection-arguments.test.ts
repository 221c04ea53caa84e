// Connection arguments anywhere in a document are checked before execution (issue 9 items 4 and
// 6): a bad size, window or cursor costs no upstream call and nulls no parent; a cursor's list is
// checked wherever its parent is given by an argument; walks are priced by the upstream pages they
// may read, and `nodes(ids:)` by its ids, so a query of many is QUERY_TOO_COMPLEX before any call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorCodec, scopeTag } from '../../src/connections/index.ts';
import { encodeNodeId } from '../../src/schema/node-id.ts';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let sid: string;
let otherSid: string;
/** Not among the first two conversations. */
let thirdSid: string;
let ids: string[];
/** The stack signs cursors with 'test-secret': this makes the cursor a mutation's edge carries (no page). */
const codec = new CursorCodec('test-secret');

beforeAll(async () => {
  stack = await startStack();
  sid = seedConversation(stack.emulator, 'arguments');
  ids = seedCommunications(stack.emulator, sid, 30);
  otherSid = seedConversation(stack.emulator, 'other');
  seedCommunications(stack.emulator, otherSid, 5);
  thirdSid = seedConversation(stack.emulator, 'third');
  seedCommunications(stack.emulator, thirdSid, 5);
});

afterAll(() => stack.close());

async function run(query: string, variables: Record<string, unknown> = {}) {
  stack.takeUpstreamCalls();
  const response: GraphQLResponse<any> = await stack.graphql(query, variables);
  return { response, calls: stack.takeUpstreamCalls().length };
}

async function endCursor(conversation: string, args = 'first: 3'): Promise<string> {
  const { response } = await run(
    `query ($sid: String!) { conversation(sid: $sid) { communications(${args}) { pageInfo { endCursor } } } }`,
    {
      sid: conversation,
    },
  );
  return response.data.conversation.communications.pageInfo.endCursor;
}

function expectRefusedBeforeExecution({ response, calls }: Awaited<ReturnType<typeof run>>, argument: string, message: RegExp) {
  expect(response.errors).toHaveLength(1);
  const [error] = response.errors!;
  expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  expect(error!.message).toMatch(message);
  expect(error!.path).toBeUndefined();
  expect((error as { locations?: unknown[] }).locations).toHaveLength(1);
  // Nothing executed: no conversation fetched and then nulled.
  expect(response.data).toBeUndefined();
  expect(calls).toBe(0);
}

describe('bad connection arguments are refused before execution: no upstream call, no nulled parent', () => {
  it.each([
    ['first: 0', 'first', /`first` must be between 1 and 1000/],
    ['last: 5000', 'last', /`last` must be between 1 and 1000/],
    ['first: 2, last: 2', 'last', /either `first` or `last`/],
    ['first: 2, after: "not-a-cursor"', 'after', /Invalid cursor in `after`/],
    ['last: 2, before: ""', 'before', /empty string/],
  ])('conversation(sid:) { communications(%s) } → BAD_USER_INPUT naming %s', async (args, argument, message) => {
    const query = `query ($sid: String!) { conversation(sid: $sid) { name communications(${args}) { nodes { sid } } } }`;
    expectRefusedBeforeExecution(await run(query, { sid }), argument, message);
  });

  it('a cursor of another conversation under conversation(sid:) is refused before the conversation is fetched', async () => {
    const foreign = await endCursor(otherSid);
    const query = `query ($sid: String!, $after: String) { conversation(sid: $sid) { name communications(first: 2, after: $after) { nodes { sid } } } }`;
    expectRefusedBeforeExecution(await run(query, { sid, after: foreign }), 'after', /different list/);
    // Under its own conversation it works: the fetch and one list call, overlapped.
    const own = await run(query, { sid: otherSid, after: foreign });
    expect(own.response.errors).toBeUndefined();
    expect(own.response.data.conversation.communications.nodes).toHaveLength(2);
    expect(own.calls).toBe(2);
  });

  it('a cursor of the unfiltered list on a channelId-filtered one, and on Query.conversations with another status filter', async () => {
    const plain = await endCursor(sid);
    const filtered = `query ($sid: String!, $after: String) { conversation(sid: $sid) { communications(first: 2, after: $after, channelId: "CH1") { nodes { sid } } } }`;
    expectRefusedBeforeExecution(await run(filtered, { sid, after: plain }), 'after', /different list/);
    const { response } = await run(`{ conversations(first: 1) { pageInfo { endCursor } } }`);
    const conversationsCursor = response.data.conversations.pageInfo.endCursor;
    const other = `query ($after: String) { conversations(first: 1, after: $after, status: [CLOSED]) { nodes { sid } } }`;
    expectRefusedBeforeExecution(await run(other, { after: conversationsCursor }), 'after', /different list/);
  });

  it('checked inside fragments, inline fragments, aliases and variables; not under @skip(if: true)', async () => {
    const query = `
      query ($sid: String!, $size: Int, $skip: Boolean!) {
        conversation(sid: $sid) { ...Lists }
      }
      fragment Lists on Conversation {
        ok: communications(first: 2) { nodes { sid } }
        ... on Conversation { bad: participants(last: $size) @skip(if: $skip) { nodes { sid } } }
      }`;
    expectRefusedBeforeExecution(await run(query, { sid, size: 0, skip: false }), 'last', /`last` must be between 1 and 1000/);
    const skipped = await run(query, { sid, size: 0, skip: true });
    expect(skipped.response.errors).toBeUndefined();
    expect(skipped.response.data.conversation.ok.nodes).toHaveLength(2);
  });

  it('under a parent known only at run time, a forged cursor is refused before any call; an intact one of another list by the field, before its list is read', async () => {
    const query = `query ($after: String) { conversations(first: 2) { nodes { communications(first: 1, after: $after) { nodes { sid } } } } }`;
    expectRefusedBeforeExecution(await run(query, { after: 'eyJ2IjoxfQ.AAAAAAAAAAAAAAAA' }), 'after', /not a cursor of this API/);
    stack.takeUpstreamCalls();
    const response = await stack.graphql(query, { after: await endCursor(thirdSid) });
    const calls = stack.takeUpstreamCalls();
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(new Set(response.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(response.errors?.[0]?.message).toMatch(/different list/);
    expect(calls.filter((call) => call.path.endsWith('/Communications'))).toHaveLength(0);
  });
});

describe('honest cost, checked before execution', () => {
  const walks = (count: number, args: string) =>
    `query ($sid: String!${args.includes('$after') ? ', $after: String' : ''}) { conversation(sid: $sid) { ${Array.from({ length: count }, (_, i) => `w${i}: communications(${args}) { nodes { sid } }`).join(' ')} } }`;

  it('a query of many walks (last without before) is QUERY_TOO_COMPLEX before any upstream call', async () => {
    // Each walk may read the whole budget of 20 pages: 1 + 19 × 40 + its item = 762.
    const many = await run(walks(27, 'last: 1'), { sid });
    expect(many.response.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(many.response.errors?.[0]?.extensions).toMatchObject({ cost: 1 + 27 * 762, maxCost: 20_000 });
    expect(many.calls).toBe(0);
    const fewer = await run(walks(26, 'last: 1'), { sid });
    expect(fewer.response.errors).toBeUndefined();
    expect(fewer.response.data.conversation.w25.nodes.map((node: { sid: string }) => node.sid)).toEqual(ids.slice(-1));
  });

  it('walks nested under a connection multiply: an inbox of 20 conversations × last: 20 passes, 30 × last: 20 is QUERY_TOO_COMPLEX, no call', async () => {
    const inbox = await run(`{ conversations(first: 20) { nodes { communications(last: 20) { nodes { sid } } } } }`);
    expect(inbox.response.errors).toBeUndefined();
    const { response, calls } = await run(`{ conversations(first: 30) { nodes { communications(last: 20) { nodes { sid } } } } }`);
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(calls).toBe(0);
  });

  it('a cursor with no page (a mutation’s edge) and last + after are priced as walks; an ordinary cursor is not, and its verdict is not reused for them', async () => {
    const ordinary = await endCursor(sid);
    const cheap = await run(walks(27, 'first: 1, after: $after'), { sid, after: ordinary });
    expect(cheap.response.errors).toBeUndefined();
    const edge = codec.encode(scopeTag(JSON.stringify(['communications', sid, null])), { id: ids[5]!, page: null });
    for (const [args, after] of [
      ['first: 1, after: $after', edge],
      ['last: 1, after: $after', ordinary],
    ] as const) {
      const dear = await run(walks(27, args), { sid, after });
      expect(
        dear.response.errors?.map((error) => error.extensions?.code),
        args,
      ).toEqual(['QUERY_TOO_COMPLEX']);
      expect(dear.calls).toBe(0);
    }
  });

  it('nodes(ids:) multiplies its selection by the number of ids', async () => {
    const query = `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { communications(first: 100) { nodes { sid } } } } }`;
    const hundred = Array.from({ length: 100 }, () => encodeNodeId('Conversation', sid));
    const { response, calls } = await run(query, { ids: hundred });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    // 100 ids, each a conversation with a 100-item connection (100 + 100 × 1): 100 + 100 × 200.
    expect(response.errors?.[0]?.extensions).toMatchObject({ cost: 20_100 });
    expect(calls).toBe(0);
    const ten = await run(query, { ids: hundred.slice(0, 10) });
    expect(ten.response.errors).toBeUndefined();
  });
});

describe('cursor integrity over HTTP', () => {
  it('a cursor with characters appended or inserted is refused before any upstream call', async () => {
    const cursor = await endCursor(sid);
    const [body, mac] = cursor.split('.') as [string, string];
    const query = `query ($sid: String!, $after: String) { conversation(sid: $sid) { communications(first: 2, after: $after) { nodes { sid } } } }`;
    for (const tampered of [
      `${cursor}!!`,
      `${cursor}.x`,
      `${cursor}==`,
      `${cursor} `,
      `${body}.${mac}.`,
      `${body}.${mac.slice(0, 4)} ${mac.slice(4)}`,
    ]) {
      expectRefusedBeforeExecution(await run(query, { sid, after: tampered }), 'after', /not a cursor of this API/);
    }
    const intact = await run(query, { sid, after: cursor });
    expect(intact.response.data.conversation.communications.nodes.map((node: { sid: string }) => node.sid)).toEqual(ids.slice(3, 5));
  });
});
