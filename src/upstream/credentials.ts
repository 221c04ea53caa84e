// Upstream credentials: HTTP Basic, either held by the server (from the environment) or sent by
// the caller on each request. Everything cached for one credential is keyed by `key`, so nothing
// read with one credential is ever served to another.
import { createHash } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
  /** A one-way digest of the pair: safe to use as a cache key or to log, reveals nothing. */
  key: string;
  /** The header value sent upstream. */
  authorization: string;
}

export function makeCredentials(username: string, password: string): Credentials {
  const key = createHash('sha256').update(`${username}\u0000${password}`).digest('base64url').slice(0, 22);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return { username, password, key, authorization };
}

/**
 * Reads `Authorization: Basic …`. Returns undefined when there is no Basic header, null when
 * there is one but it is malformed (the caller gets UNAUTHENTICATED rather than the server's
 * own credentials).
 */
export function parseBasicAuthorization(header: string | null | undefined): Credentials | null | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return /^Basic\b/i.test(header) ? null : undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username.length > 256 || password.length > 512 || hasControlCharacter(decoded)) return null;
  return makeCredentials(username, password);
}

/** C0 control characters (U+0000–U+001F) never belong in a credential. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}
