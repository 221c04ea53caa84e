// Issue 11 item 2: a cursor whose page no longer holds its item (items landed before it, or its
// position was a prediction, as the first live cursors were) continues with a walk from the start
// by id, never BAD_USER_INPUT; only an item that left the list is refused. In memory, exact reads.
import { describe, expect, it } from 'vitest';
import { CursorCodec, scopeTag, type Cursor } from '../../src/connections/cursor.ts';
import { serveConnection } from '../../src/connections/index.ts';
import { MemoryList } from './memory-list.ts';

const codec = new CursorCodec('unit-secret');
const SCOPE = 'memory';
const TAG = scopeTag(SCOPE);

/** A signed cursor naming item `index`, but claiming it sits at `claimed.index` of the page `claimed` describes. */
function misplacedCursor(list: MemoryList, index: number, claimed: { size: number; pageStart: number; index: number }): string {
  const cursor: Cursor = {
    id: list.items[index]!.id,
    page: {
      size: claimed.size,
      token: claimed.pageStart === 0 ? null : list.token(claimed.size, 'next', claimed.pageStart - 1),
      index: claimed.index,
      offset: claimed.pageStart + claimed.index,
    },
  };
  return codec.encode(TAG, cursor);
}

async function serve(list: MemoryList, args: { first?: number; last?: number; after?: string; before?: string }, maxPages = 20) {
  list.takeReads();
  const connection = await serveConnection(args, { scope: SCOPE, read: list.read }, { codec, maxPages });
  return { ids: connection.edges.map((edge) => list.indexOf(edge.node.id)), pageInfo: connection.pageInfo, reads: list.takeReads() };
}

describe('a cursor whose item is no longer on its page', () => {
  it('first/after: the item is found by a walk from the start; what follows it comes back, no error', async () => {
    const list = new MemoryList(40);
    // Item 12 claimed at index 3 of the size-10 page holding items 20–29.
    const after = misplacedCursor(list, 12, { size: 10, pageStart: 20, index: 3 });
    const result = await serve(list, { first: 5, after });
    expect(result.ids).toEqual([13, 14, 15, 16, 17]);
    expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    // Its own page re-read (the item is not there), then the walk's one page of 1000.
    expect(result.reads).toEqual([
      { pageSize: 10, pageToken: expect.any(String) },
      { pageSize: 1000, pageToken: null },
    ]);
  });

  it('a prediction past a full page (the live cursors’ old bug): the list’s first page of 1000 read once, not twice', async () => {
    const list = new MemoryList(30);
    // Predicted at index 10 of the list's first page of 1000, but 6 unseen items landed first: it is at 16.
    const after = misplacedCursor(list, 16, { size: 1000, pageStart: 0, index: 10 });
    const result = await serve(list, { first: 100, after });
    expect(result.ids).toEqual(Array.from({ length: 13 }, (_, i) => 17 + i));
    expect(result.reads).toEqual([{ pageSize: 1000, pageToken: null }]);
    // And on a page that is not the list's first: its page, then the walk.
    const later = new MemoryList(2300);
    const misplaced = misplacedCursor(later, 2100, { size: 1000, pageStart: 1000, index: 999 });
    const next = await serve(later, { first: 5, after: misplaced });
    expect(next.ids).toEqual([2101, 2102, 2103, 2104, 2105]);
    // Its page (items 1000–1999), then the walk: the start, its page again from memory, the third.
    expect(next.reads).toEqual([
      { pageSize: 1000, pageToken: expect.any(String) },
      { pageSize: 1000, pageToken: null },
      { pageSize: 1000, pageToken: expect.any(String) },
    ]);
    expect(next.reads[2]!.pageToken).not.toBe(next.reads[0]!.pageToken);
  });

  it('last/before: the same walk, then the items before it', async () => {
    const list = new MemoryList(40);
    const before = misplacedCursor(list, 25, { size: 10, pageStart: 10, index: 4 });
    const result = await serve(list, { last: 3, before });
    expect(result.ids).toEqual([22, 23, 24]);
  });

  it('an item that left the list is still BAD_USER_INPUT; beyond the page budget, QUERY_TOO_COMPLEX', async () => {
    const list = new MemoryList(40);
    const gone = misplacedCursor(list, 12, { size: 10, pageStart: 20, index: 3 });
    list.items.splice(12, 1);
    await expect(serve(list, { first: 5, after: gone })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const fresh = new MemoryList(40);
    const misplaced = misplacedCursor(fresh, 12, { size: 10, pageStart: 20, index: 3 });
    await expect(serve(fresh, { first: 5, after: misplaced }, 1)).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COMPLEX' } });
  });
});
