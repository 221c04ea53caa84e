// The one SchemaBuilder every schema module registers its types on, with its plugins and the
// per-request context the resolvers see.
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { CursorCodec } from '../connections/cursor.ts';
import type { Loaders } from '../loaders/index.ts';
import { decodeNodeId, encodeNodeId } from './node-id.ts';

export interface Context {
  loaders: Loaders;
  cursors: CursorCodec;
  /** The most upstream pages one connection field may read. */
  maxPagesPerConnection: number;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin],
  // Fields are non-null unless declared otherwise, as in the contract.
  defaultFieldNullability: false,
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    encodeGlobalID: encodeNodeId,
    decodeGlobalID: decodeNodeId,
    nodeQueryOptions: { description: 'Fetches any object by its global id; null when it does not exist.' },
    nodesQueryOptions: { description: 'Fetches objects by global id, in the order given; null for each that does not exist.' },
  },
});

builder.queryType({ description: 'Reads from the Conversations v2 API.' });
builder.mutationType({ description: 'Writes to the Conversations v2 API.' });
