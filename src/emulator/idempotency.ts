// Idempotency-Key replay. A create (or delete) retried with the same key by the same account gets the
// original status and body back for 24 hours, and nothing happens again. Reusing a key for a different
// request (other method, path or body) is a 409: the key is taken, and answering anything else would hide
// a client bug. Only successful answers are kept, so a request that failed validation or hit an injected
// fault can be retried with the same key. Keys are UUIDs and compare as UUIDs do (RFC 9562), whatever
// their case: an upper-case copy of a key is the same key.
import type { MonotonicClock } from './clock.ts';
import { ApiError } from './errors.ts';
import type { HttpReply } from './reply.ts';

const TTL_MS = 24 * 60 * 60 * 1000;

interface Saved {
  fingerprint: string;
  reply: HttpReply;
  expiresAt: number;
}

/** What makes two requests "the same": method, path, and the body with its keys in a fixed order. */
export function fingerprint(method: string, path: string, body: unknown): string {
  return `${method} ${path}\n${canonicalJson(body)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const storeKey = (username: string, key: string) => `${username}\n${key.toLowerCase()}`;

export class IdempotencyStore {
  readonly #clock: MonotonicClock;
  /** By username + key, in insertion order (which is also expiry order). */
  readonly #saved = new Map<string, Saved>();

  constructor(clock: MonotonicClock) {
    this.#clock = clock;
  }

  /** The original reply for this key, undefined for a new key, or a 409 if the key was used differently. */
  replay(username: string, key: string, print: string): HttpReply | undefined {
    const saved = this.#saved.get(storeKey(username, key));
    if (!saved || saved.expiresAt <= this.#clock.now()) return undefined;
    if (saved.fingerprint !== print) {
      throw new ApiError(409, `Conflict on parameter 'Idempotency-Key': it was already used with a different request`);
    }
    return { ...saved.reply, headers: { ...saved.reply.headers, 'idempotent-replayed': 'true' } };
  }

  save(username: string, key: string, print: string, reply: HttpReply): void {
    const now = this.#clock.now();
    for (const [id, saved] of this.#saved) {
      if (saved.expiresAt > now) break;
      this.#saved.delete(id);
    }
    const id = storeKey(username, key);
    this.#saved.delete(id);
    this.#saved.set(id, { fingerprint: print, reply, expiresAt: now + TTL_MS });
  }

  clear(): void {
    this.#saved.clear();
  }
}
