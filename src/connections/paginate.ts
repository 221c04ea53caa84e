// Serves a Relay connection from an upstream list that pages with opaque tokens.
//
// The upstream offers: the first page (no token) at any pageSize, and from any page its
// nextToken/previousToken, valid only with the pageSize that page was read with. So:
// - `first: N` with no cursor reads the first page at pageSize N; `first: N, after: endCursor`
//   follows that page's nextToken: one call, N items, as long as N stays the same.
// - `last: N, before: startCursor` follows the previousToken kept in the cursor: one call.
// - `last: N` with no `before` must find the list's end: it walks forward at the upstream's
//   largest pageSize and keeps the last N.
// - A cursor in the middle of an upstream page (a page read at another size, or the newest item
//   of a list that has grown) re-reads its own page; the request then stops at that page's edge
//   rather than spend a second call, so the next request starts on a page boundary again.
// Tokens are never sent with a pageSize other than the one they were issued for.
import { badUserInput, FacadeError } from '../errors.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamPage } from '../upstream/types.ts';
import type { ConnectionRequest } from './args.ts';
import { MAX_PAGE_SIZE } from './args.ts';
import type { Cursor, CursorCodec } from './cursor.ts';

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
  /** The most upstream pages one connection may read (a walk to the end of a long list). */
  maxPages: number;
}

/** Walks that only look for the end of the list or for an item by id read the largest pages. */
const WALK_PAGE_SIZE = MAX_PAGE_SIZE;

/** A page to read (and whether it is the cursor's own page, read again), or the page is unknown. */
type ReadPlan = { request: PageRequest; reread: boolean } | 'find-by-id';

/** Which upstream page holds the items right after a cursor: the next page, its own (re-read), or unknown. */
function readAfter(cursor: Cursor): ReadPlan {
  const position = cursor.page;
  if (position === null) return 'find-by-id';
  if (position.next !== undefined) return { request: { pageSize: position.size, pageToken: position.next }, reread: false };
  return { request: { pageSize: position.size, pageToken: position.token }, reread: true };
}

/** Which upstream page holds the items right before a cursor; 'nothing' when it began the list. */
function readBefore(cursor: Cursor): ReadPlan | 'nothing' {
  const position = cursor.page;
  if (position === null) return 'find-by-id';
  if (position.previous !== undefined) {
    return { request: { pageSize: position.size, pageToken: position.previous }, reread: false };
  }
  // The first item of a page with no previousToken: that page began the list.
  if (position.index === 0) return 'nothing';
  return { request: { pageSize: position.size, pageToken: position.token }, reread: true };
}

const walkFromStart: PageRequest = { pageSize: WALK_PAGE_SIZE, pageToken: null };

/**
 * The upstream page a connection request reads first (null: none). It depends on the arguments
 * alone, so a parent resolver can start it while the parent itself is still being fetched.
 */
export function firstPageOf(request: ConnectionRequest): PageRequest | null {
  const plan =
    request.direction === 'backward' && request.before
      ? readBefore(request.before)
      : request.after
        ? readAfter(request.after)
        : null;
  if (plan === null) return request.direction === 'forward' ? { pageSize: request.count, pageToken: null } : walkFromStart;
  if (plan === 'nothing') return null;
  return plan === 'find-by-id' ? walkFromStart : plan.request;
}

interface ReadPage<T> {
  items: T[];
  size: number;
  token: string | null;
  next: string | null;
  previous: string | null;
}

interface Positioned<T> {
  node: T;
  page: ReadPage<T>;
  index: number;
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
}

function cursorFor<T extends { id: string }>({ node, page, index }: Positioned<T>): Cursor {
  const position: Cursor['page'] = { size: page.size, token: page.token, index };
  if (index === page.items.length - 1 && page.next !== null) position.next = page.next;
  if (index === 0 && page.previous !== null) position.previous = page.previous;
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
    let { page, from, reread } = after
      ? await this.#pageAfter(after)
      : { page: await this.#read({ pageSize: count, pageToken: null }), from: 0, reread: false };
    const taken: Positioned<T>[] = [];
    let reachedBefore = false;
    for (;;) {
      for (let index = from; index < page.items.length && taken.length < count; index++) {
        const node = page.items[index]!;
        if (before && node.id === before.id) {
          reachedBefore = true;
          break;
        }
        taken.push(this.#positioned(node, page, index));
      }
      if (reachedBefore || taken.length === count || page.next === null || (reread && taken.length > 0)) break;
      page = await this.#read({ pageSize: page.size, pageToken: page.next });
      from = 0;
      reread = false;
    }
    const lastTaken = taken.at(-1);
    const moreInPage = lastTaken !== undefined && lastTaken.index < lastTaken.page.items.length - 1;
    return this.#connection(taken, {
      hasNextPage: reachedBefore || moreInPage || page.next !== null,
      hasPreviousPage: after !== undefined,
    });
  }

  /** `last: N` before `before`, stopping at `after`. */
  async #backward({ count, after }: ConnectionRequest, before: Cursor): Promise<Connection<T>> {
    const start = await this.#pageBefore(before);
    const taken: Positioned<T>[] = [];
    let reachedAfter = false;
    let earlierPages = false;
    if (start) {
      let { page, upTo, reread } = start;
      for (;;) {
        for (let index = upTo - 1; index >= 0 && taken.length < count; index--) {
          const node = page.items[index]!;
          if (after && node.id === after.id) {
            reachedAfter = true;
            break;
          }
          taken.push(this.#positioned(node, page, index));
        }
        if (reachedAfter || taken.length === count || page.previous === null || (reread && taken.length > 0)) break;
        page = await this.#read({ pageSize: page.size, pageToken: page.previous });
        upTo = page.items.length;
        reread = false;
      }
      earlierPages = page.previous !== null;
    }
    taken.reverse();
    const firstTaken = taken[0];
    const moreInPage = firstTaken !== undefined && firstTaken.index > 0;
    return this.#connection(taken, {
      hasNextPage: true,
      hasPreviousPage: reachedAfter || moreInPage || earlierPages,
    });
  }

  /** `last: N` with no `before`: walk forward (from `after` or the start) to the end, keep the last N. */
  async #lastOfList({ count, after }: ConnectionRequest): Promise<Connection<T>> {
    let { page, from } = after ? await this.#pageAfter(after) : { page: await this.#read(walkFromStart), from: 0 };
    let kept: Positioned<T>[] = [];
    let dropped = false;
    for (;;) {
      for (let index = from; index < page.items.length; index++) {
        kept.push(this.#positioned(page.items[index]!, page, index));
      }
      if (kept.length > count) {
        kept = kept.slice(-count);
        dropped = true;
      }
      if (page.next === null) break;
      page = await this.#read({ pageSize: page.size, pageToken: page.next });
      from = 0;
    }
    return this.#connection(kept, { hasNextPage: false, hasPreviousPage: dropped || after !== undefined });
  }

  /** The page holding the items right after `cursor`, and where in it they start. */
  async #pageAfter(cursor: Cursor): Promise<{ page: ReadPage<T>; from: number; reread: boolean }> {
    const plan = readAfter(cursor);
    if (plan === 'find-by-id') {
      const found = await this.#findById(cursor.id);
      return { page: found.page, from: found.index + 1, reread: true };
    }
    const page = await this.#read(plan.request);
    return { page, from: plan.reread ? locate(page, cursor) + 1 : 0, reread: plan.reread };
  }

  /** The page holding the items right before `cursor` and where they end; null when nothing precedes it. */
  async #pageBefore(cursor: Cursor): Promise<{ page: ReadPage<T>; upTo: number; reread: boolean } | null> {
    const plan = readBefore(cursor);
    if (plan === 'nothing') return null;
    if (plan === 'find-by-id') {
      const found = await this.#findById(cursor.id);
      return { page: found.page, upTo: found.index, reread: true };
    }
    const page = await this.#read(plan.request);
    return { page, upTo: plan.reread ? locate(page, cursor) : page.items.length, reread: plan.reread };
  }

  /** For cursors that carry no page (edges returned by mutations): walk from the start until the item. */
  async #findById(id: string): Promise<{ page: ReadPage<T>; index: number }> {
    let page = await this.#read(walkFromStart);
    for (;;) {
      const index = page.items.findIndex((item) => item.id === id);
      if (index >= 0) return { page, index };
      if (page.next === null) throw staleCursor();
      page = await this.#read({ pageSize: page.size, pageToken: page.next });
    }
  }

  async #read({ pageSize: size, pageToken: token }: PageRequest): Promise<ReadPage<T>> {
    if (this.#pagesRead >= this.#options.maxPages) {
      throw new FacadeError(
        'QUERY_TOO_COMPLEX',
        `This page of the list needs more than ${this.#options.maxPages} upstream pages; page through it with first/after instead.`,
      );
    }
    if (token !== null) {
      if (this.#seenTokens.has(token)) throw inconsistentList('a page token repeated');
      this.#seenTokens.add(token);
    }
    this.#pagesRead++;
    let page: UpstreamPage<T>;
    try {
      page = await this.#options.read({ pageSize: size, pageToken: token });
    } catch (error) {
      // The cursor was intact (it is signed), so the upstream no longer honours its token.
      if (token !== null && error instanceof UpstreamError && error.status === 400) {
        throw badUserInput('The cursor has expired; start again from the beginning or the end of the list.');
      }
      throw error;
    }
    return { items: page.items, size, token, next: page.nextToken, previous: page.previousToken };
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

/** Where the cursor's item sits in its re-read page: at its old index, or wherever it moved to. */
function locate<T extends { id: string }>(page: ReadPage<T>, cursor: Cursor): number {
  const expected = cursor.page?.index ?? -1;
  if (page.items[expected]?.id === cursor.id) return expected;
  const index = page.items.findIndex((item) => item.id === cursor.id);
  if (index < 0) throw staleCursor();
  return index;
}

function staleCursor(): FacadeError {
  return badUserInput('The cursor points to an item that is no longer in this list; start again without it.');
}

function inconsistentList(why: string): UpstreamError {
  return new UpstreamError('UPSTREAM_UNAVAILABLE', 'The conversation service returned inconsistent pages.', {
    detail: `pagination stopped: ${why}`,
  });
}
