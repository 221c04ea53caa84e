// Keyset pagination with opaque, self-contained page tokens, so the emulator keeps no state about pages.
//
// A token names a boundary between two positions of the sorted list (just before or just after an item,
// or the list's start) and a direction: `next` = the pageSize items right after the boundary, `prev` =
// the pageSize items right before it. Items are ordered by (createdAt, id), so a boundary stays meaningful
// when items are added or removed. A token is HMAC-signed over its scope (account, list, filters) and the
// pageSize it was issued for; any other combination, or any edit, fails verification → 400.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidParameter } from './errors.ts';

/** What lists are sorted by: createdAt in milliseconds, then id. */
export interface SortKey {
  sortMs: number;
  id: string;
}

type Direction = 'next' | 'prev';

/** `key: null` is the start of the list; otherwise just after (`after`) or just before the keyed item. */
interface Boundary {
  key: SortKey | null;
  after: boolean;
}

interface Cursor {
  direction: Direction;
  boundary: Boundary;
}

export const LIST_START: Cursor = { direction: 'next', boundary: { key: null, after: false } };

export interface Page<T> {
  items: T[];
  nextToken?: string;
  previousToken?: string;
}

function compare(a: SortKey, b: SortKey): number {
  return a.sortMs - b.sortMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** How many items of the sorted list lie before the boundary (binary search). */
function indexOf(items: readonly SortKey[], boundary: Boundary): number {
  const key = boundary.key;
  if (key === null) return 0;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(items[mid]!, key);
    if (c < 0 || (c === 0 && boundary.after)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function anyMatch<T>(items: readonly T[], from: number, to: number, matches: (item: T) => boolean): boolean {
  for (let i = from; i < to; i++) if (matches(items[i]!)) return true;
  return false;
}

export class PageTokens {
  readonly #secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  issue(scope: string, pageSize: number, cursor: Cursor): string {
    const { key, after } = cursor.boundary;
    const payload = JSON.stringify([cursor.direction === 'next' ? 'n' : 'p', key ? [key.sortMs, key.id, after ? 1 : 0] : null]);
    const encoded = Buffer.from(payload).toString('base64url');
    return `${encoded}.${this.#sign(scope, pageSize, encoded)}`;
  }

  /** Throws a 400 unless the token was issued by this emulator for exactly this scope and pageSize. */
  read(scope: string, pageSize: number, token: string): Cursor {
    const [encoded, signature, extra] = token.split('.');
    const bad = invalidParameter('pageToken', 'is not a token this list issued for this pageSize and these filters');
    if (!encoded || !signature || extra !== undefined) throw bad;
    // Compared as text: base64 has several spellings of the same bytes, and only ours is valid.
    const expected = Buffer.from(this.#sign(scope, pageSize, encoded));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw bad;
    // Signed by us, so the payload has the shape issue() wrote.
    const [direction, key] = JSON.parse(Buffer.from(encoded, 'base64url').toString()) as ['n' | 'p', [number, string, 0 | 1] | null];
    return {
      direction: direction === 'n' ? 'next' : 'prev',
      boundary: key ? { key: { sortMs: key[0], id: key[1] }, after: key[2] === 1 } : { key: null, after: false },
    };
  }

  /**
   * One page of `items` (sorted by SortKey) restricted to those that `matches`, starting from `token`
   * or from the list's start. Tokens are present only when there is something in that direction.
   */
  page<T extends SortKey>(items: readonly T[], matches: (item: T) => boolean, scope: string, pageSize: number, token?: string): Page<T> {
    const cursor = token === undefined ? LIST_START : this.read(scope, pageSize, token);
    const at = indexOf(items, cursor.boundary);
    const picked: T[] = [];
    // [lo, hi) is the stretch of `items` this page covers, filtered-out items included.
    let lo = at;
    let hi = at;
    if (cursor.direction === 'next') {
      while (hi < items.length && picked.length < pageSize) {
        const item = items[hi++]!;
        if (matches(item)) picked.push(item);
      }
    } else {
      while (lo > 0 && picked.length < pageSize) {
        const item = items[--lo]!;
        if (matches(item)) picked.push(item);
      }
      picked.reverse();
    }
    const first = picked[0];
    const last = picked[picked.length - 1];
    const page: Page<T> = { items: picked };
    if (anyMatch(items, hi, items.length, matches)) {
      const boundary = last ? { key: last, after: true } : cursor.boundary;
      page.nextToken = this.issue(scope, pageSize, { direction: 'next', boundary });
    }
    if (anyMatch(items, 0, lo, matches)) {
      const boundary = first ? { key: first, after: false } : cursor.boundary;
      page.previousToken = this.issue(scope, pageSize, { direction: 'prev', boundary });
    }
    return page;
  }

  #sign(scope: string, pageSize: number, encodedPayload: string): string {
    return createHmac('sha256', this.#secret)
      .update(`${scope}\n${pageSize}\n${encodedPayload}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }
}
