// Relay cursors. A cursor names one item's place in the upstream's token-paged list: the page it
// was read on (that page's token and pageSize), its index there, its absolute position in the list
// (so a later request may choose to walk from the start instead of following small pages), and
// on a page's first/last item the upstream token that continues past it. Cursors are opaque
// (base64url), versioned, bound to one list (its scope: which connection, which parent, which
// filters) and signed, so a tampered or foreign cursor is refused before anything is sent upstream.
// Only the exact text encode() wrote decodes: base64url decoders skip characters they do not
// know, so the text is matched against a strict pattern first and the signature compared as text.
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { badUserInput } from '../errors.ts';
import { MAX_PAGE_SIZE } from '../upstream/api.ts';

export interface PagePosition {
  /** The pageSize the page was read with: its tokens are only valid with this size. */
  size: number;
  /** The token that read the page; null for the list's first page. */
  token: string | null;
  index: number;
  /** The item's position in the whole list (0 = first) when it was read: a hint, the id decides. */
  offset: number;
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

const VERSION = 2;
const MAX_CURSOR_LENGTH = 4096;
const MAC_BYTES = 12;
/** base64url body, one dot, and exactly the 16 characters of a 12-byte signature. */
const CANONICAL = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/;

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
  offset: number | null,
];

/** A well-formed cursor text's payload (signature NOT checked), 'earlier-version', or null for anything else. */
function readPayload(text: string): Payload | 'earlier-version' | null {
  if (text.length > MAX_CURSOR_LENGTH || !CANONICAL.test(text)) return null;
  const body = text.slice(0, text.indexOf('.'));
  const bytes = Buffer.from(body, 'base64url');
  // A body with stray low bits in its last character decodes to the same bytes: not ours.
  if (bytes.toString('base64url') !== body) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (Array.isArray(payload) && Number.isInteger(payload[0]) && payload[0] >= 1 && payload[0] < VERSION) return 'earlier-version';
  return isPayload(payload) ? payload : null;
}

function toCursor(payload: Payload): Cursor {
  const [, , id, size, token, index, next, previous, offset] = payload;
  if (size === 0 || offset === null) return { id, page: null };
  const page: PagePosition = { size, token, index, offset };
  if (next !== null) page.next = next;
  if (previous !== null) page.previous = previous;
  return { id, page };
}

/**
 * What a cursor text claims, without checking its signature (callers that act on a cursor use
 * CursorCodec.decode). The cost model prices a request from this alone, so that its verdict
 * depends on nothing a cache key leaves out; a forged claim is refused before execution anyway.
 */
export function peekCursor(text: string): Cursor | null {
  const payload = readPayload(text);
  return Array.isArray(payload) ? toCursor(payload) : null;
}

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
      ? [VERSION, tag, cursor.id, page.size, page.token, page.index, page.next ?? null, page.previous ?? null, page.offset]
      : [VERSION, tag, cursor.id, 0, null, 0, null, null, null];
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /**
   * Throws BAD_USER_INPUT for anything but an intact cursor of this API, and, when `tag` is
   * given, of this same list. `tag` null checks everything but the list (its parent is not known
   * yet, e.g. before execution under `conversations { edges { node { … } } }`).
   */
  decode(tag: string | null, text: string, argument: string): Cursor {
    const invalid = (why: string) => badUserInput(`Invalid cursor in \`${argument}\`: ${why}.`, { argument });
    const altered = () => invalid('it is not a cursor of this API, or it was altered');
    const payload = readPayload(text);
    if (payload === null) throw altered();
    // Well-formed, so exactly one dot and a 16-character signature: compared as text.
    const dot = text.indexOf('.');
    const given = Buffer.from(text.slice(dot + 1));
    const expected = Buffer.from(this.#mac(text.slice(0, dot)));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw altered();
    if (payload === 'earlier-version') {
      throw invalid('it was issued by an earlier version of this API; read the list again without a cursor');
    }
    if (tag !== null && payload[1] !== tag) {
      throw invalid('it belongs to a different list (another parent or other filters)');
    }
    return toCursor(payload);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}

function isPayload(value: unknown): value is Payload {
  if (!Array.isArray(value) || value.length !== 9) return false;
  const [version, tag, id, size, token, index, next, previous, offset] = value as unknown[];
  const optionalString = (v: unknown) => v === null || (typeof v === 'string' && v.length > 0);
  const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  if (version !== VERSION || typeof tag !== 'string' || typeof id !== 'string' || id.length === 0) return false;
  if (!isCount(size) || size > MAX_PAGE_SIZE || !isCount(index)) return false;
  if (!optionalString(token) || !optionalString(next) || !optionalString(previous)) return false;
  // A cursor with no page (size 0) carries nothing else; one with a page knows its place in it.
  if (size === 0) return token === null && index === 0 && next === null && previous === null && offset === null;
  return index < size && isCount(offset) && offset >= index;
}
