// The entry point the schema uses for every connection field: validate the arguments, then walk
// the upstream list (see paginate.ts and plan.ts for how Relay cursors map onto page tokens). Also
// what the layers before execution need: the cost of a connection field, and the schema
// extensions that tell server/connection-arguments.ts which list a field's cursors must belong to.
import { MAX_PAGE_SIZE, type PageRequest } from '../upstream/api.ts';
import type { UpstreamPage } from '../upstream/types.ts';
import { DEFAULT_PAGE_SIZE, directionOf, parseConnectionArgs, type RawConnectionArgs } from './args.ts';
import { peekCursor, scopeTag, type CursorCodec } from './cursor.ts';
import { ListPaginator, type Connection, type Edge } from './paginate.ts';
import { classOf, describeClass, firstPageOf, pagesMayRead } from './plan.ts';

export interface ListSource<T> {
  /** Identifies the list: its kind, parent and filters. Cursors only work where it is the same. */
  scope: string;
  read: (page: PageRequest) => Promise<UpstreamPage<T>>;
}

export interface ConnectionSettings {
  codec: CursorCodec;
  /** The most upstream pages one connection field may read. */
  maxPages: number;
}

export function serveConnection<T extends { id: string }>(
  args: RawConnectionArgs,
  source: ListSource<T>,
  settings: ConnectionSettings,
): Promise<Connection<T>> {
  const tag = scopeTag(source.scope);
  // Arguments are checked synchronously, before anything is read upstream.
  const request = parseConnectionArgs(args, settings.codec, tag);
  return new ListPaginator({ read: source.read, codec: settings.codec, tag, maxPages: settings.maxPages }).paginate(request);
}

/**
 * Starts the connection's first upstream read now, e.g. while its parent is still being fetched,
 * so the two round trips overlap; the read is cached per request, so the field itself then finds
 * it under way. Invalid arguments start nothing: the field reports them.
 */
export function prefetchConnection<T>(args: RawConnectionArgs, source: ListSource<T>, settings: ConnectionSettings): void {
  let first: ReturnType<typeof firstPageOf>;
  try {
    first = firstPageOf(parseConnectionArgs(args, settings.codec, scopeTag(source.scope)), settings.maxPages);
  } catch {
    return;
  }
  // A failure is the field's to report when it reads the same page.
  if (first) source.read(first).catch(() => {});
}

/** An edge for an item that was not read from a list page (a mutation's result). */
export function standaloneEdge<T extends { id: string }>(node: T, scope: string, codec: CursorCodec): Edge<T> {
  return { node, cursor: codec.encode(scopeTag(scope), { id: node.id, page: null }) };
}

/**
 * What one upstream page read beyond a request's first costs in the query cost model: as much as
 * 40 items returned. At the default budget of 20 pages a walk (`last` without `before`, a cursor
 * with no page) costs 760 on top of its items, so the limit of 20,000 admits 26 of them, and an
 * inbox (20 conversations, each with its newest 20 communications) passes.
 */
export const UPSTREAM_PAGE_COST = 40;

/**
 * The cost of a connection field from its (coerced) arguments: the items it may return (which
 * also multiply what is selected inside it), plus the upstream pages beyond the first that it may
 * read. Out-of-range sizes are refused before execution; here they cost as the largest allowed.
 */
export function connectionCost(args: RawConnectionArgs, maxPages: number): { field: number; multiplier: number } {
  const size = Number(args.first ?? args.last ?? DEFAULT_PAGE_SIZE);
  const count = Number.isFinite(size) ? Math.min(Math.max(Math.trunc(size), 0), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
  const classify = (text: string | null | undefined) => {
    const cursor = typeof text === 'string' ? peekCursor(text) : null;
    return cursor ? classOf(cursor) : undefined;
  };
  const after = classify(args.after);
  const before = classify(args.before);
  const pages = pagesMayRead(
    { direction: directionOf(args), count: Math.max(count, 1), ...(after ? { after } : {}), ...(before ? { before } : {}) },
    maxPages,
  );
  return { field: count + (pages - 1) * UPSTREAM_PAGE_COST, multiplier: count };
}

/**
 * What the cost model reads from a string argument: for a cursor its class (page size, tokens,
 * position by the thousand), for anything else nothing. Cost verdicts cached by variables' shape
 * key strings by this, so two requests that share a verdict always cost the same.
 */
export function stringCostClass(text: string): string {
  const cursor = peekCursor(text);
  return cursor ? describeClass(classOf(cursor)) : 's';
}

/**
 * Schema extension of a connection field: the scope of the list it serves, from its parent's id
 * (null when unknown before execution) and its arguments; null when it cannot be known yet.
 */
export const LIST_SCOPE_EXTENSION = 'connectionListScope';
export type ListScopeOf = (parentId: string | null, args: Record<string, unknown>) => string | null;

/**
 * Schema extension of a field that returns an object whose id its arguments give
 * (`conversation(sid:)`), so the lists under it can be checked before execution.
 */
export const KNOWN_ID_EXTENSION = 'objectIdFromArguments';
export type KnownIdOf = (args: Record<string, unknown>) => string | null;

/**
 * Schema extension of a connection field whose first page may be read before its parent is fetched
 * (under `conversation(sid:)`, where the parent's id comes from the arguments: schema/prefetch.ts):
 * the list it serves for a parent known by its id only. Read with prefetchConnection.
 */
export const PREFETCH_LIST_EXTENSION = 'connectionPrefetchList';
export type PrefetchListOf<Context> = (parentId: string, args: Record<string, unknown>, context: Context) => ListSource<unknown>;

export type { Connection, Edge, PageInfo } from './paginate.ts';
export type { ConnectionRequest, RawConnectionArgs } from './args.ts';
export { parseConnectionArgs } from './args.ts';
export { CursorCodec, scopeTag } from './cursor.ts';
