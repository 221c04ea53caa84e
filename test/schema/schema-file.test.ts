// schema.graphql is what consumers generate types from: it must be exactly what the code builds.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSortedSchema } from '../../src/schema/index.ts';

describe('schema.graphql', () => {
  it('is current (run `npm run schema` after changing the schema code)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSortedSchema());
  });

  it('has the contract’s top-level shape', () => {
    const printed = printSortedSchema();
    for (const line of [
      'nodes(ids: [ID!]!): [Node]!',
      'node(id: ID!): Node',
      'conversation(sid: String!): Conversation',
      'conversations(after: String, before: String, channelId: String, first: Int, last: Int, status: [ConversationStatus!]): ConversationConnection!',
      'communications(after: String, before: String, channelId: String, first: Int, last: Int): CommunicationConnection!',
      'participants(after: String, before: String, first: Int, last: Int): ParticipantConnection!',
      'createCommunication(input: CreateCommunicationInput!): CreateCommunicationPayload!',
      'union CommunicationContent = TextContent | TranscriptionContent | UnsupportedContent',
      'input CommunicationContentInput @oneOf {',
      'communicationEdge: CommunicationEdge',
      'userErrors: [UserError!]!',
    ]) {
      expect(printed).toContain(line);
    }
  });
});
