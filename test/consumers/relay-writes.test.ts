// The conversation and participant writes as a Relay app uses them (issue 10 item 4): the documents
// in test/consumers/relay/ (an inbox with a @connection on Query.conversations, a participants
// @connection, createConversation and addParticipant with @appendEdge on their edges, deleteConversation
// with @deleteRecord on deletedConversationId), compiled by the real relay-compiler. The artifacts must
// hold the store updaters; the operation texts must run against the facade with the ids those updaters
// rely on (an appended edge is the node the connection holds, the deleted id the record Relay keys by);
// and the generated types must accept right use and reject wrong use under tsc.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { startStack } from '../helpers/stack.ts';
import { compileRelayProject, typecheck, type RelayProject } from './relay-project.ts';

const CONFIGURATION_SID = 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa';

let work: string;
let project: RelayProject;
const artifact = (name: string) => project.artifact(name);
const operationText = (name: string) => project.operationText(name);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'consumers-relay-writes-'));
  project = compileRelayProject(work);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('relay-compiler on the conversation and participant writes', () => {
  it('compiles createConversation and addParticipant with @appendEdge on their edges, into connections on Query.conversations and Conversation.participants', () => {
    for (const [name, edge] of [
      ['OpenConversationMutation', 'conversationEdge'],
      ['AddParticipantMutation', 'participantEdge'],
    ] as const) {
      const mutation = artifact(name);
      // The store updater: Relay's appendEdge handle on the payload's edge, fed the connection ids.
      expect(mutation, name).toMatch(
        new RegExp(
          `"handle": "appendEdge",\\s*"key": "",\\s*"kind": "LinkedHandle",\\s*"name": "${edge}",\\s*"handleArgs": \\[\\s*\\{\\s*"kind": "Variable",\\s*"name": "connections",\\s*"variableName": "connections"`,
        ),
      );
      expect(mutation, name).toContain(`export type ${name}$variables = {\n  connections: ReadonlyArray<string>;`);
    }
    // The connections those ids name: Relay keys them by these handles.
    expect(artifact('ConversationInboxQuery')).toMatch(
      /"handle": "connection",\s*"key": "ConversationInbox_conversations",\s*"kind": "LinkedHandle",\s*"name": "conversations"/,
    );
    expect(artifact('ConversationParticipants_conversation')).toContain('"name": "__ConversationParticipants_participants_connection"');
    expect(artifact('ConversationParticipantsQuery')).toMatch(
      /"handle": "connection",\s*"key": "ConversationParticipants_participants",\s*"kind": "LinkedHandle",\s*"name": "participants"/,
    );
    expect(artifact('OpenConversationMutation')).toMatch(
      /export type CreateConversationInput = \{\s*clientMutationId\?: string \| null \| undefined;\s*configurationSid: string;\s*idempotencyKey\?: string \| null \| undefined;\s*metadata\?: unknown \| null \| undefined;\s*name\?: string \| null \| undefined;\s*\};/,
    );
  });

  it('compiles deleteConversation with @deleteRecord on deletedConversationId', () => {
    const mutation = artifact('DeleteConversationMutation');
    expect(mutation).toMatch(/"handle": "deleteRecord",\s*"key": "",\s*"kind": "ScalarHandle",\s*"name": "deletedConversationId"/);
    expect(mutation).toMatch(/readonly deletedConversationId: string \| null \| undefined;/);
  });

  it('runs the write flows against the facade as Relay would: the appended edges are the nodes the connections hold, the deleted id the record Relay keys by', async () => {
    const stack = await startStack();
    try {
      const send = async <T>(name: string, variables: Record<string, unknown>): Promise<T> => {
        const response = await stack.graphql(operationText(name), variables);
        expect(response.errors, `${name} ${JSON.stringify(variables)}`).toBeUndefined();
        return response.data as T;
      };
      type Edge = { cursor: string; node: { id: string; sid: string; name: string | null } };
      type Inbox = { conversations: { edges: Edge[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } };
      seedConversation(stack.emulator, 'Already there');
      const before = await send<Inbox>('ConversationInboxQuery', {});
      expect(before.conversations.edges.map((edge) => edge.node.name)).toEqual(['Already there']);

      // commitMutation + @appendEdge: the edge goes to the end of the inbox (Query.conversations is
      // oldest first), so it must be what a fresh read has last, and its cursor where loadNext goes on.
      const opened = await send<{ createConversation: { userErrors: unknown[]; conversationEdge: Edge } }>('OpenConversationMutation', {
        input: { configurationSid: CONFIGURATION_SID, name: 'Opened by Relay' },
        connections: ['client:root:__ConversationInbox_conversations_connection'],
      });
      expect(opened.createConversation.userErrors).toEqual([]);
      const conversation = opened.createConversation.conversationEdge.node;
      const after = await send<Inbox>('ConversationInboxQuery', {});
      expect(after.conversations.edges.at(-1)!.node).toEqual({ ...conversation, status: 'ACTIVE', __typename: 'Conversation' });
      const beyond = await send<Inbox>('ConversationInboxQuery', { first: 5, after: opened.createConversation.conversationEdge.cursor });
      expect(beyond.conversations).toEqual({ edges: [], pageInfo: { endCursor: null, hasNextPage: false } });

      type Participants = {
        conversation: { id: string; participants: { edges: Array<{ cursor: string; node: { id: string; name: string } }> } };
      };
      const added = await send<{
        addParticipant: { userErrors: unknown[]; participantEdge: { cursor: string; node: { id: string; name: string; type: string } } };
      }>('AddParticipantMutation', {
        input: {
          conversationSid: conversation.sid,
          name: 'Ravi Shah',
          type: 'HUMAN_AGENT',
          addresses: [{ address: '+15005550006', channel: 'SMS' }],
        },
        connections: [`client:${conversation.id}:__ConversationParticipants_participants_connection`],
      });
      expect(added.addParticipant.userErrors).toEqual([]);
      const participants = await send<Participants>('ConversationParticipantsQuery', { sid: conversation.sid });
      expect(participants.conversation.id).toBe(conversation.id);
      expect(participants.conversation.participants.edges.map((edge) => edge.node.id)).toEqual([
        added.addParticipant.participantEdge.node.id,
      ]);

      // @deleteRecord removes the record whose id the field holds: it must be the id the store has.
      const deleted = await send<{ deleteConversation: { userErrors: unknown[]; deletedConversationId: string } }>(
        'DeleteConversationMutation',
        {
          input: { sid: conversation.sid },
        },
      );
      expect(deleted.deleteConversation).toEqual({ deletedConversationId: conversation.id, userErrors: [], clientMutationId: null });
      const afterDelete = await send<Inbox>('ConversationInboxQuery', {});
      expect(afterDelete.conversations.edges.map((edge) => edge.node.id)).not.toContain(conversation.id);
    } finally {
      await stack.close();
    }
  });

  it('gives an app types that accept right use and reject wrong use (tsc)', () => {
    writeFileSync(
      join(project.dir, 'writes.ts'),
      `import type { OpenConversationMutation$data, OpenConversationMutation$variables } from './__generated__/OpenConversationMutation.graphql.ts';
import type { AddParticipantMutation$variables } from './__generated__/AddParticipantMutation.graphql.ts';
import type { DeleteConversationMutation$data } from './__generated__/DeleteConversationMutation.graphql.ts';
const inbox = ['client:root:__ConversationInbox_conversations_connection'];
export const open: OpenConversationMutation$variables = { connections: inbox, input: { configurationSid: 'conv_configuration_1', name: 'x', metadata: { a: 'b' } } };
// @ts-expect-error a conversation needs its configuration
export const openWithout: OpenConversationMutation$variables = { connections: inbox, input: { name: 'x' } };
export const status = (data: OpenConversationMutation$data) => data.createConversation.conversationEdge?.node.status;
export const join: AddParticipantMutation$variables = {
  connections: [],
  input: { conversationSid: 'conv_conversation_1', type: 'HUMAN_AGENT', addresses: [{ address: '+15005550006', channel: 'SMS' }] },
};
// @ts-expect-error not a ParticipantType
export const wrongType: AddParticipantMutation$variables = { connections: [], input: { conversationSid: 'c', type: 'BOSS', addresses: [] } };
export const removed = (data: DeleteConversationMutation$data): string | null | undefined => data.deleteConversation.deletedConversationId;
`,
    );
    const check = typecheck(project.dir, 'writes.ts');
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});
