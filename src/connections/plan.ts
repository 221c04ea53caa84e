// Which upstream pages a connection request reads, decided from its arguments alone (no I/O), so
// that the paginator, the prefetch (which starts the first read early) and the cost model (which
// prices the reads before execution) agree.
//
// A cursor can be continued two ways: along its own page tokens (valid only with the pageSize its
// page was read with), or by a walk from the list's start at the largest pageSize, which reaches
// its item in floor(position / 1000) + 1 calls. When the request's size matches the cursor's, its
// tokens cost one call; after a size change the walk is often cheaper (`first: 1` then `first: 30`:
// 30 calls along the size-1 tokens, 1 from the start). The plan is the one with the fewest calls;
// on a tie, the one that returns more items, then the one that reads fewer.
import { MAX_PAGE_SIZE, type PageRequest } from '../upstream/api.ts';
import type { ConnectionRequest } from './args.ts';
import type { Cursor, PagePosition } from './cursor.ts';

/** Walks from the start (to find the end, or an item) read the largest pages. */
export const WALK_PAGE_SIZE = MAX_PAGE_SIZE;

export const walkFromStart: PageRequest = { pageSize: WALK_PAGE_SIZE, pageToken: null };

/** How a request starts reading, relative to its cursor. */
export type Start =
  /** The list's first page at the request's size (no cursor). */
  | { kind: 'list-start'; request: PageRequest }
  /** The page after (or before) the cursor's page, by the token its page returned. */
  | { kind: 'next' | 'previous'; request: PageRequest }
  /** The cursor's own page again: the request then stops at that page's edge rather than spend a call. */
  | { kind: 'reread'; request: PageRequest }
  /** From the list's start at the largest size, up to the cursor's item (or to the end). */
  | { kind: 'walk'; request: PageRequest }
  /** Nothing precedes the cursor: no read at all. */
  | { kind: 'nothing' };

/** A start that reads. */
export type ReadingStart = Exclude<Start, { kind: 'nothing' }>;

interface Option {
  start: ReadingStart;
  /** Upstream calls to serve the request in full (an upper bound for walks to an unknown end). */
  pages: number;
  /** Items it returns, as far as the cursor tells (a reread stops at its page's edge). */
  items: number;
  /** Items it returns within `budget` calls. */
  itemsWithin(budget: number): number;
}

const walkStart: ReadingStart = { kind: 'walk', request: walkFromStart };

function tokenRequest(page: PagePosition, token: string | null): PageRequest {
  return { pageSize: page.size, pageToken: token };
}

/** Forward from the cursor: along its tokens, or a walk from the start to its position. */
function forwardOptions(page: PagePosition, count: number): Option[] {
  const left = page.size - 1 - page.index;
  const alongTokens: Option =
    page.next !== undefined
      ? {
          start: { kind: 'next', request: tokenRequest(page, page.next) },
          pages: Math.ceil(count / page.size),
          items: count,
          itemsWithin: (budget) => Math.min(count, budget * page.size),
        }
      : left > 0
        ? {
            start: { kind: 'reread', request: tokenRequest(page, page.token) },
            pages: 1,
            items: Math.min(count, left),
            itemsWithin: () => Math.min(count, left),
          }
        : {
            // Its page's last item when the page ended the list: re-read it, then follow on.
            start: { kind: 'reread', request: tokenRequest(page, page.token) },
            pages: 1 + Math.ceil(count / page.size),
            items: count,
            itemsWithin: (budget) => Math.min(count, (budget - 1) * page.size),
          };
  const fromStart: Option = {
    start: walkStart,
    pages: Math.floor((page.offset + count) / WALK_PAGE_SIZE) + 1,
    items: count,
    itemsWithin: (budget) => Math.max(0, Math.min(count, budget * WALK_PAGE_SIZE - page.offset - 1)),
  };
  return [alongTokens, fromStart];
}

/** Backward from the cursor: along its tokens, or a walk from the start to its position. */
function backwardOptions(page: PagePosition, count: number): Option[] {
  const alongTokens: Option =
    page.index > 0
      ? {
          start: { kind: 'reread', request: tokenRequest(page, page.token) },
          pages: 1,
          items: Math.min(count, page.index),
          itemsWithin: () => Math.min(count, page.index),
        }
      : {
          start: { kind: 'previous', request: tokenRequest(page, page.previous ?? null) },
          pages: Math.ceil(count / page.size),
          items: count,
          itemsWithin: (budget) => Math.min(count, budget * page.size),
        };
  const fromStart: Option = {
    start: walkStart,
    pages: Math.floor(page.offset / WALK_PAGE_SIZE) + 1,
    items: Math.min(count, page.offset),
    itemsWithin: (budget) => (Math.floor(page.offset / WALK_PAGE_SIZE) < budget ? Math.min(count, page.offset) : 0),
  };
  return [alongTokens, fromStart];
}

/** The fewest calls within the budget; then more items; then fewer items read (tokens read ≤ 1000 a page). */
function cheapest([alongTokens, fromStart]: Option[], budget: number): Option {
  const fits = (option: Option) => option.pages <= budget;
  if (!fits(alongTokens!) && !fits(fromStart!)) {
    return fromStart!.itemsWithin(budget) > alongTokens!.itemsWithin(budget) ? fromStart! : alongTokens!;
  }
  if (!fits(alongTokens!)) return fromStart!;
  if (!fits(fromStart!)) return alongTokens!;
  if (fromStart!.pages !== alongTokens!.pages) return fromStart!.pages < alongTokens!.pages ? fromStart! : alongTokens!;
  return fromStart!.items > alongTokens!.items ? fromStart! : alongTokens!;
}

/** Where `first: count` after `cursor` starts reading. */
export function startAfter(cursor: Cursor, count: number, budget: number): ReadingStart {
  return cursor.page === null ? walkStart : cheapest(forwardOptions(cursor.page, count), budget).start;
}

/** Where `last: count` before `cursor` starts reading. */
export function startBefore(cursor: Cursor, count: number, budget: number): Start {
  const page = cursor.page;
  if (page === null) return walkStart;
  // The first item of a page with no previousToken: that page began the list.
  if (page.index === 0 && page.previous === undefined) return { kind: 'nothing' };
  return cheapest(backwardOptions(page, count), budget).start;
}

/**
 * Where a walk to the end of the list (`last` without `before`) starts after `cursor`. The end is
 * unknown, so the cursor's own tokens are kept unless its pages are small and the walk from the
 * start reaches it in the one call its tokens would spend anyway.
 */
export function startOfWalkAfter(cursor: Cursor): ReadingStart {
  const page = cursor.page;
  if (page === null || (page.size < WALK_PAGE_SIZE && page.offset < WALK_PAGE_SIZE)) return walkStart;
  return page.next !== undefined
    ? { kind: 'next', request: tokenRequest(page, page.next) }
    : { kind: 'reread', request: tokenRequest(page, page.token) };
}

/** Where a request starts reading. */
export function startOf(request: ConnectionRequest, budget: number): Start {
  const { direction, count, after, before } = request;
  if (direction === 'forward') {
    return after ? startAfter(after, count, budget) : { kind: 'list-start', request: { pageSize: count, pageToken: null } };
  }
  if (before) return startBefore(before, count, budget);
  return after ? startOfWalkAfter(after) : walkStart;
}

/**
 * The upstream page a connection request reads first (null: none). It depends on the arguments
 * alone, so a parent resolver can start it while the parent itself is still being fetched.
 */
export function firstPageOf(request: ConnectionRequest, budget: number): PageRequest | null {
  const start = startOf(request, budget);
  return start.kind === 'nothing' ? null : start.request;
}

/**
 * What the cost model knows of a cursor: enough to bound the calls any plan above makes from it,
 * and coarse enough (its position by the thousand) that consecutive pages share a cost verdict.
 */
export type CursorClass = 'no-page' | { size: number; next: boolean; previous: boolean; first: boolean; last: boolean; thousands: number };

export function classOf(cursor: Cursor): CursorClass {
  const page = cursor.page;
  if (page === null) return 'no-page';
  return {
    size: page.size,
    next: page.next !== undefined,
    previous: page.previous !== undefined,
    first: page.index === 0,
    last: page.index === page.size - 1,
    thousands: Math.floor(page.offset / WALK_PAGE_SIZE),
  };
}

/** A cost-cache key for a cursor class. */
export function describeClass(cursorClass: CursorClass): string {
  if (cursorClass === 'no-page') return 'c:none';
  const { size, next, previous, first, last, thousands } = cursorClass;
  return `c:${size}${next ? 'n' : ''}${previous ? 'p' : ''}${first ? 'f' : ''}${last ? 'l' : ''}@${thousands}`;
}

/**
 * The most upstream calls a request may make, capped by the budget: an upper bound of what the
 * paginator does, from the cursors' classes alone. A walk to an unknown end or item counts the
 * whole budget; a walk from the start to a known position counts the pages up to it, plus the
 * one its window may spill into.
 */
export function pagesMayRead(
  request: { direction: ConnectionRequest['direction']; count: number; after?: CursorClass; before?: CursorClass },
  budget: number,
): number {
  const { direction, count, after, before } = request;
  let pages: number;
  if (direction === 'forward') {
    if (after === undefined) pages = 1;
    else if (after === 'no-page') pages = budget;
    else {
      const alongTokens = after.next ? Math.ceil(count / after.size) : after.last ? 1 + Math.ceil(count / after.size) : 1;
      pages = Math.min(alongTokens, after.thousands + 2);
    }
  } else if (before === undefined || before === 'no-page') pages = budget;
  else if (before.first && !before.previous) pages = 1;
  else pages = Math.min(before.first ? Math.ceil(count / before.size) : 1, before.thousands + 1);
  return Math.max(1, Math.min(pages, budget));
}
