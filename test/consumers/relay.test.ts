// Real consumers of schema.graphql: a Relay app's documents (test/consumers/relay/) compiled by the
// real relay-compiler (the native binary its npm package ships), and the same documents typed by
// graphql-codegen (test/consumers/codegen.relay.ts). Both run against the working tree's
// schema.graphql, so a schema change that breaks Relay's conventions (Node, connections, the
// mutation payloads' edges and deleted id, the @oneOf input) fails here. Each generated set of types is then
// type-checked by tsc against a small consumer that uses them as an app would.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack } from '../helpers/stack.ts';
import codegenRelayConfig from './codegen.relay.ts';
import { compileRelayProject, ROOT, typecheck, type RelayProject } from './relay-project.ts';

const OPERATIONS = [
  'ConversationScreenQuery',
  'ConversationCommunicationsPaginationQuery',
  'SendMessageMutation',
  'ConversationInboxQuery',
  'ConversationParticipantsQuery',
  'OpenConversationMutation',
  'AddParticipantMutation',
  'DeleteConversationMutation',
  'LiveMessagesSubscription',
];
const schema = buildSchema(readFileSync(join(ROOT, 'schema.graphql'), 'utf8'));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'consumers-relay-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('relay-compiler', () => {
  let project: RelayProject;
  let generated: string;
  const artifact = (name: string) => project.artifact(name);
  const operationText = (name: string) => project.operationText(name);

  beforeAll(() => {
    project = compileRelayProject(work);
    generated = project.generated;
  });

  it('sends operation texts that are valid against schema.graphql', () => {
    for (const name of OPERATIONS) {
      expect(
        validate(schema, parse(operationText(name))).map((error) => error.message),
        name,
      ).toEqual([]);
    }
    // Relay's client-only parts never reach the server.
    for (const name of [
      'SendMessageMutation',
      'OpenConversationMutation',
      'AddParticipantMutation',
      'DeleteConversationMutation',
      'LiveMessagesSubscription',
    ]) {
      expect(operationText(name), name).not.toMatch(/@appendEdge|@prependEdge|@deleteRecord|\$connections/);
    }
    expect(operationText('ConversationCommunicationsPaginationQuery')).not.toMatch(/@connection|@refetchable|@argumentDefinitions/);
  });

  it('compiles the fragments, the refetch query, the queries, the mutations and the subscription', () => {
    expect(readdirSync(generated).sort()).toEqual([
      'AddParticipantMutation.graphql.ts',
      'ConversationCommunicationsPaginationQuery.graphql.ts',
      'ConversationCommunications_conversation.graphql.ts',
      'ConversationInboxQuery.graphql.ts',
      'ConversationParticipantsQuery.graphql.ts',
      'ConversationParticipants_conversation.graphql.ts',
      'ConversationScreenQuery.graphql.ts',
      'DeleteConversationMutation.graphql.ts',
      'LiveMessagesSubscription.graphql.ts',
      'OpenConversationMutation.graphql.ts',
      'SendMessageMutation.graphql.ts',
    ]);
  });

  it('makes Conversation.communications a bidirectional @connection that usePaginationFragment can page both ways', () => {
    const fragment = artifact('ConversationCommunications_conversation');
    expect(fragment).toMatch(/"connection": \[\s*\{\s*"count": null,\s*"cursor": null,\s*"direction": "bidirectional"/);
    expect(fragment).toMatch(/"forward": \{\s*"count": "first",\s*"cursor": "after"\s*\}/);
    expect(fragment).toMatch(/"backward": \{\s*"count": "last",\s*"cursor": "before"\s*\}/);
    expect(fragment).toContain('"name": "__ConversationCommunications_communications_connection"');
    expect(fragment).toMatch(/"fragmentPathInResult": \[\s*"node"\s*\]/);
    // Relay adds what a connection needs to the selection; the schema has to have it.
    expect(fragment).toMatch(/"concreteType": "PageInfo"/);
    for (const field of ['endCursor', 'hasNextPage', 'hasPreviousPage', 'startCursor', 'cursor', '__typename']) {
      expect(fragment).toContain(`"name": "${field}"`);
    }
    expect(fragment).toContain('export type ConversationCommunications_conversation$data = {');
  });

  it('generates the @refetchable query on node(id:), with the paging variables of both directions', () => {
    const query = artifact('ConversationCommunicationsPaginationQuery');
    const text = operationText('ConversationCommunicationsPaginationQuery');
    expect(text).toMatch(
      /^query ConversationCommunicationsPaginationQuery\(\s*\$after: String\s*\$before: String\s*\$channelId: String\s*\$first: Int\s*\$last: Int = 10\s*\$id: ID!\s*\)/,
    );
    expect(text).toContain('node(id: $id)');
    expect(text).toContain('communications(first: $first, after: $after, last: $last, before: $before, channelId: $channelId)');
    expect(query).toMatch(
      /export type ConversationCommunicationsPaginationQuery\$variables = \{\s*after\?: string \| null \| undefined;\s*before\?: string \| null \| undefined;\s*channelId\?: string \| null \| undefined;\s*first\?: number \| null \| undefined;\s*id: string;\s*last\?: number \| null \| undefined;\s*\};/,
    );
  });

  it('types the node(id:) query with the aliased fragment reference', () => {
    const query = artifact('ConversationScreenQuery');
    expect(query).toMatch(
      /readonly conversation: \{\s*readonly " \$fragmentSpreads": FragmentRefs<"ConversationCommunications_conversation">;\s*\} \| null \| undefined;/,
    );
    expect(query).toMatch(/readonly status\?: ConversationStatus \| null \| undefined;/);
  });

  it('compiles createCommunication with @appendEdge on communicationEdge, and renders the @oneOf input as a union', () => {
    const mutation = artifact('SendMessageMutation');
    expect(mutation).toMatch(
      /"handle": "appendEdge",\s*"key": "",\s*"kind": "LinkedHandle",\s*"name": "communicationEdge",\s*"handleArgs": \[/,
    );
    expect(mutation).toMatch(/"name": "connections",\s*"variableName": "connections"/);
    expect(mutation).toContain('connections: ReadonlyArray<string>;');
    expect(mutation).toMatch(
      /export type CommunicationContentInput = \{\s*text: TextContentInput;\s*transcription\?: never;\s*\} \| \{\s*text\?: never;\s*transcription: TranscriptionContentInput;\s*\};/,
    );
    expect(mutation).toContain('export type UserErrorCode = "CONFLICT" | "INVALID" | "NOT_FOUND" | "REQUIRED" | "%future added value";');
  });

  it('runs against the facade as Relay would: the screen query, loadPrevious, loadNext, then the mutation', async () => {
    const stack = await startStack();
    try {
      const conversationSid = seedConversation(stack.emulator, 'Relay consumer');
      seedCommunications(stack.emulator, conversationSid, 12);
      const lookup = await stack.graphql<{ conversation: { id: string } }>('query ($sid: String!) { conversation(sid: $sid) { id } }', {
        sid: conversationSid,
      });
      const id = lookup.data!.conversation.id;
      type Page = {
        edges: Array<{ cursor: string; node: { sid: string; content: { text?: string } } }>;
        pageInfo: Record<string, unknown>;
      };
      const send = async (name: string, variables: Record<string, unknown>) => {
        const response = await stack.graphql(operationText(name), variables);
        expect(response.errors, `${name} ${JSON.stringify(variables)}`).toBeUndefined();
        return response.data!;
      };
      const texts = (page: Page) => page.edges.map((edge) => edge.node.content.text);

      // useLazyLoadQuery: the fragment's defaults (last: 10), the newest ten.
      const screen = (await send('ConversationScreenQuery', { id })) as { node: { __typename: string; sid: string; communications: Page } };
      expect(screen.node.__typename).toBe('Conversation');
      expect(screen.node.sid).toBe(conversationSid);
      expect(texts(screen.node.communications)).toEqual(Array.from({ length: 10 }, (_, i) => `message ${i + 2}`));
      expect(screen.node.communications.pageInfo).toMatchObject({ hasPreviousPage: true });

      // Relay's variables for loadPrevious/loadNext: its getPaginationVariables sets the requested
      // direction's count and cursor, and nulls the other direction's.
      const base = { id, channelId: null };
      const previous = (await send('ConversationCommunicationsPaginationQuery', {
        ...base,
        last: 2,
        before: screen.node.communications.pageInfo.startCursor,
        first: null,
        after: null,
      })) as { node: { communications: Page } };
      expect(texts(previous.node.communications)).toEqual(['message 0', 'message 1']);
      expect(previous.node.communications.pageInfo).toMatchObject({ hasPreviousPage: false });

      const next = (await send('ConversationCommunicationsPaginationQuery', {
        ...base,
        first: 3,
        after: previous.node.communications.pageInfo.endCursor,
        last: null,
        before: null,
      })) as { node: { communications: Page } };
      expect(texts(next.node.communications)).toEqual(['message 2', 'message 3', 'message 4']);
      expect(next.node.communications.pageInfo).toMatchObject({ hasNextPage: true });

      // commitMutation: the edge @appendEdge puts at the end of the connection; its cursor is where
      // a later loadNext starts, so paging after it must work and find nothing newer.
      const created = (await send('SendMessageMutation', {
        input: {
          conversationSid,
          author: { address: '+15005550001', channel: 'SMS' },
          recipients: [{ address: '+15005550002', channel: 'SMS' }],
          content: { text: { text: 'appended by Relay' } },
        },
      })) as {
        createCommunication: {
          userErrors: unknown[];
          communicationEdge: { cursor: string; node: { id: string; content: { text: string } } };
        };
      };
      expect(created.createCommunication.userErrors).toEqual([]);
      expect(created.createCommunication.communicationEdge.node.content.text).toBe('appended by Relay');
      const newest = (await send('ConversationCommunicationsPaginationQuery', {
        ...base,
        last: 1,
        before: null,
        first: null,
        after: null,
      })) as {
        node: { communications: Page & { edges: Array<{ node: { id: string } }> } };
      };
      expect(newest.node.communications.edges[0]?.node.id).toBe(created.createCommunication.communicationEdge.node.id);
      const afterAppended = (await send('ConversationCommunicationsPaginationQuery', {
        ...base,
        first: 5,
        after: created.createCommunication.communicationEdge.cursor,
        last: null,
        before: null,
      })) as { node: { communications: Page } };
      expect(afterAppended.node.communications.edges).toEqual([]);
      expect(afterAppended.node.communications.pageInfo).toMatchObject({ hasNextPage: false });
    } finally {
      await stack.close();
    }
  });

  it('gives an app types that accept right use and reject wrong use (tsc)', () => {
    writeFileSync(
      join(project.dir, 'app.ts'),
      `import type { ConversationCommunications_conversation$data } from './__generated__/ConversationCommunications_conversation.graphql.ts';
import type { ConversationCommunicationsPaginationQuery$variables as PageVariables } from './__generated__/ConversationCommunicationsPaginationQuery.graphql.ts';
import type { CommunicationContentInput, SendMessageMutation$data, SendMessageMutation$variables } from './__generated__/SendMessageMutation.graphql.ts';

export const forward: PageVariables = { id: 'Q29udmVyc2F0aW9u', first: 10, after: 'cursor' };
export const backward: PageVariables = { id: 'Q29udmVyc2F0aW9u', last: 10, before: 'cursor' };
// @ts-expect-error the refetch query needs the node id
export const noId: PageVariables = { first: 10 };

export function texts(conversation: ConversationCommunications_conversation$data): string[] {
  return conversation.communications.edges.map(({ node }) =>
    node.content.__typename === 'TextContent' ? node.content.text : node.sid,
  );
}

export const text: CommunicationContentInput = { text: { text: 'Hello' } };
export const transcription: CommunicationContentInput = { transcription: { text: 'Hello', confidence: 0.9 } };
// @ts-expect-error a @oneOf input takes one member, not two
export const both: CommunicationContentInput = { text: { text: 'a' }, transcription: { text: 'b' } };
// @ts-expect-error ... and not none
export const none: CommunicationContentInput = {};

export const send: SendMessageMutation$variables = {
  connections: ['client:Q29udmVyc2F0aW9u:__ConversationCommunications_communications_connection'],
  input: {
    conversationSid: 'conv_conversation_1',
    author: { address: '+15005550006', channel: 'SMS' },
    recipients: [{ address: '+15005550001', channel: 'SMS' }],
    content: text,
  },
};

export function appended(data: SendMessageMutation$data): string | undefined {
  if (data.createCommunication.userErrors.length > 0) return data.createCommunication.userErrors[0]?.message;
  return data.createCommunication.communicationEdge?.cursor;
}
`,
    );
    const check = typecheck(project.dir, 'app.ts');
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('graphql-codegen on the Relay documents', () => {
  let types: string;

  beforeAll(async () => {
    const files = (await generate({ ...codegenRelayConfig, cwd: ROOT, silent: true }, false)) as Array<{
      filename: string;
      content: string;
    }>;
    expect(files.map((file) => file.filename)).toEqual(['artifacts/codegen-relay/graphql.ts']);
    types = files[0]!.content;
  }, 60_000);

  it('accepts the Relay directives and types every operation and fragment', () => {
    expect(types).toContain('export type ConversationCommunications_ConversationFragment = {');
    expect(types).toMatch(/export type ConversationScreenQueryVariables = Exact<\{\s*id: string \| number;\s*\}>;/);
    expect(types).toContain('export type ConversationScreenQuery = {');
    expect(types).toMatch(/export type SendMessageMutationVariables = Exact<\{\s*input: CreateCommunicationInput;\s*connections: /);
    expect(types).toContain('export type SendMessageMutation = {');
    expect(types).toMatch(/export type OpenConversationMutationVariables = Exact<\{\s*input: CreateConversationInput;\s*connections: /);
    expect(types).toContain(
      'export type OpenConversationMutation = { createConversation: { clientMutationId: string | null, conversationEdge: { cursor: string, node: {',
    );
    expect(types).toMatch(/export type AddParticipantMutationVariables = Exact<\{\s*input: AddParticipantInput;\s*connections: /);
    expect(types).toContain(
      'export type AddParticipantMutation = { addParticipant: { clientMutationId: string | null, participantEdge: { cursor: string, node: {',
    );
    expect(types).toContain('export type DeleteConversationMutation = { deleteConversation: { deletedConversationId: string | null,');
    expect(types).toContain('export type ConversationInboxQuery = {');
    expect(types).toContain('export type ConversationParticipants_ConversationFragment = {');
    expect(types).toMatch(
      /export type LiveMessagesSubscriptionVariables = Exact<\{\s*sid: string;\s*after\?: string \| null \| undefined;\s*connections: /,
    );
    expect(types).toContain('export type LiveMessagesSubscription = { communicationAdded: { cursor: string, node: {');
    expect(types).toContain(
      'export type CommunicationContentInput =\n  {   text: TextContentInput; transcription?: never; }\n  |  { text?: never;   transcription: TranscriptionContentInput; };',
    );
  });

  it('still validates the documents against the schema (only the two Relay rules are skipped)', async () => {
    const broken = join(work, 'Broken.tsx');
    writeFileSync(broken, 'export const q = graphql`query BrokenQuery { conversation(sid: "x") { notAField } }`;\n');
    const attempt = generate(
      { ...codegenRelayConfig, cwd: ROOT, silent: true, documents: [...([codegenRelayConfig.documents].flat() as string[]), broken] },
      false,
    );
    await expect(attempt).rejects.toThrow(/Cannot query field "notAField" on type "Conversation"/);
  }, 60_000);

  it('gives an app types that accept right use and reject wrong use (tsc)', () => {
    const dir = join(work, 'codegen');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'graphql.ts'), types);
    writeFileSync(
      join(dir, 'app.ts'),
      `import type { CommunicationContentInput, ConversationCommunications_ConversationFragment, SendMessageMutation, SendMessageMutationVariables } from './graphql.ts';

export function texts(conversation: ConversationCommunications_ConversationFragment): string[] {
  return conversation.communications.edges.map(({ node }) => (node.content.__typename === 'TextContent' ? node.content.text : node.sid));
}
// @ts-expect-error a @oneOf input takes one member, not two
export const both: CommunicationContentInput = { text: { text: 'a' }, transcription: { text: 'b' } };
export const send: SendMessageMutationVariables = {
  connections: ['client:Q29udmVyc2F0aW9u:__ConversationCommunications_communications_connection'],
  input: {
    conversationSid: 'conv_conversation_1',
    author: { address: '+15005550006', channel: 'SMS' },
    recipients: [{ address: '+15005550001', channel: 'SMS' }],
    content: { text: { text: 'Hello' } },
  },
};
export const cursor = (data: SendMessageMutation): string | undefined => data.createCommunication.communicationEdge?.cursor;
`,
    );
    const check = typecheck(dir, 'app.ts');
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});
