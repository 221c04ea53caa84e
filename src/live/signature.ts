// Twilio's webhook signature, checked the way Twilio's own helper library checks it
// (twilio/lib/webhooks: validateRequestWithBody), without depending on that library at run time.
// For a JSON body Twilio appends `bodySHA256` (the hex SHA-256 of the raw body) to the URL it
// posts to, and signs that full URL: X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL)).
// The URL is the one the operator configured, which the caller passes in (PUBLIC_URL, never the
// request's Host header): a signature made for another URL never verifies here.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';

export type SignatureFailure = 'missing_signature' | 'missing_body_hash' | 'signature_mismatch' | 'body_hash_mismatch';

export type SignatureVerdict = { ok: true; authToken: string } | { ok: false; reason: SignatureFailure };

/** The hex SHA-256 of the raw body, as Twilio puts it in `bodySHA256`. */
export function bodySha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** X-Twilio-Signature for a URL that carries `bodySHA256` (a JSON body: no form parameters are appended). */
export function twilioSignature(authToken: string, url: string): string {
  return createHmac('sha1', authToken).update(Buffer.from(url, 'utf8')).digest('base64');
}

/** Equal bytes, in time that does not depend on where they differ (lengths are not secret: fixed by the algorithms). */
function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  port: string;
  rest: string;
}

/** A URL split without normalising it, so the path and query keep the characters Twilio signed. */
function splitUrl(url: string): UrlParts | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon starts the port only after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function withDefaultPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function withoutPort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

/** The query re-encoded as Node's legacy `querystring` does (some back ends signed that form). */
function withLegacyQuery(url: string): string {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return url;
  return `${url.slice(0, start)}?${stringifyLegacyQuery(parseLegacyQuery(url.slice(start + 1)))}`;
}

/**
 * The spellings of one URL that Twilio's helper accepts, in its order: as received without and
 * with the port (Twilio may sign either), then as WHATWG-normalised, also with the legacy query.
 */
export function signedUrlCandidates(url: string): string[] {
  const candidates = [withoutPort(url), withDefaultPort(url)];
  let normalized: string | undefined;
  try {
    normalized = new URL(url).toString();
  } catch {
    normalized = undefined;
  }
  if (normalized !== undefined) {
    const bare = withoutPort(normalized);
    const ported = withDefaultPort(normalized);
    candidates.push(bare, ported, withLegacyQuery(bare), withLegacyQuery(ported));
  }
  return [...new Set(candidates)];
}

export interface SignedRequest {
  /** X-Twilio-Signature as received (null: absent). */
  signature: string | null;
  /** The full URL Twilio posted to: the configured webhook URL plus the request's own query string. */
  url: string;
  body: Uint8Array;
}

/**
 * Checks a JSON-body webhook against each candidate auth token (one, normally: the account's).
 * Both the signature over the URL and the body's hash in `bodySHA256` must match, as in
 * validateRequestWithBody; which token matched is returned.
 */
export function verifyTwilioSignature(request: SignedRequest, authTokens: readonly string[]): SignatureVerdict {
  if (!request.signature) return { ok: false, reason: 'missing_signature' };
  let bodyHash: string | null;
  try {
    bodyHash = new URL(request.url).searchParams.get('bodySHA256');
  } catch {
    bodyHash = null;
  }
  // Without bodySHA256 the signature could cover only the URL, not the body: never accepted here.
  if (!bodyHash) return { ok: false, reason: 'missing_body_hash' };
  const urls = signedUrlCandidates(request.url);
  const signature = request.signature;
  const token = authTokens.find((authToken) => urls.some((url) => safeEqual(signature, twilioSignature(authToken, url))));
  if (token === undefined) return { ok: false, reason: 'signature_mismatch' };
  if (!safeEqual(bodyHash, bodySha256(request.body))) return { ok: false, reason: 'body_hash_mismatch' };
  return { ok: true, authToken: token };
}
