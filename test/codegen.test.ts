// graphql-codegen (client preset) runs cleanly on the committed schema.graphql for the tests'
// operations, renders the @oneOf input as a union a consumer cannot get wrong, and types every
// write: the documents below are the six mutations as a consumer's code sends them (codegen.ts
// reads them from here), and the generated types must say what the schema promises (PATCH inputs
// whose fields are all optional but the sid, the payloads' edges and deleted id, userErrors).
import { generate } from '@graphql-codegen/cli';
import { parse, validate } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import config from '../codegen.ts';
import { schema } from '../src/schema/index.ts';

const WRITES = {
  CodegenSendMessage: /* GraphQL */ `
    mutation CodegenSendMessage($input: CreateCommunicationInput!) {
      createCommunication(input: $input) {
        communicationEdge { cursor node { id sid } }
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
  CodegenOpenConversation: /* GraphQL */ `
    mutation CodegenOpenConversation($input: CreateConversationInput!) {
      createConversation(input: $input) {
        conversation { id sid status metadata }
        conversationEdge { cursor node { id } }
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
  CodegenUpdateConversation: /* GraphQL */ `
    mutation CodegenUpdateConversation($input: UpdateConversationInput!) {
      updateConversation(input: $input) {
        conversation { id name status metadata updatedAt }
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
  CodegenDeleteConversation: /* GraphQL */ `
    mutation CodegenDeleteConversation($input: DeleteConversationInput!) {
      deleteConversation(input: $input) {
        deletedConversationId
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
  CodegenAddParticipant: /* GraphQL */ `
    mutation CodegenAddParticipant($input: AddParticipantInput!) {
      addParticipant(input: $input) {
        participant { id sid name type conversation { id } }
        participantEdge { cursor node { id } }
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
  CodegenUpdateParticipant: /* GraphQL */ `
    mutation CodegenUpdateParticipant($input: UpdateParticipantInput!) {
      updateParticipant(input: $input) {
        participant { id sid name type addresses { address channel channelId } }
        userErrors { field message code }
        clientMutationId
      }
    }
  `,
};

describe('graphql-codegen', () => {
  let types = '';

  beforeAll(async () => {
    const [target, output] = Object.entries(config.generates)[0]!;
    const files = await generate({ ...config, cwd: new URL('..', import.meta.url).pathname, generates: { [target]: output } }, false);
    types = (files as Array<{ filename: string; content: string }>).find((file) => file.filename.endsWith('graphql.ts'))?.content ?? '';
  }, 60_000);

  it('generates typed documents from schema.graphql, including the @oneOf input', () => {
    expect(types).toContain(
      'export type CommunicationContentInput =\n  {   text: TextContentInput; transcription?: never; }\n  |  { text?: never;   transcription: TranscriptionContentInput; };',
    );
    expect(types).toMatch(/export type CommunicationsPageQuery = /);
    expect(types).toMatch(/export const CreateDocument = /);
    expect(types).toContain("__typename: 'UnsupportedContent'");
  });

  it('types all six writes: a typed document each, their payloads, and inputs with the schema’s PATCH semantics', () => {
    for (const [name, document] of Object.entries(WRITES)) {
      expect(
        validate(schema, parse(document)).map((error) => error.message),
        name,
      ).toEqual([]);
      expect(types, name).toContain(`export const ${name}Document = `);
      expect(types, name).toMatch(new RegExp(`export type ${name}MutationVariables = Exact<\\{\\s*input: \\w+Input;\\s*\\}>;`));
    }
    // Payloads: the edges for Relay's @appendEdge, the deleted Node id for @deleteRecord, userErrors never null.
    const userErrors = 'userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }>';
    expect(types).toContain(
      `export type CodegenOpenConversationMutation = { createConversation: { clientMutationId: string | null, conversation: { id: string, sid: string, status: ConversationStatus | null, metadata: unknown } | null, conversationEdge: { cursor: string, node: { id: string } } | null, ${userErrors} } };`,
    );
    expect(types).toContain(
      `export type CodegenDeleteConversationMutation = { deleteConversation: { deletedConversationId: string | null, clientMutationId: string | null, ${userErrors} } };`,
    );
    expect(types).toContain(
      `export type CodegenAddParticipantMutation = { addParticipant: { clientMutationId: string | null, participant: { id: string, sid: string, name: string | null, type: ParticipantType | null, conversation: { id: string } } | null, participantEdge: { cursor: string, node: { id: string } } | null, ${userErrors} } };`,
    );
    expect(types).toContain(
      `export type CodegenUpdateConversationMutation = { updateConversation: { clientMutationId: string | null, conversation: { id: string, name: string | null, status: ConversationStatus | null, metadata: unknown, updatedAt: string | null } | null, ${userErrors} } };`,
    );
    // Inputs: a create needs what the upstream needs; an update only the sid (a field left out is unchanged).
    expect(types).toMatch(/export type CreateConversationInput = \{[^}]*\n {2}configurationSid: string;\n/);
    expect(types).toMatch(/export type AddParticipantInput = \{[^}]*\n {2}addresses: Array<ParticipantAddressInput>;\n/);
    const update = /export type UpdateConversationInput = \{([^}]*)\};/.exec(types)?.[1] ?? '';
    expect(update.match(/^ {2}\w+\??:/gm)).toEqual([
      '  clientMutationId?:',
      '  idempotencyKey?:',
      '  metadata?:',
      '  name?:',
      '  sid:',
      '  status?:',
    ]);
    expect(update).toContain('  status?: ConversationStatus | null | undefined;');
    // The key's description per kind: an update's key is passed on, not replayed.
    expect(update).toContain('The upstream documents no replay for updates');
    expect(update).not.toContain('creates nothing new');
    expect(/export type CreateConversationInput = \{([^}]*)\};/.exec(types)?.[1]).toContain(
      'a retry with the same key creates nothing new',
    );
    const updateParticipant = /export type UpdateParticipantInput = \{([^}]*)\};/.exec(types)?.[1] ?? '';
    expect(updateParticipant.match(/^ {2}\w+\??:/gm)).toEqual([
      '  addresses?:',
      '  clientMutationId?:',
      '  conversationSid:',
      '  idempotencyKey?:',
      '  name?:',
      '  profileId?:',
      '  sid:',
      '  type?:',
    ]);
    expect(types).toContain("export type ConversationStatus =\n  | 'ACTIVE'\n  | 'CLOSED'\n  | 'INACTIVE';");
  });
});
