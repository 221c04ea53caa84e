// The entry point the schema uses for every connection field: validate the arguments, then walk
// the upstream list. See paginate.ts for how Relay cursors map onto upstream page tokens.
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamPage } from '../upstream/types.ts';
import { parseConnectionArgs, type RawConnectionArgs } from './args.ts';
import { scopeTag, type CursorCodec } from './cursor.ts';
import { firstPageOf, ListPaginator, type Connection, type Edge } from './paginate.ts';

export interface ListSource<T> {
  /** Identifies the list: its kind, parent and filters. Cursors only work where it is the same. */
  scope: string;
  read: (page: PageRequest) => Promise<UpstreamPage<T>>;
}

export function serveConnection<T extends { id: string }>(
  args: RawConnectionArgs,
  source: ListSource<T>,
  settings: { codec: CursorCodec; maxPages: number },
): Promise<Connection<T>> {
  const tag = scopeTag(source.scope);
  // Arguments are checked synchronously, before anything is read upstream.
  const request = parseConnectionArgs(args, settings.codec, tag);
  return new ListPaginator({ read: source.read, codec: settings.codec, tag, maxPages: settings.maxPages }).paginate(
    request,
  );
}

/**
 * Starts the connection's first upstream read now, e.g. while its parent is still being fetched,
 * so the two round trips overlap; the read is cached per request, so the field itself then finds
 * it under way. Invalid arguments start nothing: the field reports them.
 */
export function prefetchConnection<T>(args: RawConnectionArgs, source: ListSource<T>, codec: CursorCodec): void {
  let first;
  try {
    first = firstPageOf(parseConnectionArgs(args, codec, scopeTag(source.scope)));
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

export type { Connection, Edge, PageInfo } from './paginate.ts';
export { CursorCodec } from './cursor.ts';
