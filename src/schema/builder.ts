// The one SchemaBuilder every schema module registers its types on, with its plugins and the
// per-request context the resolvers see.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import { getNamedType, isCompositeType } from 'graphql';
import type { CursorCodec } from '../connections/cursor.ts';
import type { Live } from '../live/index.ts';
import type { Loaders } from '../loaders/index.ts';
import type { SubscriptionRuntime } from '../live/runtime.ts';
import type { Credentials } from '../upstream/credentials.ts';
import { connectionCost } from '../connections/index.ts';
import { decodeNodeId, encodeNodeId } from './node-id.ts';
import { MAX_LENGTH } from './input-bounds.ts';
import { recordTypename } from './record-kind.ts';

/** The page budget the cost model assumes when a context does not say (MAX_UPSTREAM_PAGES_PER_CONNECTION's default). */
const DEFAULT_MAX_PAGES = 20;

/** Each id of `nodes(ids:)` is an upstream fetch. */
export const MAX_NODE_IDS = 100;

export interface Context {
  loaders: Loaders;
  cursors: CursorCodec;
  /** The most upstream pages one connection field may read. */
  maxPagesPerConnection: number;
  /** Live updates: the bus, the event source and the limits (subscription resolvers). */
  live: Live;
  /** The caller's upstream credentials: a subscription listens to their account and shares event loaders by their key. */
  credentials?: Credentials | null;
  /**
   * Loaders with a deadline of their own, for work that outlives the request's deadline and cache
   * (a subscription's catch-up pages and events); `signal` stops their calls early (the subscriber left).
   */
  freshLoaders?: (signal?: AbortSignal) => Loaders;
  /** The open subscriptions (limits) and the loader sets shared per event and credential. */
  subscriptions?: SubscriptionRuntime;
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
    // it, GitHub's node limit, plus UPSTREAM_PAGE_COST for each upstream page beyond the first it may read (a
    // walk: connections/index.ts connectionCost); `nodes(ids:)` costs and multiplies by its ids;
    // any other object-valued field costs 1; scalars cost nothing.
    fieldComplexity: (args, context, field) => {
      if (field.args.some((arg) => arg.name === 'first')) {
        return connectionCost(args, context.maxPagesPerConnection ?? DEFAULT_MAX_PAGES);
      }
      if (field.name === 'nodes' && Array.isArray(args.ids)) return { field: args.ids.length, multiplier: args.ids.length };
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
    // Cursors are longer than the default bound of a string argument (input-bounds.ts).
    afterArgOptions: { extensions: { maxLength: MAX_LENGTH.cursor } },
    beforeArgOptions: { extensions: { maxLength: MAX_LENGTH.cursor } },
    encodeGlobalID: encodeNodeId,
    decodeGlobalID: decodeNodeId,
    // A node is the type its record is stamped with by the decoder, never the type its fields suggest.
    nodeTypeOptions: { resolveType: recordTypename },
    nodeQueryOptions: { description: 'Fetches any object by its global id; null when it does not exist.' },
    // nodes.ts defines `nodes(ids:)`: the plugin's would fail the whole request for one malformed id.
    nodesQueryOptions: false,
  },
});

builder.queryType({ description: 'Reads from the Conversations v2 API.' });
builder.mutationType({ description: 'Writes to the Conversations v2 API.' });
builder.subscriptionType({ description: 'Live updates: events as they happen, over Server-Sent Events or WebSocket.' });
