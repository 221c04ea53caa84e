// HTTP Basic authentication as the emulator plays it: usernames are Account SIDs (AC + 32 hex) or API
// keys (SK + 32 hex). The demo account opens only with its token; any other username is trusted with the
// first password it uses and refuses any other afterwards, so tests get separate accounts for free.
// The trusted accounts are bounded (DEFAULT_MAX_ACCOUNTS, each a fixed-size digest): beyond, a new
// username is refused, so a stream of made-up usernames cannot grow the process without end, while
// every account already in use (and the demo account, never counted) keeps working.
// Each account's password is also its auth token for signing status callbacks (webhooks.ts), kept
// as an HMAC-SHA1 key of at most 64 bytes (see signingKeyOf).
import { createHash } from 'node:crypto';
import { ApiError } from './errors.ts';

/** First-use accounts trusted at once, until a reset. Tests use a handful per emulator. */
export const DEFAULT_MAX_ACCOUNTS = 10_000;

const USERNAME = /^(AC|SK)([0-9a-fA-F]{32})$/;

export interface Caller {
  /** Whose data this is (see store.ts). */
  username: string;
  /** What bodies show as accountId: the username, or for an API key the AC SID with the same hex. */
  accountId: string;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Throws a TypeError for a username that is neither an Account SID nor an API key. */
export function callerFor(username: string): Caller {
  const match = USERNAME.exec(username);
  if (!match) throw new TypeError(`Not an Account SID or API key SID: ${username}`);
  return { username, accountId: `AC${match[2]}` };
}

/** The username of a Basic Authorization header, for the request log; null when there is none. */
export function usernameOf(header: string | undefined): string | null {
  return decode(header)?.username ?? null;
}

function decode(header: string | undefined): { username: string; password: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const text = Buffer.from(match[1]!, 'base64').toString();
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function unauthorized(message: string): ApiError {
  return new ApiError(401, `Authentication Error - ${message}`, { 'www-authenticate': 'Basic realm="Twilio API"' });
}

export class Accounts {
  readonly #demoSid: string;
  readonly #demoToken: string;
  readonly #maxAccounts: number;
  /** username → SHA-256 of its first password: the same few bytes whatever the password's length. */
  readonly #passwordDigests = new Map<string, string>();
  /** username → the key that signs its status callbacks: what Twilio signs with, the account's auth token. */
  readonly #signingKeys = new Map<string, SigningKey>();

  constructor(demoSid: string, demoToken: string, maxAccounts = DEFAULT_MAX_ACCOUNTS) {
    if (!(Number.isInteger(maxAccounts) && maxAccounts >= 0)) throw new TypeError('maxAccounts must be a whole number of at least 0');
    this.#demoSid = demoSid;
    this.#demoToken = demoToken;
    this.#maxAccounts = maxAccounts;
  }

  /** The caller behind an Authorization header, or a 401 (Twilio code 20003). */
  authenticate(header: string | undefined): Caller {
    const credentials = decode(header);
    if (!credentials) throw unauthorized('No credentials provided');
    const { username, password } = credentials;
    if (!USERNAME.test(username)) throw unauthorized('invalid username: expected AC or SK followed by 32 hex digits');
    if (password === '') throw unauthorized('invalid username or password');
    if (username === this.#demoSid) {
      if (password !== this.#demoToken) throw unauthorized('invalid username or password');
      return callerFor(username);
    }
    const digest = createHash('sha256').update(password).digest('base64');
    const expected = this.#passwordDigests.get(username);
    if (expected === undefined) {
      if (this.#passwordDigests.size >= this.#maxAccounts) {
        throw unauthorized(`this emulator already trusts ${this.#maxAccounts} accounts; use one of them or reset it`);
      }
      this.#passwordDigests.set(username, digest);
      this.#signingKeys.set(username, signingKeyOf(password));
    } else if (expected !== digest) throw unauthorized('invalid username or password');
    return callerFor(username);
  }

  /**
   * The auth token that signs this username's status callbacks: the demo token for the demo account,
   * the first password used for any other; undefined for a username that never authenticated.
   */
  signingKey(username: string): SigningKey | undefined {
    return username === this.#demoSid ? signingKeyOf(this.#demoToken) : this.#signingKeys.get(username);
  }

  /** How many first-use accounts are trusted (the demo account is not counted). */
  get size(): number {
    return this.#passwordDigests.size;
  }

  /** Forgets every first-use password (the demo token stays). */
  reset(): void {
    this.#passwordDigests.clear();
    this.#signingKeys.clear();
  }
}

/** An HMAC-SHA1 key: the token itself, or for a token longer than SHA-1's 64-byte block its SHA-1 digest. */
export type SigningKey = string | Buffer;

/**
 * HMAC hashes a key longer than the hash's block (64 bytes for SHA-1) before use, so the SHA-1 digest of
 * a long token signs exactly as the token does: every account's key costs at most 64 bytes, however
 * long its password.
 */
export function signingKeyOf(token: string): SigningKey {
  return Buffer.byteLength(token) > 64 ? createHash('sha1').update(token).digest() : token;
}
