// The one place that speaks HTTP to the Conversations v2 API: a keep-alive undici pool for the
// upstream origin, Basic credentials per call, timeouts on every phase, and every failure turned
// into an UpstreamError before any body is parsed.
import { SpanKind, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { Pool, errors as undiciErrors } from 'undici';
import type { Credentials } from './credentials.ts';
import type { Decoder } from './decode.ts';
import { decodeTwilioError } from './decode.ts';
import { errorForStatus, parseRetryAfter, timeoutError, unavailableError, UpstreamError } from './errors.ts';
import { UpstreamGuard, type BreakerState, type ResilienceObserver, type ResilienceOptions } from './resilience.ts';

export interface UpstreamClientOptions {
  /** e.g. https://conversations.twilio.com (a path prefix is kept; no trailing /v2). */
  baseUrl: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  connections: number;
  keepAliveTimeoutMs?: number;
  resilience: ResilienceOptions;
  /** Told about retries, breaker changes and every attempt, for metrics and logs. */
  observer?: UpstreamObserver;
  /** When tracing is on: each attempt becomes a child span of the GraphQL request's span. */
  tracer?: Tracer | undefined;
}

export interface UpstreamObserver extends ResilienceObserver {
  onAttempt?(attempt: UpstreamCallRecord): void;
}

/** What one GraphQL request lends every upstream call it makes. */
export interface CallContext {
  /** Null when neither the caller nor the server has credentials: calls fail UNAUTHENTICATED. */
  credentials: Credentials | null;
  requestId?: string;
  /** Aborts everything still running for the request (its deadline passed, or the caller left). */
  signal?: AbortSignal;
  /** Epoch ms: no retry starts, and no backoff waits, past this. */
  deadline?: number;
  /** Told about every upstream response (or failure), for per-request accounting. */
  onCall?: (call: UpstreamCallRecord) => void;
}

export interface UpstreamCallRecord {
  operation: string;
  method: string;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  durationMs: number;
}

export interface UpstreamRequest {
  /** A stable name for logs and metrics, e.g. ListCommunications. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with /v2/. Callers encode their path segments. */
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  idempotencyKey?: string;
}

export interface UpstreamResponse<T> {
  status: number;
  data: T;
}

const USER_AGENT = 'conversations-graphql/0.1';
/** Transport failures where the request may not have been processed and the connection is gone. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const ERROR_BODY_LIMIT = 16 * 1024;

export class UpstreamClient {
  readonly #pool: Pool;
  readonly #pathPrefix: string;
  readonly #guard: UpstreamGuard;
  readonly #observer: UpstreamObserver;
  readonly #tracer: Tracer | undefined;

  constructor(options: UpstreamClientOptions) {
    const base = new URL(options.baseUrl);
    this.#pathPrefix = base.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(base.origin, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      maxResponseSize: options.maxResponseBytes,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    });
    this.#observer = options.observer ?? {};
    this.#tracer = options.tracer;
    this.#guard = new UpstreamGuard(options.resilience, this.#observer);
  }

  get breakerState(): BreakerState {
    return this.#guard.breakerState;
  }

  /** One logical call: as many attempts as the resilience rules allow, each reported on its own. */
  request<T>(context: CallContext, request: UpstreamRequest, decode: Decoder<T>): Promise<UpstreamResponse<T>> {
    return this.#guard.run(() => this.#attempt(context, request, decode), {
      method: request.method,
      idempotencyKey: request.idempotencyKey,
      deadline: context.deadline,
      signal: context.signal,
    });
  }

  async close(): Promise<void> {
    this.#guard.close();
    await this.#pool.close();
  }

  #attempt<T>(context: CallContext, request: UpstreamRequest, decode: Decoder<T>): Promise<UpstreamResponse<T>> {
    if (!this.#tracer) return this.#measuredAttempt(context, request, decode);
    return this.#tracer.startActiveSpan(
      `upstream ${request.operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': request.method, 'upstream.operation': request.operation } },
      (span) => this.#measuredAttempt(context, request, decode, span),
    );
  }

  async #measuredAttempt<T>(context: CallContext, request: UpstreamRequest, decode: Decoder<T>, span?: Span): Promise<UpstreamResponse<T>> {
    const started = performance.now();
    let status = 0;
    try {
      const response = await this.#send(context, request);
      status = response.status;
      return { status, data: decode(response.json) };
    } catch (error) {
      if (error instanceof UpstreamError) {
        status = error.status;
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
      }
      throw error;
    } finally {
      span?.setAttribute('http.response.status_code', status);
      span?.end();
      const record = {
        operation: request.operation,
        method: request.method,
        status,
        durationMs: performance.now() - started,
      };
      context.onCall?.(record);
      this.#observer.onAttempt?.(record);
    }
  }

  async #send(context: CallContext, request: UpstreamRequest): Promise<{ status: number; json: unknown }> {
    if (!context.credentials) {
      throw new UpstreamError('UNAUTHENTICATED', 'Send HTTP Basic credentials for the Conversations API (Authorization: Basic …).');
    }
    const query = request.query?.toString();
    const headers: Record<string, string> = {
      authorization: context.credentials.authorization,
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (context.requestId) headers['x-request-id'] = context.requestId;
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }

    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.#pool.request({
        method: request.method,
        path: `${this.#pathPrefix}${request.path}${query ? `?${query}` : ''}`,
        headers,
        body,
        signal: context.signal,
      });
    } catch (error) {
      throw transportError(request.operation, error, context.signal);
    }

    const { statusCode, headers: responseHeaders } = response;
    if (statusCode < 200 || statusCode > 299) {
      // The status decides the error; the body is only read for Twilio's code and message.
      const twilio = await readErrorBody(response.body);
      throw errorForStatus(statusCode, request.operation, twilio, parseRetryAfter(responseHeaders['retry-after']));
    }

    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw transportError(request.operation, error, context.signal);
    }
    try {
      return { status: statusCode, json: JSON.parse(text) as unknown };
    } catch {
      throw unavailableError(request.operation, `response body is not JSON (${text.length} chars)`);
    }
  }
}

async function readErrorBody(body: { text(): Promise<string> }) {
  try {
    const text = await body.text();
    if (text.length > ERROR_BODY_LIMIT) return {};
    return decodeTwilioError(JSON.parse(text));
  } catch {
    return {};
  }
}

function transportError(operation: string, error: unknown, signal: AbortSignal | undefined): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof UpstreamError) return reason;
    return timeoutError(operation, 'the request deadline');
  }
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return timeoutError(operation, 'connect');
    case 'UND_ERR_HEADERS_TIMEOUT':
      return timeoutError(operation, 'response headers');
    case 'UND_ERR_BODY_TIMEOUT':
      return timeoutError(operation, 'response body');
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return unavailableError(operation, 'response body over the size limit');
    default:
      return unavailableError(
        operation,
        error instanceof undiciErrors.UndiciError || typeof code === 'string' ? `transport error ${String(code)}` : 'transport error',
        CONNECTION_LOST.has(String(code)),
      );
  }
}
