// The operational endpoints beside /graphql (yoga itself answers /health, the liveness check):
// /ready (readiness: the upstream answers; readiness.ts says how, with or without server-held
// credentials) and /metrics.
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.ts';
import { UpstreamError } from '../upstream/errors.ts';

/** A readiness probe result is reused this long, so probes do not load the upstream. */
const READY_CACHE_MS = 2000;

/** Resolves when the upstream answered as expected; rejects with the reason otherwise. */
export type ReadinessProbe = () => Promise<void>;

export function useOperationalEndpoints(options: { metrics: Metrics; probe: ReadinessProbe }): Plugin {
  let cached: { at: number; result: Promise<string | null> } | undefined;
  const readiness = (): Promise<string | null> => {
    if (!cached || performance.now() - cached.at > READY_CACHE_MS) {
      const result = options.probe().then(
        () => null,
        (error: unknown) => (error instanceof UpstreamError ? error.code : 'UPSTREAM_UNAVAILABLE'),
      );
      cached = { at: performance.now(), result };
    }
    return cached.result;
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      switch (url.pathname) {
        case '/ready': {
          const problem = await readiness();
          endResponse(problem ? json(503, { status: 'unavailable', reason: problem }) : json(200, { status: 'ready' }));
          return;
        }
        case '/metrics':
          endResponse(
            new fetchAPI.Response(await options.metrics.registry.metrics(), {
              headers: { 'content-type': options.metrics.registry.contentType },
            }),
          );
          return;
      }
    },
  };
}

/**
 * CSRF: a browser may send a cross-site form POST (url-encoded, multipart, text/plain) without
 * asking first; only JSON and GraphQL bodies are accepted, and mutations never over GET (yoga).
 */
export function useJsonBodiesOnly(): Plugin {
  const allowed = ['application/json', 'application/graphql-response+json', 'application/graphql'];
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (allowed.includes(type)) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [{ message: 'POST bodies must be application/json.', extensions: { code: 'BAD_USER_INPUT' } }],
          }),
          { status: 415, headers: { 'content-type': 'application/json' } },
        ),
      );
    },
  };
}
