// Query.conversations (with its status and channelId filters) and Conversation.participants follow
// the same cursor rules as communications: walked both ways, exact pageInfo, one call per page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const OTHER = 'AC33333333333333333333333333333333';
let stack: Stack;
let conversations: { id: string; status: string }[];
let participantIds: string[];
let hub: string;

const CONVERSATIONS = graphql(`
  query ConversationsPage($first: Int, $after: String, $last: Int, $before: String, $status: [ConversationStatus!], $channelId: String) {
    conversations(first: $first, after: $after, last: $last, before: $before, status: $status, channelId: $channelId) {
      nodes { sid status }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

const PARTICIPANTS = graphql(`
  query ParticipantsPage($sid: String!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(sid: $sid) {
      participants(first: $first, after: $after, last: $last, before: $before) {
        nodes { sid }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`);

type Page = {
  ids: string[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

async function walk(
  fetchPage: (args: Record<string, unknown>) => Promise<Page & { calls: number }>,
  direction: 'forward' | 'backward',
  size: number,
) {
  const seen: string[] = [];
  const calls: number[] = [];
  let cursor: string | undefined;
  for (let step = 0; step < 100; step++) {
    const args = direction === 'forward' ? { first: size, after: cursor } : { last: size, before: cursor };
    const page = await fetchPage(args);
    calls.push(page.calls);
    if (direction === 'forward') seen.push(...page.ids);
    else seen.unshift(...page.ids);
    const more = direction === 'forward' ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
    if (!more) break;
    cursor = (direction === 'forward' ? page.pageInfo.endCursor : page.pageInfo.startCursor) ?? undefined;
  }
  return { seen, calls };
}

async function conversationsPage(args: Record<string, unknown>) {
  stack.takeUpstreamCalls();
  const response = await stack.graphql(CONVERSATIONS, args, {
    authorization: `Basic ${Buffer.from(`${OTHER}:secret`).toString('base64')}`,
  });
  expect(response.errors).toBeUndefined();
  const connection = response.data.conversations;
  return {
    ids: connection.nodes.map((n) => n.sid),
    pageInfo: connection.pageInfo,
    calls: stack.takeUpstreamCalls().length,
  };
}

async function participantsPage(args: Record<string, unknown>) {
  stack.takeUpstreamCalls();
  const response = await stack.graphql(PARTICIPANTS, { sid: hub, ...args });
  expect(response.errors).toBeUndefined();
  const connection = response.data.conversation!.participants;
  const calls = stack.takeUpstreamCalls().filter((call) => call.path.endsWith('/Participants')).length;
  return { ids: connection.nodes.map((n) => n.sid), pageInfo: connection.pageInfo, calls };
}

beforeAll(async () => {
  stack = await startStack();
  const statuses = ['ACTIVE', 'INACTIVE', 'CLOSED'];
  conversations = [];
  for (let i = 0; i < 17; i++) {
    const id = seedConversation(stack.emulator, `c${i}`, OTHER);
    const status = statuses[i % 3]!;
    if (i === 4) seedCommunications(stack.emulator, id, 1, { account: OTHER, channelId: () => 'CA-special' });
    if (status !== 'ACTIVE') {
      const response = await fetch(`${stack.emulator.url}/v2/Conversations/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Basic ${Buffer.from(`${OTHER}:secret`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status }),
      });
      expect(response.status).toBe(200);
    }
    conversations.push({ id, status });
  }
  hub = seedConversation(stack.emulator, 'hub');
  participantIds = Array.from({ length: 9 }, (_, i) => {
    const created = stack.emulator.data.createParticipant(ACCOUNT_SID, hub, {
      name: `P${i}`,
      type: 'CUSTOMER',
      addresses: [{ channel: 'SMS', address: `+1500555020${i}` }],
    }) as { id: string };
    return created.id;
  });
});

afterAll(() => stack.close());

describe('Query.conversations', () => {
  it.each([1, 4, 17, 20])('size %i: first/after and last/before walk every conversation, one call per page', async (size) => {
    const all = conversations.map((c) => c.id);
    const forward = await walk(conversationsPage, 'forward', size);
    expect(forward.seen).toEqual(all);
    expect(forward.calls.every((calls) => calls === 1)).toBe(true);
    const backward = await walk(conversationsPage, 'backward', size);
    expect(backward.seen).toEqual(all);
    expect(backward.calls.every((calls) => calls === 1)).toBe(true);
  });

  it('filters by status (any order of the list means the same filter and the same cursors)', async () => {
    const wanted = conversations.filter((c) => c.status !== 'INACTIVE').map((c) => c.id);
    const seen: string[] = [];
    let after: string | undefined;
    for (let step = 0; step < 20; step++) {
      const status = step % 2 === 0 ? ['ACTIVE', 'CLOSED'] : ['CLOSED', 'ACTIVE', 'ACTIVE'];
      const page = await conversationsPage({ first: 3, after, status });
      seen.push(...page.ids);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? undefined;
    }
    expect(seen).toEqual(wanted);
    const back = await conversationsPage({ last: 2, status: ['INACTIVE'] });
    expect(back.ids).toEqual(
      conversations
        .filter((c) => c.status === 'INACTIVE')
        .map((c) => c.id)
        .slice(-2),
    );
  });

  it('filters by channelId, and a cursor of one filter is refused by another', async () => {
    const page = await conversationsPage({ first: 5, channelId: 'CA-special' });
    expect(page.ids).toEqual([conversations[4]!.id]);
    const active = await conversationsPage({ first: 2, status: ['ACTIVE'] });
    const response = await stack.graphql(CONVERSATIONS, { first: 2, after: active.pageInfo.endCursor, status: ['CLOSED'] });
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('Conversation.participants', () => {
  it.each([1, 2, 9, 10])('size %i: first/after and last/before walk every participant, one call per page', async (size) => {
    const forward = await walk(participantsPage, 'forward', size);
    expect(forward.seen).toEqual(participantIds);
    expect(forward.calls.every((calls) => calls === 1)).toBe(true);
    const backward = await walk(participantsPage, 'backward', size);
    expect(backward.seen).toEqual(participantIds);
    expect(backward.calls.every((calls) => calls === 1)).toBe(true);
  });
});
