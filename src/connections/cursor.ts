// Relay cursors. A cursor names one item's place in the upstream's token-paged list: the page it
// was read on (that page's token and pageSize), its index there, and on a page's first/last item
// the upstream token that continues past it. Cursors are opaque (base64url), versioned, bound to
// one list (its scope: which connection, which parent, which filters) and signed, so a tampered
// or foreign cursor is refused before anything is sent upstream.
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { badUserInput } from '../errors.ts';

export interface PagePosition {
  /** The pageSize the page was read with: its tokens are only valid with this size. */
  size: number;
  /** The token that read the page; null for the list's first page. */
  token: string | null;
  index: number;
  /** The page's nextToken, kept on its last item only. */
  next?: string;
  /** The page's previousToken, kept on its first item only. */
  previous?: string;
}

export interface Cursor {
  id: string;
  /** Null when the item's page is unknown (an edge returned by a mutation): found by id when used. */
  page: PagePosition | null;
}

const VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;
const MAC_BYTES = 12;

/** A short, stable tag of a list's identity; a cursor carries it and must match where it is used. */
export function scopeTag(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 10);
}

type Payload = [
  version: number,
  scope: string,
  id: string,
  size: number,
  token: string | null,
  index: number,
  next: string | null,
  previous: string | null,
];

export class CursorCodec {
  // A KeyObject, not a Buffer: Node imports a raw key on every createHmac call, which cost ~30 µs
  // per cursor against ~7 µs with the key imported once (a page of 50 edges makes 50 cursors).
  readonly #key: KeyObject;

  constructor(secret: string) {
    this.#key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  encode(tag: string, cursor: Cursor): string {
    const { page } = cursor;
    const payload: Payload = page
      ? [VERSION, tag, cursor.id, page.size, page.token, page.index, page.next ?? null, page.previous ?? null]
      : [VERSION, tag, cursor.id, 0, null, 0, null, null];
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /** Throws BAD_USER_INPUT for anything but an intact cursor of this same list. */
  decode(tag: string, text: string, argument: string): Cursor {
    const invalid = (why: string) => badUserInput(`Invalid cursor in \`${argument}\`: ${why}.`, { argument });
    if (text.length === 0 || text.length > MAX_CURSOR_LENGTH) throw invalid('it is not a cursor of this API');
    const dot = text.indexOf('.');
    const body = text.slice(0, dot);
    const mac = Buffer.from(text.slice(dot + 1), 'base64url');
    const expected = this.#mac(body);
    if (dot <= 0 || mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
      throw invalid('it is not a cursor of this API, or it was altered');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalid('it is not a cursor of this API');
    }
    if (!isPayload(payload)) throw invalid('it is not a cursor of this API');
    const [, cursorTag, id, size, token, index, next, previous] = payload;
    if (cursorTag !== tag) throw invalid('it belongs to a different list (another parent or other filters)');
    if (size === 0) return { id, page: null };
    const page: PagePosition = { size, token, index };
    if (next !== null) page.next = next;
    if (previous !== null) page.previous = previous;
    return { id, page };
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES);
  }
}

function isPayload(value: unknown): value is Payload {
  if (!Array.isArray(value) || value.length !== 8) return false;
  const [version, tag, id, size, token, index, next, previous] = value as unknown[];
  const optionalString = (v: unknown) => v === null || (typeof v === 'string' && v.length > 0);
  return (
    version === VERSION &&
    typeof tag === 'string' &&
    typeof id === 'string' &&
    id.length > 0 &&
    Number.isInteger(size) &&
    (size as number) >= 0 &&
    (size as number) <= 1000 &&
    optionalString(token) &&
    Number.isInteger(index) &&
    (index as number) >= 0 &&
    (index as number) < Math.max(1, size as number) &&
    optionalString(next) &&
    optionalString(previous)
  );
}
