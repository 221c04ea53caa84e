// Builds the GraphQL schema: each module registers its types on the shared builder.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './enums.ts';
import './conversation.ts';
import './participant.ts';
import './content.ts';
import './communication.ts';
import './nodes.ts';
import './mutations/index.ts';
import './subscriptions/index.ts';

export const schema = builder.toSchema();

/** schema.graphql's text: the schema printed sorted, as the contract asks. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export type { Context } from './builder.ts';
