// The one SchemaBuilder every schema module registers its types on, with its plugins and the
// per-request context the resolvers see.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import { getNamedType, isCompositeType } from 'graphql';
import type { CursorCodec } from '../connections/cursor.ts';
import type { Loaders } from '../loaders/index.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../connections/args.ts';
import { badUserInput } from '../errors.ts';
import { decodeNodeId, encodeNodeId } from './node-id.ts';

/** Each id of `nodes(ids:)` is an upstream fetch. */
export const MAX_NODE_IDS = 100;

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
  plugins: [ComplexityPlugin, RelayPlugin],
  complexity: {
    // The cost model (checked before execution, see server/query-limits.ts): a connection costs
    // the items it may return (first/last, default 20) and multiplies everything selected inside
    // it, GitHub's node limit; any other object-valued field costs 1; scalars cost nothing.
    fieldComplexity: (args, _context, field) => {
      if (field.args.some((arg) => arg.name === 'first')) {
        // Out-of-range sizes are refused by the resolver with BAD_USER_INPUT; cost them as the largest allowed.
        const size = Math.min(Math.max(Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE) || 0, 0), MAX_PAGE_SIZE);
        return { field: size, multiplier: size };
      }
      if (field.name === 'nodes' && Array.isArray(args.ids)) return { field: args.ids.length, multiplier: 1 };
      return { field: isCompositeType(getNamedType(field.type)) ? 1 : 0, multiplier: 1 };
    },
  },
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
    nodesQueryOptions: {
      description: `Fetches objects by global id (at most ${MAX_NODE_IDS}), in the order given; null for each that does not exist.`,
      resolve: (_root, { ids }, _context, _info, resolveNodes) => {
        if (ids.length > MAX_NODE_IDS) throw badUserInput(`\`nodes\` takes at most ${MAX_NODE_IDS} ids.`, { argument: 'ids' });
        return resolveNodes(ids);
      },
    },
  },
});

builder.queryType({ description: 'Reads from the Conversations v2 API.' });
builder.mutationType({ description: 'Writes to the Conversations v2 API.' });
