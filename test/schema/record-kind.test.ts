// Records are typed by the `kind` the upstream decoder stamps on them, never by which fields they
// happen to have (issue 10, item 3). A client that alters what the real decoder produced stands in
// for the next resource or field: a Conversation carrying a Communication's fields must stay a
// Conversation, a record without the stamp is a bug (INTERNAL_SERVER_ERROR), and an upstream body
// cannot choose its own kind. The in-memory part runs graphql-js's own executor (the facade runs
// graphql-jit) on records served from memory after a JSON round trip, as a shared cache would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CursorCodec } from '../../src/connections/index.ts';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { createLoaders } from '../../src/loaders/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { schema } from '../../src/schema/index.ts';
import type { ConversationsApi } from '../../src/upstream/api.ts';
import { UpstreamClient, type CallContext, type UpstreamRequest } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import {
  decodeCommunication,
  decodeCommunicationPage,
  decodeConversation,
  decodeConversationPage,
  decodeParticipant,
  type Decoder,
} from '../../src/upstream/decode.ts';
import { createFacade } from '../../src/yoga.ts';
import { AGENT, CUSTOMER, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from '../helpers/stack.ts';
import { emulatorClientOptions } from '../helpers/upstream-client.ts';

type Json = Record<string, unknown>;
/** Changes a record the real decoder produced, before the facade sees it. */
type Alteration = (record: Json, operation: string) => void;

/** The real client and decoder, with a hook on what the decoder made (each record of a list page). */
class AlteringClient extends UpstreamClient {
  alteration: Alteration | null = null;

  override request<T>(context: CallContext, request: UpstreamRequest, decode: Decoder<T>) {
    const after = this.alteration;
    return super.request(context, request, (json) => {
      const decoded = decode(json) as unknown;
      if (after && decoded !== null && typeof decoded === 'object') {
        const records = Array.isArray((decoded as { items?: unknown }).items) ? (decoded as { items: Json[] }).items : [decoded as Json];
        for (const record of records) after(record, request.operation);
      }
      return decoded as T;
    });
  }
}

const NAME = 'Brand check: do not leak';
const TEXT = 'a message that must stay out of errors and logs';

let emulator: Emulator;
let upstream: AlteringClient;
let server: Server;
let url: string;
const logLines: string[] = [];
let sids: { conversation: string; participant: string; communication: string };
let ids: { conversation: string; participant: string; communication: string };

const foreignFields = {
  conversationId: 'conv_conversation_01jforeignforeignforeignfo',
  author: { address: '+15005550009', channel: 'SMS' },
  recipients: [],
  addresses: [{ address: '+15005550009', channel: 'SMS' }],
};

async function graphql(query: string, variables: Json = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { data?: any; errors?: any[] } };
}

beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
  upstream = new AlteringClient(emulatorClientOptions(emulator.url));
  const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
  server = createServer(
    createFacade({
      upstream,
      serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
      cursorSecret: 'test-secret',
      maxPagesPerConnection: 5,
      requestTimeoutMs: 5000,
      graphiql: false,
      logger,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const conversation = seedConversation(emulator, NAME);
  const participant = emulator.data.createParticipant(ACCOUNT_SID, conversation, {
    name: 'Lee',
    type: 'CUSTOMER',
    addresses: [CUSTOMER],
  }) as { id: string };
  const communication = emulator.data.createCommunication(ACCOUNT_SID, conversation, {
    author: { ...CUSTOMER, participantId: participant.id },
    recipients: [AGENT],
    content: { type: 'TEXT', text: TEXT },
  }) as { id: string };
  sids = { conversation, participant: participant.id, communication: communication.id };
  const found = (
    await graphql(
      `query ($sid: String!) { conversation(sid: $sid) { id participants { nodes { id } } communications { nodes { id } } } }`,
      {
        sid: conversation,
      },
    )
  ).body.data.conversation;
  ids = { conversation: found.id, participant: found.participants.nodes[0].id, communication: found.communications.nodes[0].id };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await upstream.close();
  await emulator.close();
});

beforeEach(() => {
  upstream.alteration = null;
  logLines.length = 0;
});

const NODES = `query ($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on Conversation { sid name }
    ... on Participant { sid name }
    ... on Communication { sid author { address } }
  }
}`;

describe('records are typed by the decoder’s kind, not by their fields', () => {
  it('a Conversation carrying a conversationId, an author and addresses is still a Conversation (node, nodes, connections)', async () => {
    // Every record also carries the fields that once told the other types apart.
    upstream.alteration = (record) => Object.assign(record, { ...foreignFields, ...record });

    const nodes = await graphql(NODES, { ids: [ids.conversation, ids.participant, ids.communication] });
    expect(nodes.body.errors).toBeUndefined();
    expect(nodes.body.data.nodes).toEqual([
      { __typename: 'Conversation', id: ids.conversation, sid: sids.conversation, name: NAME },
      { __typename: 'Participant', id: ids.participant, sid: sids.participant, name: 'Lee' },
      { __typename: 'Communication', id: ids.communication, sid: sids.communication, author: { address: CUSTOMER.address } },
    ]);

    const node = await graphql(`query ($id: ID!) { node(id: $id) { __typename id } }`, { id: ids.conversation });
    expect(node.body).toEqual({ data: { node: { __typename: 'Conversation', id: ids.conversation } } });

    const lists = await graphql(
      `query ($sid: String!) {
        conversations(first: 5) { nodes { __typename sid } }
        conversation(sid: $sid) {
          participants { nodes { __typename sid } }
          communications { nodes { __typename sid author { participant { __typename sid } } } }
        }
      }`,
      { sid: sids.conversation },
    );
    expect(lists.body).toEqual({
      data: {
        conversations: { nodes: [{ __typename: 'Conversation', sid: sids.conversation }] },
        conversation: {
          participants: { nodes: [{ __typename: 'Participant', sid: sids.participant }] },
          communications: {
            nodes: [
              {
                __typename: 'Communication',
                sid: sids.communication,
                author: { participant: { __typename: 'Participant', sid: sids.participant } },
              },
            ],
          },
        },
      },
    });
  });

  it.each([
    ['node(id:) (the Node interface)', `query ($id: ID!) { node(id: $id) { id ... on Conversation { name } } }`, ['node']],
    ['conversation(sid:) (the object type)', `query ($sid: String!) { conversation(sid: $sid) { name } }`, ['conversation']],
    ['a connection’s nodes', `{ conversations(first: 5) { nodes { name } } }`, ['conversations', 'nodes', 0]],
    [
      'Communication.conversation',
      `query ($id: ID!) { node(id: $id) { ... on Communication { sid conversation { name } } } }`,
      ['node', 'conversation'],
    ],
  ])(
    'a record without a kind, reaching %s, is INTERNAL_SERVER_ERROR; neither the response nor the log carries its data',
    async (where, query, path) => {
      // A bug stand-in: conversations built past the decoder.
      upstream.alteration = (record, operation) => {
        if (operation === 'FetchConversation' || operation === 'ListConversations') delete record.kind;
      };
      const id = where === 'Communication.conversation' ? ids.communication : ids.conversation;
      const variables: Json = query.includes('$id') ? { id } : query.includes('$sid') ? { sid: sids.conversation } : {};
      const response = await graphql(query, variables);
      expect(response.status).toBe(200);
      expect(response.body.errors).toHaveLength(1);
      const [error] = response.body.errors!;
      expect(error.message).toBe('Unexpected error.');
      expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) });
      expect(error.path).toEqual(path);
      for (const text of [response.text, logLines.join('\n')]) {
        expect(text).not.toContain(NAME);
        expect(text).not.toContain(sids.conversation.slice(-12));
      }
      const request = logLines.map((line) => JSON.parse(line) as Json).find((line) => line.msg === 'request');
      expect(request).toMatchObject({ errors: ['INTERNAL_SERVER_ERROR'] });
    },
  );
});

describe('in memory, on graphql-js’s own executor', () => {
  const conversationJson = { id: 'conv_conversation_01jmemorymemorymemorymemor', accountId: ACCOUNT_SID, name: 'In memory' };
  const communicationJson = {
    id: 'conv_communication_01jmemorymemorymemorymemo',
    conversationId: conversationJson.id,
    accountId: ACCOUNT_SID,
    author: CUSTOMER,
    recipients: [AGENT],
    content: { type: 'TEXT', text: 'hi' },
  };
  const globalId = (text: string) => Buffer.from(text).toString('base64url');
  const NODE_IDS = [
    globalId(`Conversation:${conversationJson.id}`),
    globalId(`Communication:${conversationJson.id}/${communicationJson.id}`),
  ];

  /** Serves the given records as the upstream client would; each read through a JSON round trip, as a shared cache would. */
  function run(records: { conversation: unknown; communication: unknown }) {
    const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    const api = {
      getConversation: async () => roundTrip(records.conversation),
      getCommunication: async () => roundTrip(records.communication),
    } as unknown as ConversationsApi;
    return execute({
      schema,
      document: parse(`query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Conversation { name } } }`),
      variableValues: { ids: NODE_IDS },
      contextValue: { loaders: createLoaders(api), cursors: new CursorCodec('memory'), maxPagesPerConnection: 1 },
    });
  }

  it('a serialised Conversation carrying a Communication’s fields is typed by its kind', async () => {
    const conversation = { ...decodeConversation(conversationJson), ...foreignFields };
    const result = await run({ conversation, communication: decodeCommunication(communicationJson) });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      nodes: [
        { __typename: 'Conversation', id: NODE_IDS[0], name: 'In memory' },
        { __typename: 'Communication', id: NODE_IDS[1] },
      ],
    });
  });

  it('a record without a kind is an error, not a guess', async () => {
    const result = await run({ conversation: conversationJson, communication: decodeCommunication(communicationJson) });
    expect(result.data).toEqual({ nodes: [null, { __typename: 'Communication', id: NODE_IDS[1] }] });
    expect(result.errors?.map((error) => error.path)).toEqual([['nodes', 0]]);
  });
});

describe('the decoder’s stamp', () => {
  it('marks every record of single bodies and list pages, and survives JSON and structuredClone', () => {
    const conversation = decodeConversation({ id: 'c1', accountId: ACCOUNT_SID, kind: 'Communication', author: CUSTOMER });
    expect(conversation).toEqual({ id: 'c1', accountId: ACCOUNT_SID, kind: 'Conversation' });
    expect(decodeParticipant({ id: 'p1', conversationId: 'c1', accountId: ACCOUNT_SID }).kind).toBe('Participant');
    const page = decodeCommunicationPage({
      communications: [
        { id: 'm1', conversationId: 'c1', accountId: ACCOUNT_SID, author: CUSTOMER, recipients: [], content: {}, kind: 'x' },
      ],
    });
    expect(page.items.map((item) => item.kind)).toEqual(['Communication']);
    expect(decodeConversationPage({ conversations: [{ id: 'c2', accountId: ACCOUNT_SID }] }).items[0]!.kind).toBe('Conversation');
    expect(JSON.parse(JSON.stringify(conversation)).kind).toBe('Conversation');
    expect(structuredClone(conversation).kind).toBe('Conversation');
  });
});
