// Per-request telemetry: a request id (the caller's X-Request-Id when sane, else a new one) that
// is returned to the caller, sent upstream and put on every log line; one structured log line per
// request (operation, duration, upstream calls, status, error codes); Prometheus metrics; and,
// when tracing is on, a span around the request that upstream calls attach to.
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface RequestRecord {
  id: string;
  started: number;
  operation: string | undefined;
  upstreamCalls: number;
  errorCodes: string[];
  /** Upstream failure details, safe for logs (no URLs, credentials or bodies). */
  upstreamErrors: string[];
}

const records = new WeakMap<Request, RequestRecord>();
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Logged at debug level and kept out of the GraphQL metrics; the webhook endpoint logs its own line (live/webhook.ts). */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics', '/webhooks/conversations']);

/** The record of a request seen by the telemetry plugin (a fresh one for a request it did not see). */
export function recordOf(request: Request): RequestRecord {
  let record = records.get(request);
  if (!record) {
    const incoming = request.headers.get('x-request-id');
    record = {
      id: incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID(),
      started: performance.now(),
      operation: undefined,
      upstreamCalls: 0,
      errorCodes: [],
      upstreamErrors: [],
    };
    records.set(request, record);
  }
  return record;
}

function nameOperation(args: { contextValue: unknown; document: DocumentNode; operationName?: string | null | undefined }): void {
  const request = (args.contextValue as { request?: Request }).request;
  if (!request) return;
  recordOf(request).operation = getOperationAST(args.document, args.operationName)?.name?.value;
}

export function useTelemetry(options: { logger: Logger; metrics: Metrics; tracer?: Tracer | undefined }): Plugin {
  const { logger, metrics, tracer } = options;
  return {
    ...(tracer
      ? {
          instrumentation: {
            request: ({ request }, wrapped) =>
              tracer.startActiveSpan('graphql.request', { kind: SpanKind.SERVER }, async (span) => {
                try {
                  await wrapped();
                } finally {
                  const record = recordOf(request);
                  span.setAttributes({
                    'graphql.operation.name': record.operation ?? 'anonymous',
                    'request.id': record.id,
                    'upstream.calls': record.upstreamCalls,
                  });
                  if (record.errorCodes.length) span.setStatus({ code: SpanStatusCode.ERROR, message: record.errorCodes.join(',') });
                  span.end();
                }
              }),
          },
        }
      : {}),
    onRequest({ request }) {
      recordOf(request);
    },
    onExecute({ args }) {
      nameOperation(args);
    },
    // Subscriptions (SSE and WebSocket) run through subscribe, not execute.
    onSubscribe({ args }) {
      nameOperation(args);
    },
    onResponse({ request, response }) {
      const record = recordOf(request);
      response.headers.set('x-request-id', record.id);
      const path = new URL(request.url).pathname;
      const durationMs = performance.now() - record.started;
      const quiet = QUIET_PATHS.has(path);
      if (!quiet) {
        metrics.requestDuration.observe({ operation: metrics.operationLabel(record.operation) }, durationMs / 1000);
        for (const code of record.errorCodes) metrics.errors.inc({ code });
      }
      logger[quiet ? 'debug' : 'info']({
        msg: 'request',
        requestId: record.id,
        method: request.method,
        path,
        operation: record.operation ?? null,
        status: response.status,
        durationMs: Math.round(durationMs * 10) / 10,
        upstreamCalls: record.upstreamCalls,
        ...(record.errorCodes.length ? { errors: record.errorCodes } : {}),
        ...(record.upstreamErrors.length ? { upstreamErrors: record.upstreamErrors.slice(0, 10) } : {}),
      });
    },
  };
}
