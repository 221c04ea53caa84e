// `nodes(ids:)` with malformed ids among good ones: each malformed id is null with a BAD_USER_INPUT
// error at ["nodes", i]; the others still resolve, at one upstream fetch each, under both executors
// (graphql-jit and graphql-js handle an Error in a list on their own paths).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';

const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
const id = (text: string) => Buffer.from(text).toString('base64url');

describe.each([
  ['compiled (graphql-jit)', true],
  ['graphql-js', false],
])('nodes(ids:) with malformed ids, %s', (_name, compiledExecution) => {
  let stack: Stack;
  let ids: { conversation: string; participant: string; communication: string };

  beforeAll(async () => {
    stack = await startStack({ facade: { compiledExecution } });
    const conversation = seedConversation(stack.emulator, 'nodes-malformed');
    const participant = stack.emulator.data.createParticipant(ACCOUNT_SID, conversation, {
      name: 'Lee',
      addresses: [{ channel: 'CHAT', address: 'lee' }],
    });
    const [communication] = seedCommunications(stack.emulator, conversation, 1);
    ids = {
      conversation: id(`Conversation:${conversation}`),
      participant: id(`Participant:${conversation}/${participant.id}`),
      communication: id(`Communication:${conversation}/${communication!}`),
    };
  });
  afterAll(() => stack.close());

  it('a malformed id is null with a BAD_USER_INPUT error at its index; the other ids resolve, one upstream fetch each', async () => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(NODES, {
      ids: [ids.conversation, '!!!', ids.participant, id('Account:AC123'), ids.communication, id('Conversation:../../Accounts')],
    });
    expect(response.status).toBe(200);
    expect(response.data?.nodes).toEqual([
      { __typename: 'Conversation', id: ids.conversation },
      null,
      { __typename: 'Participant', id: ids.participant },
      null,
      { __typename: 'Communication', id: ids.communication },
      null,
    ]);
    expect(response.errors?.map((error) => [error.path, error.extensions?.code, error.message])).toEqual([
      [['nodes', 1], 'BAD_USER_INPUT', 'Invalid global id.'],
      [['nodes', 3], 'BAD_USER_INPUT', 'Invalid global id.'],
      [['nodes', 5], 'BAD_USER_INPUT', 'Invalid global id.'],
    ]);
    const calls = stack.takeUpstreamCalls();
    expect(calls.map((call) => `${call.method} ${call.path.split('/').length}`).sort()).toEqual([
      'GET 4', // /v2/Conversations/{id}
      'GET 6', // /v2/Conversations/{id}/Communications/{id}
      'GET 6', // /v2/Conversations/{id}/Participants/{id}
    ]);
    expect(calls.map((call) => call.path).filter((path) => path.includes('Accounts'))).toEqual([]);
  });

  it('only malformed ids: all null, no upstream call; the same good id twice is fetched once', async () => {
    stack.takeUpstreamCalls();
    const bad = await stack.graphql(NODES, { ids: ['', '!!!'] });
    expect(bad.data?.nodes).toEqual([null, null]);
    expect(bad.errors?.map((error) => error.path)).toEqual([
      ['nodes', 0],
      ['nodes', 1],
    ]);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);

    const twice = await stack.graphql(NODES, { ids: [ids.conversation, '!!!', ids.conversation] });
    expect(twice.data?.nodes).toEqual([
      { __typename: 'Conversation', id: ids.conversation },
      null,
      { __typename: 'Conversation', id: ids.conversation },
    ]);
    expect(stack.takeUpstreamCalls()).toHaveLength(1);
  });

  it('more than 100 ids is still one BAD_USER_INPUT for the field, before any upstream call', async () => {
    stack.takeUpstreamCalls();
    const response = await stack.graphql(NODES, { ids: Array.from({ length: 101 }, () => ids.conversation) });
    expect(response.errors?.map((error) => error.extensions?.code)).toContain('BAD_USER_INPUT');
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });
});
