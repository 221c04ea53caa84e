// The pagination core in memory, no sockets: serveConnection over a token-paged list whose tokens
// are bound to their pageSize like the upstream's. Exact items, exact pageInfo, exact upstream
// reads; a property test walks random sequences of first/after, last/before and page sizes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConnectionArgs, type RawConnectionArgs } from '../../src/connections/args.ts';
import { CursorCodec, scopeTag, type Cursor } from '../../src/connections/cursor.ts';
import { serveConnection, standaloneEdge, type Connection } from '../../src/connections/index.ts';
import { classOf, firstPageOf, pagesMayRead } from '../../src/connections/plan.ts';
import { FacadeError } from '../../src/errors.ts';
import { MemoryList, type Item } from './memory-list.ts';

const codec = new CursorCodec('unit-secret');
const SCOPE = 'memory';
const TAG = scopeTag(SCOPE);

/** Async, so that arguments refused before any read reject like everything else. */
async function serve(list: MemoryList, args: RawConnectionArgs, maxPages = 20): Promise<Connection<Item>> {
  return serveConnection(args, { scope: SCOPE, read: list.read }, { codec, maxPages });
}

/** Serves a request and reports its item indexes, pageInfo and the upstream reads it made. */
async function page(list: MemoryList, args: RawConnectionArgs, maxPages = 20) {
  list.takeReads();
  const connection = await serve(list, args, maxPages);
  const reads = list.takeReads();
  return {
    indexes: connection.edges.map((edge) => list.indexOf(edge.node.id)),
    pageInfo: connection.pageInfo,
    startCursor: connection.pageInfo.startCursor,
    endCursor: connection.pageInfo.endCursor,
    /** Computed when asked (an HMAC each). */
    get cursors() {
      return connection.edges.map((edge) => edge.cursor);
    },
    reads,
  };
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** A signed cursor naming item `index` on a page read with `size`, as the paginator would have made it. */
function craftedCursor(
  list: MemoryList,
  index: number,
  size: number,
  position: { index: number; next?: boolean; previous?: boolean; offset?: number },
): string {
  const pageStart = index - position.index;
  const cursor: Cursor = {
    id: list.items[index]!.id,
    page: {
      size,
      token: pageStart === 0 ? null : list.token(size, 'next', pageStart - 1),
      index: position.index,
      offset: position.offset ?? index,
      ...(position.next ? { next: list.token(size, 'next', index) } : {}),
      ...(position.previous ? { previous: list.token(size, 'prev', index) } : {}),
    },
  };
  return codec.encode(TAG, cursor);
}

describe('page-size changes', () => {
  it('first: 1 then first: 30 reads one upstream page (a walk from the start), not 30', async () => {
    const list = new MemoryList(128);
    const one = await page(list, { first: 1 });
    const thirty = await page(list, { first: 30, after: one.endCursor });
    expect(thirty.indexes).toEqual(range(1, 31));
    expect(thirty.reads).toEqual([{ pageSize: 1000, pageToken: null }]);
    expect(thirty.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    // And on from there at the new size: one read per request.
    const next = await page(list, { first: 30, after: thirty.endCursor });
    expect(next.indexes).toEqual(range(31, 61));
    expect(next.reads).toHaveLength(1);
  });

  it('first: 10 then first: 50 reads one page, not five', async () => {
    const list = new MemoryList(128);
    const ten = await page(list, { first: 10 });
    const fifty = await page(list, { first: 50, after: ten.endCursor });
    expect(fifty.indexes).toEqual(range(10, 60));
    expect(fifty.reads).toHaveLength(1);
  });

  it('far into a long list the cursor’s own tokens win when they are cheaper than the walk from the start', async () => {
    const list = new MemoryList(5000);
    // A size-10 cursor at position 4009: 5 reads along its tokens, 5 from the start: tokens read fewer items.
    const after = craftedCursor(list, 4009, 10, { index: 9, next: true });
    const result = await page(list, { first: 50, after });
    expect(result.indexes).toEqual(range(4010, 4060));
    expect(result.reads).toHaveLength(5);
    expect(result.reads.every((read) => read.pageSize === 10)).toBe(true);
    // At position 1509 the walk from the start (2 reads of 1000) beats 5 reads of 10.
    const nearer = await page(list, { first: 50, after: craftedCursor(list, 1509, 10, { index: 9, next: true }) });
    expect(nearer.indexes).toEqual(range(1510, 1560));
    expect(nearer.reads).toEqual([
      { pageSize: 1000, pageToken: null },
      { pageSize: 1000, pageToken: expect.any(String) },
    ]);
  });

  it('last: 10 then last: 50 before a small page’s start walks from the start when that is cheaper', async () => {
    const list = new MemoryList(128);
    let current = await page(list, { first: 10 });
    for (let i = 0; i < 5; i++) current = await page(list, { first: 10, after: current.endCursor });
    const back = await page(list, { last: 50, before: current.startCursor });
    expect(back.indexes).toEqual(range(0, 50));
    expect(back.reads).toEqual([{ pageSize: 1000, pageToken: null }]);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
  });

  it('a request that needs more pages than the budget returns what it read, with exact pageInfo', async () => {
    const list = new MemoryList(3000);
    // A size-1 cursor at 2499: 30 reads along its tokens, 3 from the start; with a budget of 2, neither.
    const after = craftedCursor(list, 2499, 1, { index: 0, next: true });
    const within = await page(list, { first: 30, after }, 2);
    expect(within.indexes).toEqual([2500, 2501]);
    expect(within.reads).toHaveLength(2);
    expect(within.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const more = await page(list, { first: 30, after: within.endCursor }, 2);
    expect(more.indexes).toEqual([2502, 2503]);
    // A budget of 3 fits the walk from the start: all 30.
    const enough = await page(list, { first: 30, after }, 3);
    expect(enough.indexes).toEqual(range(2500, 2530));
    expect(enough.reads).toHaveLength(3);
  });

  it('`last` on a list longer than the budget: the last items the budget reached, and hasNextPage says there is more', async () => {
    const list = new MemoryList(3000);
    const result = await page(list, { last: 5 }, 2);
    expect(result.indexes).toEqual(range(1995, 2000));
    expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const rest = await page(list, { first: 1000, after: result.endCursor }, 2);
    expect(rest.indexes).toEqual(range(2000, 3000));
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});

describe('windows, stale cursors and cursors without a page', () => {
  it('`after` later than `before` is BAD_USER_INPUT before any read', async () => {
    const list = new MemoryList(40);
    const all = await page(list, { first: 40 });
    for (const args of [
      { first: 10, after: all.cursors[10], before: all.cursors[3] },
      { last: 10, after: all.cursors[10], before: all.cursors[3] },
      { first: 10, after: all.cursors[5], before: all.cursors[5] },
    ]) {
      list.takeReads();
      await expect(serve(list, args)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
      expect(list.takeReads()).toEqual([]);
    }
  });

  it('window ends whose positions went stale (the list changed): an error where the scan meets the list’s edge, not items outside', async () => {
    const list = new MemoryList(40);
    // Signed, but the positions are stale: item 3 claimed at 30, item 20 claimed at 2.
    const staleBefore = craftedCursor(list, 3, 40, { index: 3, offset: 30 });
    const staleAfter = craftedCursor(list, 20, 40, { index: 20, offset: 2 });
    const cursors = (await page(list, { first: 40 })).cursors;
    await expect(serve(list, { first: 100, after: cursors[10], before: staleBefore })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'before' },
    });
    await expect(serve(list, { last: 100, after: staleAfter, before: cursors[10] })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'after' },
    });
  });

  it('a cursor without a page (a mutation’s edge) is found by a walk from the start, within the budget', async () => {
    const list = new MemoryList(2500);
    const edge = standaloneEdge(list.items[1500]!, SCOPE, codec);
    const after = await page(list, { first: 3, after: edge.cursor });
    expect(after.indexes).toEqual([1501, 1502, 1503]);
    expect(after.reads).toHaveLength(2);
    const before = await page(list, { last: 3, before: edge.cursor });
    expect(before.indexes).toEqual([1497, 1498, 1499]);
    expect(before.reads).toHaveLength(2);
    // Back across a page boundary the walk's pages are reused: no read.
    const across = await page(list, { last: 600, before: edge.cursor });
    expect(across.indexes).toEqual(range(900, 1500));
    expect(across.reads).toHaveLength(2);
    await expect(serve(list, { first: 3, after: edge.cursor }, 1)).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
  });

  it('a cursor whose item left the list → BAD_USER_INPUT', async () => {
    const list = new MemoryList(30);
    const first = await page(list, { first: 5 });
    const middle = first.cursors[2]!;
    list.items.splice(2, 1);
    await expect(serve(list, { first: 2, after: middle })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

// --- the property: any walk, any sizes, no gap, no duplicate, exact pageInfo, honest cost ---

/** forward: first/after; backward: last/before; tail: last/after (the newest items after the page). */
type Step = { direction: 'forward' | 'backward' | 'tail'; size: number };

const sizeArbitrary = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 300 }), fc.integer({ min: 990, max: 1000 }));
const stepArbitrary = fc.record({
  direction: fc.constantFrom<Step['direction']>('forward', 'backward', 'forward', 'backward', 'tail'),
  size: sizeArbitrary,
});

/** What the cost model assumes for a request, from the cursors' classes (as query-limits prices it). */
function pricedPages(args: RawConnectionArgs, maxPages: number): number {
  const request = parseConnectionArgs(args, codec, TAG);
  return pagesMayRead(
    {
      direction: request.direction,
      count: request.count,
      ...(request.after ? { after: classOf(request.after) } : {}),
      ...(request.before ? { before: classOf(request.before) } : {}),
    },
    maxPages,
  );
}

describe('property: random sequences of first/after, last/before and sizes', () => {
  it('every page continues exactly where its cursor stood: no gap, no duplicate, exact pageInfo, reads within the price', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2600 }),
        fc.integer({ min: 1, max: 25 }),
        fc.array(stepArbitrary, { minLength: 1, maxLength: 14 }),
        async (length, maxPages, steps) => {
          const list = new MemoryList(length);
          let current: { first: number; last: number; startCursor: string | null; endCursor: string | null } | null = null;
          for (const { direction, size } of steps) {
            const anchored = current !== null && current.startCursor !== null;
            const args: RawConnectionArgs =
              direction === 'forward'
                ? { first: size, ...(anchored ? { after: current!.endCursor } : {}) }
                : direction === 'tail'
                  ? { last: size, ...(anchored ? { after: current!.endCursor } : {}) }
                  : { last: size, ...(anchored ? { before: current!.startCursor } : {}) };
            const expectedFirstRead = firstPageOf(parseConnectionArgs(args, codec, TAG), maxPages);
            const price = pricedPages(args, maxPages);
            const result = await page(list, args, maxPages);
            // The prefetch starts the same read the paginator makes first; the cost model's price bounds the reads.
            expect(result.reads[0] ?? null).toEqual(expectedFirstRead);
            expect(result.reads.length).toBeLessThanOrEqual(price);
            const { indexes, pageInfo } = result;
            expect(indexes.length).toBeLessThanOrEqual(size);
            expect(indexes).toEqual(indexes.length ? range(indexes[0]!, indexes[0]! + indexes.length) : []);
            if (direction === 'forward') {
              const from = anchored ? current!.last + 1 : 0;
              if (from < length) expect(indexes[0]).toBe(from);
              else expect(indexes).toEqual([]);
              const end = indexes.length ? indexes.at(-1)! : from - 1;
              expect(pageInfo.hasNextPage).toBe(end < length - 1);
              expect(pageInfo.hasPreviousPage).toBe(anchored);
            } else if (direction === 'tail' && anchored) {
              // The newest items after the page, as far as the budget reaches.
              if (indexes.length) expect(indexes[0]).toBeGreaterThan(current!.last);
              if (!pageInfo.hasNextPage) {
                expect(indexes).toEqual(range(Math.max(current!.last + 1, length - size), length));
              }
              expect(pageInfo.hasPreviousPage).toBe(true);
            } else {
              // `last` with no cursor walks to the end, as far as the budget of 1000-item pages reaches.
              const upTo = anchored ? current!.first : Math.min(length, maxPages * 1000);
              if (upTo > 0) expect(indexes.at(-1)).toBe(upTo - 1);
              else expect(indexes).toEqual([]);
              const start = indexes.length ? indexes[0]! : upTo;
              expect(pageInfo.hasPreviousPage).toBe(start > 0);
              expect(pageInfo.hasNextPage).toBe(anchored || upTo < length);
            }
            current = indexes.length
              ? { first: indexes[0]!, last: indexes.at(-1)!, startCursor: pageInfo.startCursor, endCursor: pageInfo.endCursor }
              : null;
          }
        },
      ),
      { numRuns: 200, seed: 20_250_224 },
    );
  });

  it('walking all the way in either direction with changing sizes reads every item once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1500 }),
        fc.array(sizeArbitrary, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (length, sizes, forward) => {
          const list = new MemoryList(length);
          const seen: number[] = [];
          let cursor: string | null = null;
          for (let step = 0; step < 3000; step++) {
            const size = sizes[step % sizes.length]!;
            const result = await page(list, forward ? { first: size, after: cursor } : { last: size, before: cursor }, 20);
            if (forward) seen.push(...result.indexes);
            else seen.unshift(...result.indexes);
            if (!(forward ? result.pageInfo.hasNextPage : result.pageInfo.hasPreviousPage)) break;
            cursor = forward ? result.endCursor : result.startCursor;
          }
          expect(seen).toEqual(range(0, length));
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});

it('errors are FacadeErrors with the contract’s codes', async () => {
  const list = new MemoryList(3);
  const error = await serve(list, { first: 0 }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(FacadeError);
});
