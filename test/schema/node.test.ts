// Global Object Identification: every node type refetches by its id, ids carry what the fetch
// needs, nodes() keeps order and nulls, a malformed id is BAD_USER_INPUT at no upstream cost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const NODE_IDS = graphql(`
  query NodeIdsOfConversation($sid: String!) {
    conversation(sid: $sid) { id participants { nodes { id } } communications { nodes { id } } }
  }
`);

let stack: Stack;
let ids: { conversation: string; participant: string; communication: string };
let sids: { conversation: string; participant: string; communication: string };

beforeAll(async () => {
  stack = await startStack();
  const conversation = seedConversation(stack.emulator, 'nodes');
  const participant = stack.emulator.data.createParticipant(ACCOUNT_SID, conversation, {
    name: 'Lee',
    type: 'HUMAN_AGENT',
    addresses: [{ channel: 'CHAT', address: 'lee' }],
  }) as { id: string };
  const [communication] = seedCommunications(stack.emulator, conversation, 1);
  sids = { conversation, participant: participant.id, communication: communication! };
  const response = await stack.graphql(NODE_IDS, { sid: conversation });
  const found = response.data.conversation!;
  ids = { conversation: found.id, participant: found.participants.nodes[0]!.id, communication: found.communications.nodes[0]!.id };
});

afterAll(() => stack.close());

const NODE = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) { __typename id ... on Conversation { sid name } ... on Participant { sid name } ... on Communication { sid conversation { sid } } }
  }
`);

const NODES = graphql(`
  query NodesByIds($ids: [ID!]!) {
    nodes(ids: $ids) { id }
  }
`);

const MISSING_CONVERSATION = graphql(`
  query NodeMissingConversation {
    conversation(sid: "conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz") { sid }
  }
`);

describe('node and nodes', () => {
  it('refetches each node type by its global id with one upstream call', async () => {
    for (const [type, id] of Object.entries(ids)) {
      stack.takeUpstreamCalls();
      const response = await stack.graphql(NODE, { id });
      expect(response.errors).toBeUndefined();
      expect(response.data.node?.id).toBe(id);
      expect(response.data.node?.sid).toBe(sids[type as keyof typeof sids]);
      const calls = stack.takeUpstreamCalls();
      // A communication also loads its conversation for `conversation { sid }`.
      expect(calls).toHaveLength(type === 'communication' ? 2 : 1);
    }
  });

  it('ids are opaque, and a communication’s id carries its conversation', () => {
    const decoded = Buffer.from(ids.communication, 'base64url').toString();
    expect(decoded).toBe(`Communication:${sids.conversation}/${sids.communication}`);
    expect(ids.communication).not.toContain(sids.communication);
  });

  it('nodes() keeps the order of the ids and answers null for objects that do not exist', async () => {
    const missing = Buffer.from(`Communication:${sids.conversation}/conv_communication_01jzzzzzzzzzzzzzzzzzzzzzzz`).toString('base64url');
    const response = await stack.graphql(NODES, {
      ids: [ids.communication, missing, ids.conversation, ids.participant],
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.nodes).toEqual([{ id: ids.communication }, null, { id: ids.conversation }, { id: ids.participant }]);
  });

  it('a missing object is null, with no error', async () => {
    const missing = Buffer.from('Conversation:conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz').toString('base64url');
    const response = await stack.graphql(NODE, { id: missing });
    expect(response.errors).toBeUndefined();
    expect(response.data.node).toBeNull();
    const bySid = await stack.graphql(MISSING_CONVERSATION);
    expect(bySid.errors).toBeUndefined();
    expect(bySid.data.conversation).toBeNull();
  });

  it.each([
    ['not base64', '!!!'],
    ['an unknown type', Buffer.from('Account:AC123').toString('base64url')],
    ['a communication without its conversation', Buffer.from('Communication:conv_communication_01j').toString('base64url')],
    ['a path in the key', Buffer.from('Conversation:../../Accounts').toString('base64url')],
    ['empty', ''],
  ])('a malformed id (%s) is BAD_USER_INPUT with no upstream call', async (_name, id) => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(NODE, { id });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it('a malformed sid argument is BAD_USER_INPUT with no upstream call', async () => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(`{ conversation(sid: "a/../b") { sid } }`);
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });
});
