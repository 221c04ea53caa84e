// addParticipant, updateParticipant and Participant.conversation end to end, over HTTP against the
// emulator: the exact upstream requests (from the emulator's request log), retries with an
// idempotencyKey, PATCH semantics over the upstream's PUT as reads see them, refusals as userErrors
// (free when the facade can judge, mapped when the upstream refuses), and another account's reach.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeNodeId } from '../../../src/schema/node-id.ts';
import { seedConversation } from '../../helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../../helpers/stack.ts';
import type { AddParticipantInput, UpdateParticipantInput } from '../../generated/graphql.ts';
import { graphql } from '../../generated/index.ts';

const ADD = graphql(`
  mutation AddParticipant($input: AddParticipantInput!) {
    addParticipant(input: $input) {
      participant { id sid name type profileId addresses { address channel channelId } conversation { sid } }
      participantEdge { cursor node { sid } }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const UPDATE = graphql(`
  mutation UpdateParticipant($input: UpdateParticipantInput!) {
    updateParticipant(input: $input) {
      participant { sid name type profileId addresses { address channel channelId } conversation { sid } }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const PARTICIPANTS = graphql(`
  query ParticipantsAround($sid: String!, $before: String) {
    conversation(sid: $sid) {
      participants(first: 100) { nodes { sid name type profileId addresses { address channel channelId } } }
      earlier: participants(last: 100, before: $before) { nodes { sid } }
    }
  }
`);

const PARTICIPANT_CONVERSATIONS = graphql(`
  query ParticipantConversations($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Participant { sid conversation { id sid accountSid name status } } }
  }
`);

const PARTICIPANT_CONVERSATION_KEYS = graphql(`
  query ParticipantConversationKeys($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Participant { sid conversation { __typename ... on Node { id } sid accountSid } } }
  }
`);

const OTHER_ACCOUNT = 'AC22222222222222222222222222222222';
const basic = (user: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}` });
const AS_OTHER_ACCOUNT = basic(OTHER_ACCOUNT, 'other-secret');

const DANA = { address: '+15005550101', channel: 'SMS' } as const;
const DANA_WHATSAPP = { address: 'whatsapp:+15005550101', channel: 'WHATSAPP', channelId: 'WA-1' } as const;
const PROFILE = 'mem_profile_00000000000000000000000001';

let stack: Stack;
let conversationSid: string;

/** What the facade sent upstream for one GraphQL request: method, path, parsed body, key. */
function upstreamRequests() {
  return stack.takeUpstreamCalls().map((call) => ({
    method: call.method,
    path: call.path,
    username: call.username,
    body: call.body === undefined ? undefined : JSON.parse(call.body),
    idempotencyKey: call.idempotencyKey,
  }));
}

async function add(input: AddParticipantInput, headers?: Record<string, string>) {
  const response = await stack.graphql(ADD, { input }, headers);
  expect(response.errors).toBeUndefined();
  return { payload: response.data.addParticipant, calls: upstreamRequests() };
}

async function update(input: UpdateParticipantInput, headers?: Record<string, string>) {
  const response = await stack.graphql(UPDATE, { input }, headers);
  expect(response.errors).toBeUndefined();
  return { payload: response.data.updateParticipant, calls: upstreamRequests() };
}

/** The participants of a conversation as a fresh request reads them (not counted as the mutation's calls). */
async function participantsOf(sid: string) {
  const response = await stack.graphql(PARTICIPANTS, { sid });
  stack.takeUpstreamCalls();
  return response.data.conversation!.participants.nodes;
}

/** A participant straight in the emulator, for the update tests. */
function seedParticipant(extra: Record<string, unknown> = {}): string {
  const participant = stack.emulator.data.createParticipant(ACCOUNT_SID, conversationSid, {
    name: 'Dana',
    type: 'CUSTOMER',
    profileId: PROFILE,
    addresses: [DANA, DANA_WHATSAPP],
    ...extra,
  }) as { id: string };
  return participant.id;
}

async function readParticipant(sid: string) {
  return (await participantsOf(conversationSid)).find((participant) => participant.sid === sid);
}

beforeAll(async () => {
  stack = await startStack();
  conversationSid = seedConversation(stack.emulator, 'participant mutations');
});

beforeEach(() => {
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('addParticipant', () => {
  it('sends one POST carrying exactly the input, and answers the participant, its edge and the clientMutationId', async () => {
    const key = randomUUID().toUpperCase();
    const before = await participantsOf(conversationSid);
    const { payload, calls } = await add({
      conversationSid,
      name: 'Ana',
      type: 'HUMAN_AGENT',
      profileId: PROFILE,
      addresses: [
        { address: '+15005550102', channel: 'SMS' },
        { address: 'ana@support', channel: 'CHAT', channelId: 'CH-9' },
      ],
      idempotencyKey: key,
      clientMutationId: 'add-1',
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.clientMutationId).toBe('add-1');
    expect(payload.participant).toMatchObject({
      name: 'Ana',
      type: 'HUMAN_AGENT',
      profileId: PROFILE,
      addresses: [
        { address: '+15005550102', channel: 'SMS', channelId: null },
        { address: 'ana@support', channel: 'CHAT', channelId: 'CH-9' },
      ],
      conversation: { sid: conversationSid },
    });
    expect(payload.participantEdge!.node.sid).toBe(payload.participant!.sid);
    // Exactly one upstream call: reading the result back (its conversation's sid included) is free.
    expect(calls).toEqual([
      {
        method: 'POST',
        path: `/v2/Conversations/${conversationSid}/Participants`,
        username: ACCOUNT_SID,
        body: {
          name: 'Ana',
          type: 'HUMAN_AGENT',
          profileId: PROFILE,
          addresses: [
            { address: '+15005550102', channel: 'SMS' },
            { address: 'ana@support', channel: 'CHAT', channelId: 'CH-9' },
          ],
        },
        idempotencyKey: key.toLowerCase(),
      },
    ]);
    // The edge's cursor is a cursor of Conversation.participants: everything before it is everyone added earlier.
    const around = await stack.graphql(PARTICIPANTS, { sid: conversationSid, before: payload.participantEdge!.cursor });
    expect(around.errors).toBeUndefined();
    expect(around.data.conversation!.earlier.nodes.map((node) => node.sid)).toEqual(before.map((p) => p.sid));
    expect(around.data.conversation!.participants.nodes.at(-1)?.sid).toBe(payload.participant!.sid);
  });

  it('leaves out what the input leaves out: no name, type or profileId is sent, and the upstream defaults apply', async () => {
    const { payload, calls } = await add({ conversationSid, addresses: [{ address: 'rcs:brand_acme_agent', channel: 'RCS' }] });
    expect(payload.userErrors).toEqual([]);
    expect(payload.participant).toMatchObject({ name: null, type: 'UNKNOWN', profileId: null });
    expect(calls.map((call) => call.body)).toEqual([{ addresses: [{ address: 'rcs:brand_acme_agent', channel: 'RCS' }] }]);
    expect(calls[0]!.idempotencyKey).toBeUndefined();
  });

  it('a retry with the same idempotencyKey creates nothing new and answers the original participant', async () => {
    const idempotencyKey = randomUUID();
    const input: AddParticipantInput = {
      conversationSid,
      name: 'Retry',
      addresses: [{ address: '+15005550103', channel: 'SMS' }],
      idempotencyKey,
    };
    const first = await add(input);
    const countAfterFirst = (await participantsOf(conversationSid)).length;
    const second = await add({ ...input, idempotencyKey: idempotencyKey.toUpperCase() });
    expect(second.payload.userErrors).toEqual([]);
    expect(second.payload.participant!.sid).toBe(first.payload.participant!.sid);
    expect(second.calls.map((call) => [call.method, call.idempotencyKey])).toEqual([['POST', idempotencyKey]]);
    expect(await participantsOf(conversationSid)).toHaveLength(countAfterFirst);
  });

  it('the same idempotencyKey with another input is a CONFLICT on input.idempotencyKey, and adds nobody', async () => {
    const idempotencyKey = randomUUID();
    await add({ conversationSid, name: 'First', addresses: [], idempotencyKey });
    const count = (await participantsOf(conversationSid)).length;
    const { payload } = await add({ conversationSid, name: 'Second', addresses: [], idempotencyKey });
    expect(payload.participant).toBeNull();
    expect(payload.participantEdge).toBeNull();
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'idempotencyKey'],
        code: 'CONFLICT',
        message: 'This idempotencyKey was already used with a different input: use a new key for a new request.',
      },
    ]);
    expect(await participantsOf(conversationSid)).toHaveLength(count);
  });

  it('a closed conversation refuses a new participant: INVALID on input.conversationSid', async () => {
    const closed = seedConversation(stack.emulator, 'closed');
    const patch = await fetch(`${stack.emulator.url}/v2/Conversations/${closed}`, {
      method: 'PATCH',
      headers: { ...basic(ACCOUNT_SID, AUTH_TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'CLOSED' }),
    });
    expect(patch.status).toBe(200);
    stack.takeUpstreamCalls();
    const { payload, calls } = await add({ conversationSid: closed, name: 'Late', addresses: [DANA] });
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'conversationSid'],
        code: 'INVALID',
        message: 'The conversation is closed: it accepts no new communications or participants.',
      },
    ]);
    expect(calls.map((call) => [call.method, call.path])).toEqual([['POST', `/v2/Conversations/${closed}/Participants`]]);
    expect(await participantsOf(closed)).toEqual([]);
  });

  it('an unknown conversation is NOT_FOUND on input.conversationSid', async () => {
    const { payload } = await add({ conversationSid: 'conv_conversation_00000000000000000000000000', addresses: [DANA] });
    expect(payload.userErrors).toEqual([
      { field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: 'No conversation with this sid exists.' },
    ]);
  });

  it('an address the upstream refuses comes back on its input path, in the facade’s words', async () => {
    // E.164 allows 7 digits; the emulator (like Twilio's number validation) wants at least 8.
    const { payload } = await add({ conversationSid, addresses: [DANA, { address: '+1500555', channel: 'SMS' }] });
    expect(payload.userErrors).toEqual([
      { field: ['input', 'addresses', '1', 'address'], code: 'INVALID', message: 'Not a valid address for its channel.' },
    ]);
  });

  it.each([
    ['a malformed conversationSid', { conversationSid: 'conv/../x' }, ['input', 'conversationSid'], 'INVALID'],
    [
      'an SMS address that is not E.164',
      { addresses: [{ address: '5005550101', channel: 'SMS' }] },
      ['input', 'addresses', '0', 'address'],
      'INVALID',
    ],
    [
      'a WHATSAPP address without its prefix',
      { addresses: [DANA, { address: '+15005550101', channel: 'WHATSAPP' }] },
      ['input', 'addresses', '1', 'address'],
      'INVALID',
    ],
    [
      'an RCS address without its prefix',
      { addresses: [{ address: 'brand_agent', channel: 'RCS' }] },
      ['input', 'addresses', '0', 'address'],
      'INVALID',
    ],
    [
      'the output-only channel UNKNOWN',
      { addresses: [{ address: 'x', channel: 'UNKNOWN' }] },
      ['input', 'addresses', '0', 'channel'],
      'INVALID',
    ],
    ['a blank address', { addresses: [{ address: '  ', channel: 'CHAT' }] }, ['input', 'addresses', '0', 'address'], 'REQUIRED'],
    ['an empty channelId', { addresses: [{ ...DANA, channelId: '' }] }, ['input', 'addresses', '0', 'channelId'], 'INVALID'],
    ['a blank name', { name: ' ' }, ['input', 'name'], 'INVALID'],
    ['a malformed profileId', { profileId: 'mem profile' }, ['input', 'profileId'], 'INVALID'],
    ['a profileId over 64 characters', { profileId: 'p'.repeat(65) }, ['input', 'profileId'], 'INVALID'],
    ['a name over 256 characters', { name: 'n'.repeat(257) }, ['input', 'name'], 'INVALID'],
    ['101 addresses', { addresses: Array.from({ length: 101 }, () => DANA) }, ['input', 'addresses'], 'INVALID'],
    ['an idempotencyKey that is not a UUID', { idempotencyKey: 'retry-1' }, ['input', 'idempotencyKey'], 'INVALID'],
  ])('refuses %s before any upstream call', async (_name, override, field, code) => {
    // Some overrides are outside the input's types on purpose (an output-only channel).
    const { payload, calls } = await add({ conversationSid, addresses: [DANA], ...override } as AddParticipantInput);
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toHaveLength(1);
    expect(payload.userErrors[0]).toMatchObject({ field, code });
    expect(calls).toEqual([]);
  });

  it('an invalid type is refused by GraphQL validation itself: BAD_USER_INPUT, no upstream call', async () => {
    // 'BOT' is no ParticipantType: the variables are outside the document's types on purpose.
    const response = await stack.graphql(ADD, {
      input: { conversationSid, type: 'BOT', addresses: [DANA] } as unknown as AddParticipantInput,
    });
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it("another account's credentials cannot add to this account's conversation", async () => {
    const count = (await participantsOf(conversationSid)).length;
    const { payload, calls } = await add({ conversationSid, name: 'Intruder', addresses: [DANA] }, AS_OTHER_ACCOUNT);
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toEqual([
      { field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: 'No conversation with this sid exists.' },
    ]);
    expect(calls.map((call) => call.username)).toEqual([OTHER_ACCOUNT]);
    expect(await participantsOf(conversationSid)).toHaveLength(count);
  });
});

describe('updateParticipant: PATCH semantics over the upstream PUT', () => {
  it('a new name only: one GET, one PUT of the whole participant; type, profileId and addresses unchanged', async () => {
    const sid = seedParticipant();
    const key = randomUUID();
    const { payload, calls } = await update({ conversationSid, sid, name: 'Dana S.', idempotencyKey: key, clientMutationId: 'u-1' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.clientMutationId).toBe('u-1');
    const expected = {
      sid,
      name: 'Dana S.',
      type: 'CUSTOMER',
      profileId: PROFILE,
      addresses: [{ ...DANA, channelId: null }, DANA_WHATSAPP],
    };
    expect(payload.participant).toEqual({ ...expected, conversation: { sid: conversationSid } });
    // Exactly two upstream calls, reading the result back included.
    const path = `/v2/Conversations/${conversationSid}/Participants/${sid}`;
    expect(calls).toEqual([
      { method: 'GET', path, username: ACCOUNT_SID, body: undefined, idempotencyKey: undefined },
      {
        method: 'PUT',
        path,
        username: ACCOUNT_SID,
        body: { name: 'Dana S.', type: 'CUSTOMER', profileId: PROFILE, addresses: [DANA, DANA_WHATSAPP] },
        idempotencyKey: key,
      },
    ]);
    expect(await readParticipant(sid)).toEqual(expected);
  });

  it('name: null clears the name and keeps everything else', async () => {
    const sid = seedParticipant();
    const { payload, calls } = await update({ conversationSid, sid, name: null });
    expect(payload.userErrors).toEqual([]);
    expect(payload.participant).toMatchObject({ name: null, type: 'CUSTOMER', profileId: PROFILE });
    expect(calls[1]!.body).toEqual({ name: null, type: 'CUSTOMER', profileId: PROFILE, addresses: [DANA, DANA_WHATSAPP] });
    expect(await readParticipant(sid)).toMatchObject({
      name: null,
      type: 'CUSTOMER',
      profileId: PROFILE,
      addresses: [{ ...DANA, channelId: null }, DANA_WHATSAPP],
    });
  });

  it('name: null written in the document (not a variable) clears it too', async () => {
    const sid = seedParticipant();
    // No codegen marker: the literal null is the point of this document.
    const literal = `mutation ($c: String!, $s: String!) {
      updateParticipant(input: { conversationSid: $c, sid: $s, name: null }) { participant { name type } userErrors { field } }
    }`;
    const response = await stack.graphql(literal, { c: conversationSid, s: sid });
    expect(response.data.updateParticipant).toEqual({ participant: { name: null, type: 'CUSTOMER' }, userErrors: [] });
  });

  it('a name left out stays, and one that was never set is not sent', async () => {
    const named = seedParticipant();
    await update({ conversationSid, sid: named, type: 'AGENT' });
    expect(await readParticipant(named)).toMatchObject({ name: 'Dana', type: 'AGENT', profileId: PROFILE });

    const nameless = seedParticipant({ name: undefined, profileId: undefined });
    const { calls } = await update({ conversationSid, sid: nameless, type: 'AI_AGENT' });
    expect(calls[1]!.body).toEqual({ type: 'AI_AGENT', addresses: [DANA, DANA_WHATSAPP] });
    expect(await readParticipant(nameless)).toMatchObject({ name: null, type: 'AI_AGENT', profileId: null });
  });

  it('addresses given replace all of them; the other fields stay', async () => {
    const sid = seedParticipant();
    const { payload } = await update({ conversationSid, sid, addresses: [{ address: 'dana@chat', channel: 'CHAT' }] });
    expect(payload.userErrors).toEqual([]);
    expect(await readParticipant(sid)).toEqual({
      sid,
      name: 'Dana',
      type: 'CUSTOMER',
      profileId: PROFILE,
      addresses: [{ address: 'dana@chat', channel: 'CHAT', channelId: null }],
    });
  });

  it('an input that changes nothing costs the GET only and writes nothing', async () => {
    const sid = seedParticipant();
    const { payload, calls } = await update({ conversationSid, sid });
    expect(payload.userErrors).toEqual([]);
    expect(payload.participant).toMatchObject({ sid, name: 'Dana' });
    expect(calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('a retry with the same idempotencyKey leaves the same participant and adds nobody', async () => {
    const sid = seedParticipant();
    const idempotencyKey = randomUUID();
    const input = { conversationSid, sid, name: 'Once', idempotencyKey };
    const first = await update(input);
    const count = (await participantsOf(conversationSid)).length;
    const second = await update(input);
    expect(second.payload.userErrors).toEqual([]);
    expect(second.payload.participant).toEqual(first.payload.participant);
    // The retry computes the same PUT as the first attempt: same body, same key.
    expect(second.calls[1]).toEqual(first.calls[1]);
    expect(await participantsOf(conversationSid)).toHaveLength(count);
  });

  it('an unknown participant is NOT_FOUND on input.sid, and nothing is written', async () => {
    const { payload, calls } = await update({ conversationSid, sid: 'conv_participant_00000000000000000000000000', name: 'X' });
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toEqual([{ field: ['input', 'sid'], code: 'NOT_FOUND', message: 'Nothing with this sid exists.' }]);
    expect(calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('an address the upstream refuses comes back on its input path', async () => {
    const sid = seedParticipant();
    const { payload } = await update({ conversationSid, sid, addresses: [DANA, { address: '+1500555', channel: 'VOICE' }] });
    expect(payload.userErrors).toEqual([
      { field: ['input', 'addresses', '1', 'address'], code: 'INVALID', message: 'Not a valid address for its channel.' },
    ]);
    expect(await readParticipant(sid)).toMatchObject({ addresses: [{ ...DANA, channelId: null }, DANA_WHATSAPP] });
  });

  it.each([
    ['a malformed sid', { sid: 'conv_participant_1?x=1' }, ['input', 'sid'], 'INVALID'],
    ['a malformed conversationSid', { conversationSid: '' }, ['input', 'conversationSid'], 'INVALID'],
    ['type: null (a type cannot be cleared)', { type: null }, ['input', 'type'], 'INVALID'],
    ['profileId: null', { profileId: null }, ['input', 'profileId'], 'INVALID'],
    ['addresses: null', { addresses: null }, ['input', 'addresses'], 'INVALID'],
    ['a blank name (null clears it)', { name: '' }, ['input', 'name'], 'INVALID'],
    [
      'a VOICE address that is not E.164',
      { addresses: [{ address: '+0123456789', channel: 'VOICE' }] },
      ['input', 'addresses', '0', 'address'],
      'INVALID',
    ],
    ['an idempotencyKey that is not a UUID', { idempotencyKey: '0000' }, ['input', 'idempotencyKey'], 'INVALID'],
  ])('refuses %s before any upstream call', async (_name, override, field, code) => {
    // Some overrides are outside the input's types on purpose (null where a value is required).
    const { payload, calls } = await update({
      conversationSid,
      sid: 'conv_participant_00000000000000000000000000',
      ...override,
    } as UpdateParticipantInput);
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toHaveLength(1);
    expect(payload.userErrors[0]).toMatchObject({ field, code });
    expect(calls).toEqual([]);
  });

  it("another account's credentials cannot change the participant", async () => {
    const sid = seedParticipant();
    const { payload, calls } = await update({ conversationSid, sid, name: 'Hijacked', addresses: [] }, AS_OTHER_ACCOUNT);
    expect(payload.participant).toBeNull();
    expect(payload.userErrors).toEqual([{ field: ['input', 'sid'], code: 'NOT_FOUND', message: 'Nothing with this sid exists.' }]);
    expect(calls.map((call) => [call.method, call.username])).toEqual([['GET', OTHER_ACCOUNT]]);
    expect(await readParticipant(sid)).toMatchObject({ name: 'Dana', addresses: [{ ...DANA, channelId: null }, DANA_WHATSAPP] });
  });
});

describe('Participant.conversation', () => {
  it('participants of one conversation read their conversation in one fetch', async () => {
    const sids = [seedParticipant(), seedParticipant(), seedParticipant()];
    const response = await stack.graphql(PARTICIPANT_CONVERSATIONS, {
      ids: sids.map((sid) => encodeNodeId('Participant', `${conversationSid}/${sid}`)),
    });
    expect(response.errors).toBeUndefined();
    for (const node of response.data.nodes) {
      expect(node!.conversation).toEqual({
        id: encodeNodeId('Conversation', conversationSid),
        sid: conversationSid,
        accountSid: ACCOUNT_SID,
        name: 'participant mutations',
        status: 'ACTIVE',
      });
    }
    // One participant list call (3 participants of one conversation), one conversation fetch.
    expect(stack.takeUpstreamCalls().map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /v2/Conversations/${conversationSid}/Participants`,
      `GET /v2/Conversations/${conversationSid}`,
    ]);
  });

  it('asking only for what the participant knows (id, sid, accountSid) fetches no conversation', async () => {
    const sids = [seedParticipant(), seedParticipant()];
    const response = await stack.graphql(PARTICIPANT_CONVERSATION_KEYS, {
      ids: sids.map((sid) => encodeNodeId('Participant', `${conversationSid}/${sid}`)),
    });
    expect(response.errors).toBeUndefined();
    expect(response.data.nodes).toEqual(
      sids.map((sid) => ({
        sid,
        conversation: {
          __typename: 'Conversation',
          id: encodeNodeId('Conversation', conversationSid),
          sid: conversationSid,
          accountSid: ACCOUNT_SID,
        },
      })),
    );
    expect(stack.takeUpstreamCalls().map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /v2/Conversations/${conversationSid}/Participants`,
    ]);
  });
});
