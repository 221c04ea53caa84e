// Logs, metrics and traces as an operator sees them: one JSON line per request with its id,
// operation, duration, upstream calls and status (no credentials, no message text); the id
// returned to the caller and sent upstream; Prometheus series; upstream calls as child spans.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { createFacade } from '../../src/yoga.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, TEST_RESILIENCE, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const lines: Array<Record<string, unknown>> = [];
const spans = new InMemorySpanExporter();
// As in production (observability/tracing.ts): a Node provider, registered, so context flows across awaits.
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
provider.register();
const metrics = new Metrics();
let stack: Stack;
let sid: string;

const QUERY = graphql(`
  query Latest($sid: String!) {
    conversation(sid: $sid) { communications(last: 3) { nodes { sid content { ... on TextContent { text } } } } }
  }
`);

beforeAll(async () => {
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  stack = await startStack({
    facade: { logger, metrics, tracer: provider.getTracer('test') },
    upstream: { observer: metrics.upstreamObserver(), tracer: provider.getTracer('test') },
  });
  sid = seedConversation(stack.emulator, 'telemetry');
  seedCommunications(stack.emulator, sid, 5, { prefix: 'very private message' });
});

afterAll(() => stack.close());

describe('request logs', () => {
  it('one line per request with id, operation, duration, upstream calls and status; no secrets or message text', async () => {
    lines.length = 0;
    stack.takeUpstreamCalls();
    const response = await stack.graphql(QUERY, { sid }, { 'x-request-id': 'req-42' });
    expect(response.errors).toBeUndefined();
    expect(response.headers.get('x-request-id')).toBe('req-42');
    // The same id went upstream with every call.
    const upstream = stack.takeUpstreamCalls();
    expect(upstream.length).toBe(2);
    expect(upstream.map((call) => call.requestId)).toEqual(['req-42', 'req-42']);
    const requestLines = lines.filter((line) => line.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      requestId: 'req-42',
      operation: 'Latest',
      status: 200,
      upstreamCalls: 2,
      method: 'POST',
      path: '/graphql',
    });
    expect(typeof requestLines[0]!.durationMs).toBe('number');
    const all = JSON.stringify(lines);
    expect(all).not.toContain('very private message');
    expect(all).not.toContain(AUTH_TOKEN);
    expect(all).not.toContain(stack.emulator.url);
  });

  it('makes an id when the caller sends none (or an unusable one), and returns it', async () => {
    const attempts: Array<Record<string, string>> = [{}, { 'x-request-id': 'bad id with spaces' }];
    for (const headers of attempts) {
      lines.length = 0;
      const response = await stack.graphql(`{ __typename }`, undefined, headers);
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.find((line) => line.msg === 'request')?.requestId).toBe(id);
    }
  });

  it('logs error codes and upstream failure details, but never the upstream body', async () => {
    lines.length = 0;
    stack.emulator.faults.enqueue({
      match: { path: '*Communications' },
      kind: 'status',
      status: 503,
      times: 5,
      body: { code: 20503, message: 'secret upstream detail', status: 503 },
    });
    const response = await stack.graphql(QUERY, { sid });
    expect(response.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const line = lines.find((entry) => entry.msg === 'request')!;
    expect(line.errors).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(line.upstreamErrors).toEqual(['ListCommunications answered 503 (Twilio 20503)']);
    expect(JSON.stringify(lines)).not.toContain('secret upstream detail');
    expect(JSON.stringify(response)).not.toContain('secret upstream detail');
    stack.emulator.faults.clear();
  });
});

describe('unexpected errors', () => {
  it('are masked as INTERNAL_SERVER_ERROR with the request id, and logged in full under that id', async () => {
    const logLines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    // A bug: an error that is not written for callers escapes from below the resolvers.
    class BrokenClient extends UpstreamClient {
      override request(): never {
        throw new TypeError('kaboom: internal detail');
      }
    }
    const upstream = new BrokenClient({
      baseUrl: 'http://127.0.0.1:9',
      connectTimeoutMs: 100,
      headersTimeoutMs: 100,
      bodyTimeoutMs: 100,
      maxResponseBytes: 1024,
      connections: 1,
      resilience: TEST_RESILIENCE,
    });
    const server = createServer(
      createFacade({
        upstream,
        serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
        maxPagesPerConnection: 5,
        requestTimeoutMs: 1000,
        logger,
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-bug-1' },
        body: JSON.stringify({ query: '{ conversations(first: 1) { nodes { sid } } }' }),
      });
      const text = await response.text();
      expect(response.status).toBeLessThan(500);
      expect(JSON.parse(text).errors).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          path: ['conversations'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-bug-1' },
        }),
      ]);
      expect(text).not.toContain('kaboom');
      const logged = logLines.find((line) => line.msg === 'unexpected error');
      expect(logged).toMatchObject({ requestId: 'req-bug-1', err: { message: 'kaboom: internal detail', type: 'TypeError' } });
      expect(logLines.find((line) => line.msg === 'request')).toMatchObject({ requestId: 'req-bug-1', errors: ['INTERNAL_SERVER_ERROR'] });
    } finally {
      server.close();
      await upstream.close();
    }
  });
});

describe('metrics', () => {
  it('/metrics exposes requests by operation, errors by code, upstream calls by operation and status, retries and batch sizes', async () => {
    stack.emulator.faults.enqueue({ match: { path: '*Communications' }, kind: 'status', status: 429 });
    await stack.graphql(QUERY, { sid });
    await stack.graphql(`{ conversatoins { sid } }`);
    const text = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/graphql_request_duration_seconds_count\{operation="Latest"\} \d+/);
    expect(text).toMatch(/graphql_errors_total\{code="BAD_USER_INPUT"\} \d+/);
    expect(text).toMatch(/upstream_requests_total\{operation="ListCommunications",status="429"\} 1/);
    expect(text).toMatch(/upstream_requests_total\{operation="FetchConversation",status="200"\} \d+/);
    expect(text).toMatch(/upstream_request_duration_seconds_bucket\{le="0.005",operation="ListCommunications"\}/);
    expect(text).toMatch(/upstream_retries_total\{reason="429"\} 1/);
    expect(text).toMatch(/upstream_circuit_breaker_state 0/);
    expect(text).toMatch(/dataloader_batch_size_count\{loader="conversation"\} \d+/);
    expect(text).toMatch(/process_resident_memory_bytes/);
  });

  it('caller-chosen operation names cannot blow up the label set', () => {
    const local = new Metrics();
    const labels = new Set(Array.from({ length: 500 }, (_, i) => local.operationLabel(`Op${i}`)));
    expect(labels.size).toBe(201);
    expect(labels.has('other')).toBe(true);
    expect(local.operationLabel('not a name!')).toBe('anonymous');
  });
});

describe('traces', () => {
  it('a span per request, with each upstream call as a child span', async () => {
    spans.reset();
    await stack.graphql(QUERY, { sid });
    const finished = spans.getFinishedSpans();
    const request = finished.find((span) => span.name === 'graphql.request');
    expect(request?.attributes['graphql.operation.name']).toBe('Latest');
    const upstream = finished.filter((span) => span.name.startsWith('upstream '));
    expect(upstream.map((span) => span.name).sort()).toEqual(['upstream FetchConversation', 'upstream ListCommunications']);
    for (const span of upstream) {
      expect(span.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
      expect(span.attributes['http.response.status_code']).toBe(200);
    }
  });
});

describe('health and readiness', () => {
  it('/health answers while the process lives; /ready when the upstream answers with the credentials', async () => {
    const base = stack.url.replace('/graphql', '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('/ready is 503 when the upstream refuses the credentials or is down', async () => {
    const wrong = await startStack({ facade: { serverCredentials: null } });
    try {
      // Per-request mode: probed without credentials, the upstream answers 401, so it is there: ready.
      expect((await fetch(wrong.url.replace('/graphql', '/ready'))).status).toBe(200);
    } finally {
      await wrong.close();
    }
    const down = await startStack({ upstream: { baseUrl: 'http://127.0.0.1:9' } });
    try {
      const response = await fetch(down.url.replace('/graphql', '/ready'));
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: 'UPSTREAM_UNAVAILABLE' });
    } finally {
      await down.close();
    }
  });
});
