// The HTTP server. For each request: read the body; /__emulator/… goes to the control endpoint; /v2/…
// is logged, gets its fault plan (latency, maybe a fault answering instead of the API), is answered by
// the router, and the answer is delivered as the plan says. close() ends everything at once, hung
// requests and pending delays included.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { usernameOf } from './auth.ts';
import type { MonotonicClock } from './clock.ts';
import { handleControl } from './control.ts';
import { replacesResponse, send, sendFault, sendReply } from './delivery.ts';
import { ApiError, twilioErrorBody } from './errors.ts';
import type { Faults } from './faults.ts';
import type { PageTokens } from './pagination.ts';
import { errorReply, jsonReply } from './reply.ts';
import type { RequestRecorder } from './request-log.ts';
import type { Router } from './routes.ts';
import type { WebhookController } from './webhooks.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDeps {
  router: Router;
  faults: Faults;
  requests: RequestRecorder;
  tokens: PageTokens;
  clock: MonotonicClock;
  reset(): void;
  webhooks?: WebhookController;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function listen(deps: ServerDeps, host: string, port: number): Promise<RunningServer> {
  const shutdown = new AbortController();
  const server: Server = createServer((req, res) => {
    handle(req, res, deps, shutdown.signal).catch((error: unknown) => {
      if (shutdown.signal.aborted || res.destroyed) return;
      if (res.headersSent) res.destroy();
      else send(res, jsonReply(500, twilioErrorBody(500, `Internal emulator error: ${String(error)}`)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close: async () => {
      shutdown.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDeps, signal: AbortSignal): Promise<void> {
  const rawUrl = req.url ?? '/';
  const url = new URL(rawUrl, 'http://emulator.invalid');
  const method = req.method ?? 'GET';
  const body = await readBody(req);

  if (url.pathname.startsWith('/__emulator/')) {
    send(res, await handleControl({ method, path: url.pathname, body: body ?? '', remoteAddress: req.socket.remoteAddress }, deps));
    return;
  }
  const apiRequest = { method, rawUrl, url, headers: req.headers, body: body ?? '' };
  if (url.pathname !== '/v2' && !url.pathname.startsWith('/v2/')) {
    send(res, deps.router.handle(apiRequest)); // not part of the API: no log, no faults
    return;
  }

  const entry = deps.requests.record({
    method,
    path: url.pathname,
    query: queryRecord(url.searchParams),
    username: usernameOf(req.headers.authorization),
    ...optionalHeader('idempotencyKey', req.headers['idempotency-key']),
    ...optionalHeader('requestId', req.headers['x-request-id']),
    ...(body ? { body } : {}),
    status: 0,
    at: deps.clock.now(),
  });
  const plan = deps.faults.plan(method, url.pathname);
  if (plan.latencyMs > 0) await sleep(plan.latencyMs, undefined, { signal });
  if (plan.action && replacesResponse(plan.action)) {
    entry.status = await sendFault(res, plan.action, signal);
    return;
  }
  const reply =
    body === undefined ? errorReply(new ApiError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`)) : deps.router.handle(apiRequest);
  entry.status = await sendReply(res, reply, plan.action, deps.tokens, signal);
}

/** The body as text, or undefined when it is larger than MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}

function queryRecord(params: URLSearchParams): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of params) (query[key] ??= []).push(value);
  return query;
}

function optionalHeader<K extends string>(key: K, value: string | string[] | undefined): Partial<Record<K, string>> {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? {} : ({ [key]: first } as Record<K, string>);
}
