// Serves a Relay connection from an upstream list that pages with opaque tokens.
//
// The upstream offers: the first page (no token) at any pageSize, and from any page its
// nextToken/previousToken, valid only with the pageSize that page was read with. plan.ts decides
// where a request starts (its cursor's tokens, its own page again, or a walk from the start at the
// largest pageSize); from there it reads on along the tokens of the pages it reads:
// - `first: N, after: endCursor` and `last: N, before: startCursor` cost one call while N stays.
// - `last: N` with no `before` walks forward at the largest pageSize to the end, keeping the last N.
// - A cursor in the middle of an upstream page re-reads its own page and stops at that page's edge
//   rather than spend a second call, so the next request starts on a page boundary again.
// - At most `maxPages` calls: a request that needs more returns what it read, with exact pageInfo.
// - A cursor whose item is no longer on its page (items landed before it, the list changed) is found
//   by id with a walk from the start, within `maxPages`: never BAD_USER_INPUT for that alone, only
//   when the item left the list. The cost model prices the cursor's plan, so this rare case may read
//   more pages than priced, never more than the budget.
// Tokens are never sent with a pageSize other than the one they were issued for; items are matched
// by id, never by position alone, so a list that changed between requests yields no gap or duplicate.
import { badUserInput, FacadeError } from '../errors.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamPage } from '../upstream/types.ts';
import type { ConnectionRequest } from './args.ts';
import type { Cursor, CursorCodec } from './cursor.ts';
import { startAfter, startBefore, startOfWalkAfter, walkFromStart, type ReadingStart } from './plan.ts';

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  node: T;
  readonly cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

export interface PaginateOptions<T> {
  read: (page: PageRequest) => Promise<UpstreamPage<T>>;
  codec: CursorCodec;
  /** The list's scope tag (see scopeTag); cursors are made for it. */
  tag: string;
  /** The most upstream pages one connection may read. */
  maxPages: number;
}

/** A page as read: the upstream's page and the request that read it, in the upstream's words. */
interface ReadPage<T> extends UpstreamPage<T>, PageRequest {
  /** The position of items[0] in the whole list, as far as it is known (a hint: lists change). */
  start: number;
  /** The page read just before this one on a walk from the start: going back to it costs nothing. */
  earlier?: ReadPage<T>;
}

interface Positioned<T> {
  node: T;
  page: ReadPage<T>;
  index: number;
}

/** A page, and where a cursor sits in it: reading forward starts at `at + 1`, backward at `at - 1`. */
interface Opened<T> {
  page: ReadPage<T>;
  at: number;
  /** The cursor's own page, read again: the request stops at its edge rather than spend a call. */
  reread: boolean;
}

/** Edges compute their cursor (an HMAC) only when a query asks for it: lists shown without paging don't. */
class LazyEdge<T extends { id: string }> implements Edge<T> {
  readonly node: T;
  readonly #position: Positioned<T>;
  readonly #codec: CursorCodec;
  readonly #tag: string;
  #cursor: string | undefined;

  constructor(position: Positioned<T>, codec: CursorCodec, tag: string) {
    this.node = position.node;
    this.#position = position;
    this.#codec = codec;
    this.#tag = tag;
  }

  get cursor(): string {
    this.#cursor ??= this.#codec.encode(this.#tag, cursorFor(this.#position));
    return this.#cursor;
  }

  /** What the cursor says, without signing it. */
  get place(): Cursor {
    return cursorFor(this.#position);
  }
}

/** An edge's place in its list as its cursor says it (none for an edge not read from a page): to continue after it without decoding its cursor. */
export function placeOf<T extends { id: string }>(edge: Edge<T>): Cursor | undefined {
  return edge instanceof LazyEdge ? edge.place : undefined;
}

function cursorFor<T extends { id: string }>({ node, page, index }: Positioned<T>): Cursor {
  // The cursor's own (shorter) names for the same page facts: see PagePosition in cursor.ts.
  const position: NonNullable<Cursor['page']> = { size: page.pageSize, token: page.pageToken, index, offset: page.start + index };
  if (index === page.items.length - 1 && page.nextToken !== null) position.next = page.nextToken;
  if (index === 0 && page.previousToken !== null) position.previous = page.previousToken;
  return { id: node.id, page: position };
}

export class ListPaginator<T extends { id: string }> {
  readonly #options: PaginateOptions<T>;
  readonly #seenTokens = new Set<string>();
  readonly #seenIds = new Set<string>();
  #pagesRead = 0;

  constructor(options: PaginateOptions<T>) {
    this.#options = options;
  }

  async paginate(request: ConnectionRequest): Promise<Connection<T>> {
    if (request.direction === 'forward') return this.#forward(request);
    return request.before ? this.#backward(request, request.before) : this.#lastOfList(request);
  }

  /** `first: N` after `after` (or from the start), stopping at `before`. */
  async #forward({ count, after, before }: ConnectionRequest): Promise<Connection<T>> {
    const { maxPages } = this.#options;
    let { page, at, reread } = await this.#open(
      after ? startAfter(after, count, maxPages) : { kind: 'list-start', request: { pageSize: count, pageToken: null } },
      after,
    );
    const taken: Positioned<T>[] = [];
    let reachedBefore = false;
    let index = at + 1;
    for (;;) {
      for (; index < page.items.length && taken.length < count; index++) {
        const node = page.items[index]!;
        if (before && node.id === before.id) {
          reachedBefore = true;
          break;
        }
        taken.push(this.#positioned(node, page, index));
      }
      if (reachedBefore || taken.length === count || page.nextToken === null) break;
      if ((reread && taken.length > 0) || !this.#mayRead()) break;
      page = await this.#read({ pageSize: page.pageSize, pageToken: page.nextToken }, () => page.start + page.items.length);
      index = 0;
      reread = false;
    }
    const atEnd = index >= page.items.length && page.nextToken === null;
    // Every item after `after` was seen, and `before` was not among them.
    if (before && !reachedBefore && atEnd) throw notInWindow('before');
    return this.#connection(taken, {
      hasNextPage: reachedBefore || !atEnd,
      hasPreviousPage: after !== undefined,
    });
  }

  /** `last: N` before `before`, stopping at `after`. */
  async #backward({ count, after }: ConnectionRequest, before: Cursor): Promise<Connection<T>> {
    const start = startBefore(before, count, this.#options.maxPages);
    if (start.kind === 'nothing') {
      if (after) throw notInWindow('after');
      return this.#connection([], { hasNextPage: true, hasPreviousPage: false });
    }
    let { page, at, reread } = await this.#open(start, before);
    const taken: Positioned<T>[] = [];
    let reachedAfter = false;
    let index = at - 1;
    for (;;) {
      for (; index >= 0 && taken.length < count; index--) {
        const node = page.items[index]!;
        if (after && node.id === after.id) {
          reachedAfter = true;
          break;
        }
        taken.push(this.#positioned(node, page, index));
      }
      if (reachedAfter || taken.length === count) break;
      const earlier = page.earlier;
      if (earlier) {
        page = earlier;
      } else {
        if (page.previousToken === null || (reread && taken.length > 0) || !this.#mayRead()) break;
        const later = page;
        const request = { pageSize: page.pageSize, pageToken: page.previousToken };
        page = await this.#read(request, (length) => Math.max(0, later.start - length));
      }
      index = page.items.length - 1;
      reread = false;
    }
    const atStart = index < 0 && page.previousToken === null && page.earlier === undefined;
    if (after && !reachedAfter && atStart) throw notInWindow('after');
    taken.reverse();
    return this.#connection(taken, { hasNextPage: true, hasPreviousPage: reachedAfter || !atStart });
  }

  /** `last: N` with no `before`: walk forward (from `after` or the start) to the end, keep the last N. */
  async #lastOfList({ count, after }: ConnectionRequest): Promise<Connection<T>> {
    let { page, at } = await this.#open(after ? startOfWalkAfter(after) : { kind: 'walk', request: walkFromStart }, after);
    let kept: Positioned<T>[] = [];
    let dropped = false;
    for (;;) {
      for (let index = at + 1; index < page.items.length; index++) {
        kept.push(this.#positioned(page.items[index]!, page, index));
      }
      if (kept.length > count) {
        kept = kept.slice(-count);
        dropped = true;
      }
      // Out of budget: the last items read, and hasNextPage says the list goes on.
      if (page.nextToken === null || !this.#mayRead()) break;
      const current = page;
      page = await this.#read({ pageSize: page.pageSize, pageToken: page.nextToken }, () => current.start + current.items.length);
      at = -1;
    }
    return this.#connection(kept, { hasNextPage: page.nextToken !== null, hasPreviousPage: dropped || after !== undefined });
  }

  /** Reads the page a request starts on and finds its cursor there. */
  async #open(start: ReadingStart, cursor: Cursor | undefined): Promise<Opened<T>> {
    const position = cursor?.page;
    switch (start.kind) {
      case 'list-start':
        return { page: await this.#read(start.request, () => 0), at: -1, reread: false };
      case 'next':
        return { page: await this.#read(start.request, () => position!.offset + 1), at: -1, reread: false };
      case 'previous': {
        const page = await this.#read(start.request, (length) => Math.max(0, position!.offset - length));
        return { page, at: page.items.length, reread: false };
      }
      case 'reread': {
        const page = await this.#read(start.request, () => Math.max(0, position!.offset - position!.index));
        const at = locate(page, cursor!);
        if (at >= 0) return { page, at, reread: true };
        // The item is no longer on its page (the list changed around it, or the cursor's position was
        // a prediction): it is found by id with a walk from the start, never refused for that alone.
        return this.#walkTo(cursor!, page);
      }
      case 'walk':
        return cursor ? this.#walkTo(cursor) : { page: await this.#read(start.request, () => 0), at: -1, reread: false };
    }
  }

  /**
   * Walks from the start at the largest pageSize until the cursor's item, linking the pages read.
   * `known`: a page already read (the cursor's own, which did not hold it), used again if the walk meets it.
   */
  async #walkTo(cursor: Cursor, known?: ReadPage<T>): Promise<Opened<T>> {
    const readOrReuse = async (request: PageRequest, startOf: (length: number) => number): Promise<ReadPage<T>> => {
      if (known && known.pageSize === request.pageSize && known.pageToken === request.pageToken) {
        return { ...known, start: startOf(known.items.length) };
      }
      if (!this.#mayRead()) throw beyondBudget(this.#options.maxPages);
      return this.#read(request, startOf);
    };
    let page = await readOrReuse(walkFromStart, () => 0);
    for (;;) {
      const at = page.items.findIndex((item) => item.id === cursor.id);
      if (at >= 0) return { page, at, reread: false };
      if (page.nextToken === null) throw staleCursor();
      const earlier = page;
      page = await readOrReuse({ pageSize: page.pageSize, pageToken: page.nextToken }, () => earlier.start + earlier.items.length);
      page.earlier = earlier;
    }
  }

  #mayRead(): boolean {
    return this.#pagesRead < this.#options.maxPages;
  }

  async #read(request: PageRequest, startOf: (length: number) => number): Promise<ReadPage<T>> {
    const token = request.pageToken;
    if (token !== null) {
      if (this.#seenTokens.has(token)) throw inconsistentList('a page token repeated');
      this.#seenTokens.add(token);
    }
    this.#pagesRead++;
    let page: UpstreamPage<T>;
    try {
      page = await this.#options.read({ pageSize: request.pageSize, pageToken: token });
    } catch (error) {
      // The cursor was intact (it is signed), so the upstream no longer honours its token.
      if (token !== null && error instanceof UpstreamError && error.status === 400) {
        throw badUserInput('The cursor has expired; start again from the beginning or the end of the list.');
      }
      throw error;
    }
    const { items, nextToken, previousToken } = page;
    return { items, nextToken, previousToken, pageSize: request.pageSize, pageToken: token, start: startOf(items.length) };
  }

  #positioned(node: T, page: ReadPage<T>, index: number): Positioned<T> {
    if (this.#seenIds.has(node.id)) throw inconsistentList('an item came back twice');
    this.#seenIds.add(node.id);
    return { node, page, index };
  }

  #connection(taken: Positioned<T>[], flags: Pick<PageInfo, 'hasNextPage' | 'hasPreviousPage'>): Connection<T> {
    const { codec, tag } = this.#options;
    const edges = taken.map((position) => new LazyEdge(position, codec, tag));
    const first = edges[0];
    const last = edges.at(-1);
    return {
      edges,
      pageInfo: {
        ...flags,
        get startCursor() {
          return first ? first.cursor : null;
        },
        get endCursor() {
          return last ? last.cursor : null;
        },
      },
    };
  }
}

/** Where the cursor's item sits in its re-read page: at its old index, wherever it moved to, or -1 (not there). */
function locate<T extends { id: string }>(page: ReadPage<T>, cursor: Cursor): number {
  const expected = cursor.page?.index ?? -1;
  if (page.items[expected]?.id === cursor.id) return expected;
  return page.items.findIndex((item) => item.id === cursor.id);
}

function beyondBudget(maxPages: number): FacadeError {
  return new FacadeError(
    'QUERY_TOO_COMPLEX',
    `The cursor's item lies beyond the ${maxPages} upstream pages one connection may read; start again from the end of the list with \`last\`.`,
  );
}

function staleCursor(): FacadeError {
  return badUserInput('The cursor points to an item that is no longer in this list; start again without it.');
}

/** A window's far end was never met: it is not on that side of the other cursor (or no longer in the list). */
function notInWindow(argument: 'after' | 'before'): FacadeError {
  return badUserInput(
    argument === 'before'
      ? "No item of this list between `after` (or the list's start) and its end is the one `before` points to; read the list again without it."
      : 'No item of this list between its start and `before` is the one `after` points to; read the list again without it.',
    { argument },
  );
}

function inconsistentList(why: string): UpstreamError {
  return new UpstreamError('UPSTREAM_UNAVAILABLE', 'The conversation service returned inconsistent pages.', {
    detail: `pagination stopped: ${why}`,
  });
}
