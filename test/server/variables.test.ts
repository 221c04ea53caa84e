// Variables follow the GraphQL spec under compiled execution too: a variable left out takes its
// default, also a non-null one (graphql-jit alone would refuse it), and an explicit null for a
// non-null variable is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let sid: string;

beforeAll(async () => {
  stack = await startStack();
  sid = seedConversation(stack.emulator, 'variables');
  seedCommunications(stack.emulator, sid, 6);
});

afterAll(() => stack.close());

describe('variable defaults', () => {
  const query = () =>
    `query Defaults($sid: String! = "${sid}", $count: Int! = 3, $before: String) { conversation(sid: $sid) { communications(last: $count, before: $before) { nodes { sid } } } }`;

  it('a left-out non-null variable takes its default', async () => {
    for (const variables of [undefined, {}, { before: null }]) {
      const response = await stack.graphql(query(), variables);
      expect(response.errors).toBeUndefined();
      expect(response.data.conversation.communications.nodes).toHaveLength(3);
    }
  });

  it('a given value wins over the default', async () => {
    const response = await stack.graphql(query(), { count: 5 });
    expect(response.data.conversation.communications.nodes).toHaveLength(5);
  });

  it('null for a non-null variable is refused', async () => {
    const response = await stack.graphql(query(), { count: null });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
