// Issue 9 item 7: every input is bounded and checked before any upstream call. Query arguments that
// break a bound → one BAD_USER_INPUT and no upstream call at all; mutation input → userErrors INVALID
// with the field's path and no POST; impossible DateTimes refused; addresses checked per channel;
// an upper-case copy of an idempotency key is the same key.
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../../helpers/seed.ts';
import { startStack, type Stack } from '../../helpers/stack.ts';
import type { AddressInput, Channel, CreateCommunicationInput } from '../../generated/graphql.ts';
import { graphql } from '../../generated/index.ts';

const CREATE = graphql(`
  mutation BoundedCreate($input: CreateCommunicationInput!) {
    createCommunication(input: $input) {
      communication { sid occurredAt }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const CONVERSATIONS = graphql(`
  query BoundedConversations($channelId: String) {
    conversations(first: 5, channelId: $channelId) { nodes { sid } }
  }
`);

const COMMUNICATIONS = graphql(`
  query BoundedCommunications($sid: String!, $channelId: String) {
    conversation(sid: $sid) { communications(first: 5, channelId: $channelId) { nodes { sid } } }
  }
`);

const TWO_FIELDS = graphql(`
  query BoundedTwoFields($sid: String!, $channelId: String) {
    conversation(sid: $sid) { name }
    conversations(channelId: $channelId) { nodes { sid } }
  }
`);

const CREATE_AND_READ = graphql(`
  mutation BoundedCreateAndRead($input: CreateCommunicationInput!, $channelId: String) {
    createCommunication(input: $input) {
      communication { conversation { communications(channelId: $channelId) { nodes { sid } } } }
      userErrors { field }
    }
  }
`);

let stack: Stack;
let conversationSid: string;

const author = { address: '+15005550001', channel: 'SMS' } as const;
const recipient = { address: '+15005550002', channel: 'SMS' } as const;
const huge = 'x'.repeat(50_000);

function input(extra: Partial<CreateCommunicationInput> = {}): CreateCommunicationInput {
  return { conversationSid, author, recipients: [recipient], content: { text: { text: 'hello' } }, ...extra };
}

async function create(inputValue: CreateCommunicationInput) {
  const response = await stack.graphql(CREATE, { input: inputValue });
  const calls = stack.takeUpstreamCalls();
  return { response, payload: response.data?.createCommunication, calls, posts: calls.filter((call) => call.method === 'POST') };
}

async function query<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables) {
  const response = await stack.graphql(document, variables);
  return { response, codes: response.errors?.map((error) => error.extensions?.code), calls: stack.takeUpstreamCalls() };
}

beforeAll(async () => {
  stack = await startStack();
  conversationSid = seedConversation(stack.emulator, 'bounds');
  seedCommunications(stack.emulator, conversationSid, 2);
});

beforeEach(() => {
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('query arguments over their bound → BAD_USER_INPUT before any upstream call', () => {
  it('a 50,000-character channelId filter on conversations (while 256 characters is one list call)', async () => {
    const { response, codes, calls } = await query(CONVERSATIONS, { channelId: huge });
    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.argument).toBe('channelId');
    expect(response.errors?.[0]?.message).toBe('`channelId` of `conversations`: At most 256 characters.');
    expect(calls).toHaveLength(0);
    const atTheBound = await query(CONVERSATIONS, { channelId: 'z'.repeat(256) });
    expect(atTheBound.response.errors).toBeUndefined();
    expect(atTheBound.response.data.conversations.nodes).toEqual([]);
    expect(atTheBound.calls.map((call) => call.method)).toEqual(['GET']);
  });

  it('a 50,000-character channelId filter on a conversation’s communications: not even the conversation is fetched', async () => {
    const { codes, calls } = await query(COMMUNICATIONS, { sid: conversationSid, channelId: huge });
    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(calls).toHaveLength(0);
  });

  it('one oversized argument refuses the whole request: its valid sibling field costs nothing either', async () => {
    const { response, codes, calls } = await query(TWO_FIELDS, { sid: conversationSid, channelId: 'y'.repeat(257) });
    expect(response.data ?? null).toBeNull();
    expect(codes).toEqual(['BAD_USER_INPUT']);
    expect(calls).toHaveLength(0);
  });

  it('arguments inside a mutation’s payload are checked before the mutation runs: nothing is created', async () => {
    const response = await stack.graphql(CREATE_AND_READ, { input: input(), channelId: huge });
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });
});

describe('mutation input over its bound → userErrors INVALID with its path, no upstream call', () => {
  it.each<[string, Partial<CreateCommunicationInput>, string[], string]>([
    [
      'text of 32,769 characters',
      { content: { text: { text: 't'.repeat(32_769) } } },
      ['input', 'content', 'text', 'text'],
      'At most 32768 characters.',
    ],
    ['a 50,000-character channelId', { channelId: huge }, ['input', 'channelId'], 'At most 256 characters.'],
    ['a 257-character resourceId', { resourceId: 'r'.repeat(257) }, ['input', 'resourceId'], 'At most 256 characters.'],
    ['a 257-character clientMutationId', { clientMutationId: 'c'.repeat(257) }, ['input', 'clientMutationId'], 'At most 256 characters.'],
    ['a 37-character idempotencyKey', { idempotencyKey: `${randomUUID()}x` }, ['input', 'idempotencyKey'], 'At most 36 characters.'],
    ['a 65-character conversationSid', { conversationSid: 'c'.repeat(65) }, ['input', 'conversationSid'], 'At most 64 characters.'],
    [
      'a 257-character CHAT address',
      { author: { address: 'a'.repeat(257), channel: 'CHAT' } },
      ['input', 'author', 'address'],
      'At most 256 characters.',
    ],
    [
      'a 65-character participantSid',
      { recipients: [{ ...recipient, participantSid: 'p'.repeat(65) }] },
      ['input', 'recipients', '0', 'participantSid'],
      'At most 64 characters.',
    ],
    [
      'a 257-character transcription engine',
      { content: { transcription: { text: 'hi', engine: 'e'.repeat(257) } } },
      ['input', 'content', 'transcription', 'engine'],
      'At most 256 characters.',
    ],
    [
      '101 malformed recipients (one error, not 101)',
      { recipients: Array.from({ length: 101 }, () => ({ address: 'not a number', channel: 'SMS' })) },
      ['input', 'recipients'],
      'At most 100 items.',
    ],
  ])('%s', async (_name, extra, field, message) => {
    const { response, payload, calls } = await create(input(extra));
    expect(response.errors).toBeUndefined();
    expect(payload.communication).toBeNull();
    expect(payload.userErrors).toEqual([{ field, message, code: 'INVALID' }]);
    expect(calls).toHaveLength(0);
  });

  it('the bounds are exact: 32,768 characters of text and 100 recipients are one POST, one more of either none', async () => {
    const atTheBounds = { content: { text: { text: 't'.repeat(32_768) } }, recipients: Array.from({ length: 100 }, () => recipient) };
    const accepted = await create(input(atTheBounds));
    expect(accepted.payload.userErrors).toEqual([]);
    expect(accepted.posts).toHaveLength(1);
    const oneMore = await create(input({ ...atTheBounds, recipients: [...atTheBounds.recipients, recipient] }));
    expect(oneMore.payload.userErrors.map((error) => error.field)).toEqual([['input', 'recipients']]);
    expect(oneMore.calls).toHaveLength(0);
  });
});

describe('addresses per channel (E.164 for SMS and VOICE, whatsapp:+… , rcs:…) → userErrors, no upstream call', () => {
  it.each<[string, AddressInput]>([
    ['SMS without +', { address: '18005550100', channel: 'SMS' }],
    ['SMS with 16 digits', { address: '+1234567890123456', channel: 'SMS' }],
    ['VOICE with a country code starting with 0', { address: '+0123456789', channel: 'VOICE' }],
    ['SMS with a letter', { address: '+1800555O100', channel: 'SMS' }],
    ['WHATSAPP without its prefix', { address: '+18005550100', channel: 'WHATSAPP' }],
    ['RCS without its prefix', { address: 'brand_acme_agent', channel: 'RCS' }],
  ])('%s', async (_name, address) => {
    const { payload, calls } = await create(input({ recipients: [recipient, address] }));
    expect(payload.userErrors).toEqual([{ field: ['input', 'recipients', '1', 'address'], message: expect.any(String), code: 'INVALID' }]);
    expect(calls).toHaveLength(0);
  });

  it.each<[Channel, string, string]>([
    ['WHATSAPP', 'whatsapp:+18005550100', 'whatsapp:18005550100'],
    ['RCS', 'rcs:brand_acme_agent', 'rcs:'],
    ['CHAT', 'customer 42 ✓', 'c'.repeat(257)],
  ])('%s: a well-formed address (%s) is sent, a malformed one refused for free', async (channel, good, bad) => {
    const sent = await create(input({ author: { address: good, channel }, recipients: [{ address: good, channel }] }));
    expect(sent.payload.userErrors).toEqual([]);
    expect(sent.posts).toHaveLength(1);
    const refused = await create(input({ author: { address: good, channel }, recipients: [{ address: bad, channel }] }));
    expect(refused.payload.userErrors.map((error) => error.field)).toEqual([['input', 'recipients', '0', 'address']]);
    expect(refused.calls).toHaveLength(0);
  });
});

describe('transcription channel: 0 (inbound) or 1 (outbound), as the OpenAPI document describes', () => {
  it.each([[2], [-1]])('channel %i → userErrors, no upstream call', async (channel) => {
    const { payload, calls } = await create(input({ content: { transcription: { text: 'hi', channel } } }));
    expect(payload.userErrors).toEqual([
      { field: ['input', 'content', 'transcription', 'channel'], message: 'channel must be 0 (inbound) or 1 (outbound).', code: 'INVALID' },
    ]);
    expect(calls).toHaveLength(0);
  });
});

describe('DateTime: a real instant in the years 1970..9999', () => {
  it.each([
    ['February 30th', '2026-02-30T10:00:00Z'],
    ['February 29th of a common year', '2025-02-29T10:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['the year 1969', '1969-12-31T23:59:59Z'],
    ['the year 1', '0001-01-01T00:00:00Z'],
    ['ten fractional digits', '2026-01-01T00:00:00.1234567890Z'],
  ])('%s → BAD_USER_INPUT, no upstream call', async (_name, occurredAt) => {
    const { response, calls } = await create(input({ occurredAt }));
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['2024-02-29T12:00:00Z', '2025-02-29T12:00:00Z'],
    ['1970-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z'],
    ['2026-06-30T23:59:59.123456789+14:00', '2026-06-30T23:59:59.1234567891+14:00'],
  ])('%s is accepted, its neighbour %s is not', async (occurredAt, neighbour) => {
    const { payload, posts } = await create(input({ occurredAt }));
    expect(payload.userErrors).toEqual([]);
    expect(payload.communication!.occurredAt).toBe(occurredAt);
    expect(posts).toHaveLength(1);
    const refused = await create(input({ occurredAt: neighbour }));
    expect(refused.response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(refused.calls).toHaveLength(0);
  });
});

describe('idempotencyKey is compared case-insensitively', () => {
  it('an upper-case copy of a used key is the same key: sent lower case, nothing created twice', async () => {
    const key = randomUUID();
    const first = await create(input({ idempotencyKey: key, content: { text: { text: 'once, whatever the case' } } }));
    const upper = await create(input({ idempotencyKey: key.toUpperCase(), content: { text: { text: 'once, whatever the case' } } }));
    expect(upper.payload.userErrors).toEqual([]);
    expect(upper.payload.communication!.sid).toBe(first.payload.communication!.sid);
    expect([...first.posts, ...upper.posts].map((post) => post.idempotencyKey)).toEqual([key, key]);
  });

  it('an upper-case key is sent in lower case the first time too', async () => {
    const key = randomUUID().toUpperCase();
    const { payload, posts } = await create(input({ idempotencyKey: key }));
    expect(payload.userErrors).toEqual([]);
    expect(posts.map((post) => post.idempotencyKey)).toEqual([key.toLowerCase()]);
  });
});
