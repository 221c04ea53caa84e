// Upstream calls per query equal the distinct resources it needs, never the references to them:
// counted at the emulator, exact numbers.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const AUTHORS = graphql(`
  query LoaderAuthors($sid: String!) {
    conversation(sid: $sid) { communications(first: 50) { nodes { sid author { participant { name } } recipients { participant { name } } } } }
  }
`);

const ONE_AUTHOR = graphql(`
  query LoaderOneAuthor($sid: String!) {
    conversation(sid: $sid) { communications(first: 1) { nodes { author { participant { name } } } } }
  }
`);

const COMMUNICATION_ID = graphql(`
  query LoaderCommunicationId($sid: String!, $communicationSid: String!) {
    conversation(sid: $sid) { communication(sid: $communicationSid) { id } }
  }
`);

const COMMUNICATION_CONVERSATIONS = graphql(`
  query LoaderCommunicationConversations($sid: String!) {
    conversation(sid: $sid) { communications(first: 50) { nodes { conversation { sid name } } } }
  }
`);

const NODES_AND_CONVERSATION = graphql(`
  query LoaderNodesAndConversation($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Communication { sid conversation { name } } }
  }
`);

const PRIMED_BY_LIST = graphql(`
  query LoaderPrimedByList {
    conversations(first: 50) { nodes { communications(first: 3) { nodes { conversation { sid } } } } }
  }
`);

const TWO_CONNECTIONS = graphql(`
  query LoaderTwoConnections($sid: String!) {
    conversation(sid: $sid) { communications(first: 5) { nodes { sid } } participants(last: 2) { nodes { sid } } }
  }
`);

const SAME_PAGE_TWICE = graphql(`
  query LoaderSamePageTwice($sid: String!) {
    conversation(sid: $sid) { a: communications(first: 10) { nodes { sid } } b: communications(first: 10) { nodes { sid } } }
  }
`);

const NAME = graphql(`
  query LoaderName($sid: String!) {
    conversation(sid: $sid) { name }
  }
`);

let stack: Stack;
let conversationSid: string;
let participantIds: string[];
let communicationIds: string[];

function countBy(calls: ReturnType<Stack['takeUpstreamCalls']>) {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const path = call.path
      .replace(/conv_conversation_[0-9a-z]+/, ':conversation')
      .replace(/conv_communication_[0-9a-z]+/, ':communication')
      .replace(/conv_participant_[0-9a-z]+/, ':participant');
    const key = `${call.method} ${path}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The data of a query without errors, and the upstream calls it cost (a string document is untyped). */
async function callsFor<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables?: TVariables,
): Promise<{ data: TResult; calls: Record<string, number> }>;
async function callsFor(document: string, variables?: Record<string, unknown>): Promise<{ data: any; calls: Record<string, number> }>;
async function callsFor(document: string | TypedDocumentNode, variables?: Record<string, unknown>) {
  stack.takeUpstreamCalls();
  const response = await (typeof document === 'string' ? stack.graphql(document, variables) : stack.graphql(document, variables));
  expect(response.errors).toBeUndefined();
  return { data: response.data, calls: countBy(stack.takeUpstreamCalls()) };
}

beforeAll(async () => {
  stack = await startStack();
  const { data } = stack.emulator;
  conversationSid = seedConversation(stack.emulator, 'six authors');
  participantIds = Array.from({ length: 6 }, (_, i) => {
    const participant = data.createParticipant(ACCOUNT_SID, conversationSid, {
      name: `Author ${i}`,
      type: i === 0 ? 'CUSTOMER' : 'HUMAN_AGENT',
      addresses: [{ channel: 'SMS', address: `+1500555010${i}` }],
    }) as { id: string };
    return participant.id;
  });
  communicationIds = Array.from({ length: 50 }, (_, i) => {
    const author = i % 6;
    const recipient = (i + 1) % 6;
    const created = data.createCommunication(ACCOUNT_SID, conversationSid, {
      author: { channel: 'SMS', address: `+1500555010${author}`, participantId: participantIds[author] },
      recipients: [{ channel: 'SMS', address: `+1500555010${recipient}`, participantId: participantIds[recipient] }],
      content: { type: 'TEXT', text: `message ${i}` },
    }) as { id: string };
    return created.id;
  });
});

afterAll(() => stack.close());

describe('DataLoader call counts', () => {
  it('50 communications by 6 authors: one list call and one participant list call', async () => {
    const { data, calls } = await callsFor(AUTHORS, { sid: conversationSid });
    const nodes = data.conversation!.communications.nodes;
    expect(nodes).toHaveLength(50);
    expect(nodes.map((node) => node.author.participant?.name)).toEqual(Array.from({ length: 50 }, (_, i) => `Author ${i % 6}`));
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation': 1,
      'GET /v2/Conversations/:conversation/Communications': 1,
      'GET /v2/Conversations/:conversation/Participants': 1,
    });
  });

  it('a single distinct participant is fetched by id, not listed', async () => {
    const { calls } = await callsFor(ONE_AUTHOR, { sid: conversationSid });
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation': 1,
      'GET /v2/Conversations/:conversation/Communications': 1,
      'GET /v2/Conversations/:conversation/Participants/:participant': 1,
    });
  });

  it('the same node under 10 aliases costs one call', async () => {
    const { data: idData } = await callsFor(COMMUNICATION_ID, { sid: conversationSid, communicationSid: communicationIds[7]! });
    const id = idData.conversation!.communication!.id;
    const aliases = Array.from({ length: 10 }, (_, i) => `a${i}: node(id: $id) { id ... on Communication { sid } }`).join('\n');
    const { data, calls } = await callsFor(`query ($id: ID!) { ${aliases} }`, { id });
    expect(Object.values(data).map((node: any) => node.sid)).toEqual(Array(10).fill(communicationIds[7]));
    expect(calls).toEqual({ 'GET /v2/Conversations/:conversation/Communications/:communication': 1 });
  });

  it('Communication.conversation for 50 communications of one conversation costs at most one fetch', async () => {
    const { data, calls } = await callsFor(COMMUNICATION_CONVERSATIONS, { sid: conversationSid });
    const nodes = data.conversation!.communications.nodes;
    expect(new Set(nodes.map((node) => node.conversation.sid))).toEqual(new Set([conversationSid]));
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation': 1,
      'GET /v2/Conversations/:conversation/Communications': 1,
    });
  });

  it('nodes() of 50 communications and their conversation: 50 fetches and one conversation fetch', async () => {
    const ids = communicationIds.map((id) => Buffer.from(`Communication:${conversationSid}/${id}`).toString('base64url'));
    const { data, calls } = await callsFor(NODES_AND_CONVERSATION, { ids });
    expect(data.nodes.map((node) => (node && 'sid' in node ? node.sid : null))).toEqual(communicationIds);
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation/Communications/:communication': 50,
      'GET /v2/Conversations/:conversation': 1,
    });
  });

  it('Query.conversations primes the conversation loader for Communication.conversation', async () => {
    const { calls } = await callsFor(PRIMED_BY_LIST);
    expect(calls['GET /v2/Conversations/:conversation'] ?? 0).toBe(0);
    expect(calls['GET /v2/Conversations']).toBe(1);
  });

  it('the first page of a connection is requested while its conversation is still being fetched', async () => {
    // The conversation fetch never answers; the list call is sent anyway, at the same time.
    stack.emulator.faults.enqueue({ match: { path: `/v2/Conversations/${conversationSid}` }, kind: 'hang' });
    stack.takeUpstreamCalls();
    const pending = stack.graphql(TWO_CONNECTIONS, { sid: conversationSid });
    for (let i = 0; i < 100 && stack.emulator.requests.count() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const calls = countBy(stack.emulator.requests.entries());
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation': 1,
      'GET /v2/Conversations/:conversation/Communications': 1,
      'GET /v2/Conversations/:conversation/Participants': 1,
    });
    stack.emulator.faults.clear();
    await pending;
  });

  it('the same page asked for twice in one query (two aliases) costs one call', async () => {
    const { calls } = await callsFor(SAME_PAGE_TWICE, { sid: conversationSid });
    expect(calls).toEqual({
      'GET /v2/Conversations/:conversation': 1,
      'GET /v2/Conversations/:conversation/Communications': 1,
    });
  });

  it('loaders do not outlive their request: the same query twice costs the same twice', async () => {
    const first = await callsFor(NAME, { sid: conversationSid });
    const second = await callsFor(NAME, { sid: conversationSid });
    expect(first.calls).toEqual({ 'GET /v2/Conversations/:conversation': 1 });
    expect(second.calls).toEqual(first.calls);
  });
});
