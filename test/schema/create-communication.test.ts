// Mutation.createCommunication end to end: what is sent upstream, upsert, idempotency, the edge
// for Relay, and every way input can be refused (by the facade, for free, or by the upstream).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import type { CreateCommunicationInput } from '../generated/graphql.ts';
import { graphql } from '../generated/index.ts';

const CREATE = graphql(`
  mutation Create($input: CreateCommunicationInput!) {
    createCommunication(input: $input) {
      communication {
        id
        sid
        resourceId
        channelId
        occurredAt
        author { address channel participantSid participant { name } }
        recipients { address channel }
        content {
          __typename
          ... on TextContent { text }
          ... on TranscriptionContent { text transcription { channel confidence engine } }
        }
      }
      communicationEdge { cursor node { sid } }
      userErrors { field message code }
      clientMutationId
    }
  }
`);

const LIST = graphql(`
  query List($sid: String!, $after: String, $before: String) {
    conversation(sid: $sid) {
      communications(first: 100, after: $after) { nodes { sid content { ... on TextContent { text } } } }
      older: communications(last: 100, before: $before) { nodes { sid } }
    }
  }
`);

let stack: Stack;
let conversationSid: string;
let participantSid: string;

const author = { address: '+15005550001', channel: 'SMS' } as const;
const recipient = { address: '+15005550002', channel: 'SMS' } as const;

function input(extra: Partial<CreateCommunicationInput> = {}): CreateCommunicationInput {
  return { conversationSid, author, recipients: [recipient], content: { text: { text: 'hello' } }, ...extra };
}

/** An input outside the schema's types, on purpose: the facade must answer it with a userError or BAD_USER_INPUT. */
function untypedInput(extra: Record<string, unknown>): CreateCommunicationInput {
  return input(extra as Partial<CreateCommunicationInput>);
}

async function create(inputValue: CreateCommunicationInput) {
  const response = await stack.graphql(CREATE, { input: inputValue });
  const calls = stack.takeUpstreamCalls();
  const posts = calls.filter((call) => call.method === 'POST');
  return { response, payload: response.data?.createCommunication, calls, posts };
}

/** The text of each communication (null for content that is not text). */
async function listTexts(): Promise<Array<string | null>> {
  const response = await stack.graphql(LIST, { sid: conversationSid });
  return response.data.conversation!.communications.nodes.map((node) => ('text' in node.content ? node.content.text : null));
}

beforeAll(async () => {
  stack = await startStack();
  conversationSid = seedConversation(stack.emulator, 'mutations');
  const participant = stack.emulator.data.createParticipant(ACCOUNT_SID, conversationSid, {
    name: 'Dana',
    type: 'CUSTOMER',
    addresses: [author],
  }) as { id: string };
  participantSid = participant.id;
});

beforeEach(() => {
  stack.takeUpstreamCalls();
});

afterAll(() => stack.close());

describe('createCommunication', () => {
  it('creates a text communication and returns it, its edge and the clientMutationId', async () => {
    const { response, payload, calls, posts } = await create(
      input({
        author: { ...author, participantSid },
        channelId: 'SM123',
        occurredAt: '2026-02-03T04:05:06Z',
        clientMutationId: 'abc-1',
      }),
    );
    expect(response.errors).toBeUndefined();
    expect(payload.userErrors).toEqual([]);
    expect(payload.clientMutationId).toBe('abc-1');
    expect(payload.communication).toMatchObject({
      channelId: 'SM123',
      occurredAt: '2026-02-03T04:05:06Z',
      author: { ...author, participantSid, participant: { name: 'Dana' } },
      recipients: [recipient],
      content: { __typename: 'TextContent', text: 'hello' },
    });
    expect(payload.communicationEdge!.node.sid).toBe(payload.communication!.sid);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toBe(`/v2/Conversations/${conversationSid}/Communications`);
    expect(posts[0]!.idempotencyKey).toBeUndefined();
    // The created communication was primed into the loader: its author's participant cost one fetch,
    // and nothing re-read the communication itself.
    expect(calls.map((call) => `${call.method} ${call.path.split('/')[4]}`)).toEqual(['POST Communications', 'GET Participants']);
  });

  it('creates a transcription with its metadata', async () => {
    const { payload } = await create(
      input({
        author: { address: '+15005550003', channel: 'VOICE' },
        recipients: [{ address: '+15005550004', channel: 'VOICE' }],
        content: { transcription: { text: 'hello there', channel: 1, confidence: 0.87, engine: 'twilio' } },
      }),
    );
    expect(payload.userErrors).toEqual([]);
    expect(payload.communication!.content).toEqual({
      __typename: 'TranscriptionContent',
      text: 'hello there',
      transcription: { channel: 1, confidence: 0.87, engine: 'twilio' },
    });
  });

  it('upserts on resourceId: the second create updates the same communication', async () => {
    const resourceId = `SM${randomUUID().replace(/-/g, '')}`;
    const first = await create(input({ resourceId, content: { text: { text: 'draft' } } }));
    const second = await create(input({ resourceId, content: { text: { text: 'final' } } }));
    expect(second.payload.communication!.sid).toBe(first.payload.communication!.sid);
    expect(second.payload.communication!.content).toEqual({ __typename: 'TextContent', text: 'final' });
    const texts = await listTexts();
    expect(texts.filter((text) => text === 'draft' || text === 'final')).toEqual(['final']);
  });

  it('sends idempotencyKey as Idempotency-Key: a retry creates nothing new and returns the original', async () => {
    const idempotencyKey = randomUUID();
    const before = (await listTexts()).length;
    const first = await create(input({ idempotencyKey, content: { text: { text: 'only once' } } }));
    const retry = await create(input({ idempotencyKey, content: { text: { text: 'only once' } } }));
    expect(retry.payload.communication!.sid).toBe(first.payload.communication!.sid);
    expect([...first.posts, ...retry.posts].map((post) => post.idempotencyKey)).toEqual([idempotencyKey, idempotencyKey]);
    expect((await listTexts()).length).toBe(before + 1);
  });

  it("returns an edge whose cursor pages the conversation's communications from the new item", async () => {
    const { payload } = await create(input({ content: { text: { text: 'newest' } } }));
    const response = await stack.graphql(LIST, {
      sid: conversationSid,
      after: payload.communicationEdge!.cursor,
      before: payload.communicationEdge!.cursor,
    });
    expect(response.errors).toBeUndefined();
    const { communications, older } = response.data.conversation!;
    expect(communications.nodes).toEqual([]);
    const all = (await stack.graphql(LIST, { sid: conversationSid })).data.conversation!.communications.nodes;
    expect(older.nodes.map((n) => n.sid)).toEqual(all.slice(0, -1).map((n) => n.sid));
  });
});

describe('createCommunication input errors', () => {
  it.each([
    ['no recipients', { recipients: [] }, [['input', 'recipients'], 'REQUIRED']],
    ['an idempotencyKey that is not a UUID', { idempotencyKey: 'again' }, [['input', 'idempotencyKey'], 'INVALID']],
    ['a malformed conversation sid', { conversationSid: '../Accounts' }, [['input', 'conversationSid'], 'INVALID']],
    ['an empty resourceId', { resourceId: '' }, [['input', 'resourceId'], 'INVALID']],
    ['an UNKNOWN channel', { recipients: [{ address: 'x', channel: 'UNKNOWN' }] }, [['input', 'recipients', '0', 'channel'], 'INVALID']],
    [
      'a confidence above 1',
      { content: { transcription: { text: 't', confidence: 1.5 } } },
      [['input', 'content', 'transcription', 'confidence'], 'INVALID'],
    ],
  ])('%s → userErrors, nothing sent upstream', async (_name, extra, [field, code]) => {
    const { response, payload, posts } = await create(untypedInput({ ...extra, clientMutationId: 'm1' }));
    expect(response.errors).toBeUndefined();
    expect(payload.communication).toBeNull();
    expect(payload.communicationEdge).toBeNull();
    expect(payload.clientMutationId).toBe('m1');
    expect(payload.userErrors).toEqual([{ field, code, message: expect.any(String) }]);
    expect(posts).toHaveLength(0);
  });

  it('upstream 400s become userErrors with the input path of the offending field, in the facade’s words', async () => {
    const unknownParticipant = await create(
      input({ author: { ...author, participantSid: 'conv_participant_01jzzzzzzzzzzzzzzzzzzzzzzz' } }),
    );
    expect(unknownParticipant.posts).toHaveLength(1);
    expect(unknownParticipant.payload.userErrors).toEqual([
      {
        field: ['input', 'author', 'participantSid'],
        code: 'INVALID',
        message: 'No participant with this sid is part of the conversation.',
      },
    ]);
    // E.164 allows 7 digits (the facade lets it through); the upstream wants at least 8 and refuses it.
    const shortNumber = await create(input({ recipients: [recipient, { address: '+1234567', channel: 'SMS' }] }));
    expect(shortNumber.posts).toHaveLength(1);
    expect(shortNumber.payload.userErrors).toEqual([
      { field: ['input', 'recipients', '1', 'address'], code: 'INVALID', message: 'Not a valid address for its channel.' },
    ]);
  });

  it('a conversation that does not exist → NOT_FOUND on conversationSid', async () => {
    const { payload } = await create(input({ conversationSid: 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz' }));
    expect(payload.userErrors).toEqual([{ field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: expect.any(String) }]);
  });

  it('content must be exactly one of text or transcription (@oneOf), checked before execution', async () => {
    for (const content of [{ text: { text: 'a' }, transcription: { text: 'b' } }, {}]) {
      const { response, posts } = await create(untypedInput({ content }));
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(posts).toHaveLength(0);
    }
  });

  it('an upstream failure that is not about the input is a top-level error; the POST is sent once', async () => {
    stack.emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 500 });
    const { response, posts } = await create(input());
    expect(response.data?.createCommunication ?? null).toBeNull();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(posts).toHaveLength(1);
  });
});
