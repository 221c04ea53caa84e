// Cross-origin policy. graphql-yoga's default CORS reflected any Origin (even `null`) with
// `Access-Control-Allow-Credentials: true`, so any web page a user opened could read the API with
// the server-held credentials. This plugin replaces it (createYoga gets `cors: false`):
// cross-origin browser requests are refused with 403 before anything runs, unless CORS_ORIGINS
// names the origin (then with credentials) or contains `*` (any origin, never with credentials).
//
// Why not yoga's `cors` option: it can only omit headers, not stop the request (a simple GET or
// a no-cors request would still run a query upstream), its `*` reflects the caller's origin, and it
// sends no `Vary: Origin` for a single origin.
import type { Plugin } from 'graphql-yoga';
import { recordOf } from './telemetry.ts';

export const ANY_ORIGIN = '*';
const ALLOW_METHODS = 'GET, POST';
const ALLOW_HEADERS = 'accept, authorization, content-type, x-request-id';
const EXPOSE_HEADERS = 'X-Request-Id';
/** Browsers cache an allowed preflight this long (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** An origin exactly as browsers send it in `Origin`, or why the value is not one. */
export function parseOrigin(value: string): { origin: string } | { problem: string } {
  if (value === ANY_ORIGIN) return { origin: ANY_ORIGIN };
  // Sandboxed frames, file: and data: pages all share the opaque origin `null`: allowing it would
  // allow every one of them.
  if (value === 'null') return { problem: 'the null origin is never allowed' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'not an origin' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'not an http(s) origin' };
  // A path, query, credentials, a trailing slash, upper case or a default port would never match
  // what a browser sends.
  if (url.origin !== value) return { problem: `did you mean "${url.origin}"?` };
  return { origin: url.origin };
}

type Verdict =
  /** No Origin (curl, servers, same-origin GET, a person following a link), or the facade's own. */
  { kind: 'not-cross-origin' } | { kind: 'allowed'; allowOrigin: string; credentials: boolean } | { kind: 'refused' };

const NOT_CROSS_ORIGIN: Verdict = { kind: 'not-cross-origin' };
const REFUSED: Verdict = { kind: 'refused' };

function hostOf(request: Request): string | undefined {
  try {
    return new URL(request.url).host;
  } catch {
    return undefined;
  }
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  try {
    // Host only, not the scheme: behind a TLS-terminating proxy the facade sees http while the
    // page is https. Only the facade itself serves that host and port.
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function createCorsPolicy(origins: readonly string[] = []) {
  const named = new Set<string>();
  let anyOrigin = false;
  for (const value of origins) {
    const parsed = parseOrigin(value);
    if ('problem' in parsed) throw new Error(`corsOrigins: "${value}" ${parsed.problem}`);
    if (parsed.origin === ANY_ORIGIN) anyOrigin = true;
    else named.add(parsed.origin);
  }

  return function verdictFor(request: Request): Verdict {
    const origin = request.headers.get('origin');
    if (origin === null) {
      // A foreign page's no-cors request (<img>, <script>, fetch with mode: 'no-cors') carries no
      // Origin, but Chromium, Firefox and Safari say where it comes from in Sec-Fetch-Site (to https
      // and loopback hosts). A person following a link (navigate) may open GraphiQL.
      const site = request.headers.get('sec-fetch-site');
      const foreign = site === 'cross-site' || site === 'same-site';
      return foreign && request.headers.get('sec-fetch-mode') !== 'navigate' ? REFUSED : NOT_CROSS_ORIGIN;
    }
    if (named.has(origin)) return { kind: 'allowed', allowOrigin: origin, credentials: true };
    if (isOwnOrigin(origin, hostOf(request))) return NOT_CROSS_ORIGIN;
    if (anyOrigin && origin !== 'null') return { kind: 'allowed', allowOrigin: ANY_ORIGIN, credentials: false };
    return REFUSED;
  };
}

/**
 * Refuses (403, no CORS headers, nothing executed) a request from a browser origin that is not
 * allowed, answers preflights (204), and puts the CORS headers on every response to an allowed
 * origin (errors included, so the page can read them). Every response varies by Origin.
 */
export function useCors(origins: readonly string[] = []): Plugin {
  const verdictFor = createCorsPolicy(origins);
  const verdicts = new WeakMap<Request, Verdict>();
  const verdictOf = (request: Request): Verdict => {
    let verdict = verdicts.get(request);
    if (!verdict) {
      verdict = verdictFor(request);
      verdicts.set(request, verdict);
    }
    return verdict;
  };

  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const verdict = verdictOf(request);
      if (verdict.kind === 'refused') {
        recordOf(request).errorCodes.push('FORBIDDEN');
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({
              errors: [
                {
                  message: 'Cross-origin requests from this origin are not allowed (see CORS_ORIGINS).',
                  extensions: { code: 'FORBIDDEN' },
                },
              ],
            }),
            { status: 403, headers: { 'content-type': 'application/json' } },
          ),
        );
        return;
      }
      if (request.method === 'OPTIONS') {
        // Content-Length 0: some browsers wait for a body on a 204 without it.
        endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'content-length': '0' } }));
      }
    },
    onResponse({ request, response }) {
      const verdict = verdictOf(request);
      const headers = response.headers;
      // This plugin is the only source of CORS headers, whatever another part set.
      for (const name of [...headers.keys()]) if (name.startsWith('access-control-')) headers.delete(name);
      headers.append('vary', 'Origin');
      if (verdict.kind !== 'allowed') return;
      headers.set('access-control-allow-origin', verdict.allowOrigin);
      if (verdict.credentials) headers.set('access-control-allow-credentials', 'true');
      headers.set('access-control-expose-headers', EXPOSE_HEADERS);
      if (request.method === 'OPTIONS') {
        headers.set('access-control-allow-methods', ALLOW_METHODS);
        headers.set('access-control-allow-headers', ALLOW_HEADERS);
        headers.set('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      }
    },
  };
}
