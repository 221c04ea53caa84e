// Contestant (c), this facade, in its own process, wired by src/service.ts as src/main.ts wires it, with the default
// configuration (loadConfig({}): pool size, timeouts, retries, breaker, query limits, LOG_LEVEL
// info with one log line per request, Prometheus metrics, tracing off), served by node:http. Only
// the upstream URL differs (the bench upstream), GraphiQL is off, and credentials come from each
// caller's Basic header (no server-held credentials).
//
// BENCH_TRACING=1 turns OpenTelemetry tracing on as TRACING=otlp would (NodeTracerProvider,
// BatchSpanProcessor), but with an exporter that drops the spans, to price tracing itself.
import type { Tracer } from '@opentelemetry/api';
import { loadConfig } from '../../src/config/index.ts';
import { createService } from '../../src/service.ts';
import { memoryAfterFullGc } from '../lib/memory.ts';

const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!upstreamUrl) throw new Error('BENCH_UPSTREAM_URL is not set');

let exportedSpans = 0;

async function benchTracer(): Promise<Tracer | undefined> {
  if (process.env.BENCH_TRACING !== '1') return undefined;
  const { trace } = await import('@opentelemetry/api');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const dropAll = {
    export: (spans: unknown[], done: (result: { code: number }) => void) => {
      exportedSpans += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
  provider.register();
  return trace.getTracer('conversations-graphql');
}

// Defaults only: the bench's own environment must not change the facade under test. The fan-out
// workload (bench/fanout/) passes the few variables it needs (PUBLIC_URL, WEBHOOK_AUTH_TOKEN, the
// subscriber limits) as JSON in BENCH_FACADE_CONFIG.
const config = loadConfig(JSON.parse(process.env.BENCH_FACADE_CONFIG ?? '{}') as Record<string, string>);
const tracer = await benchTracer();
const service = createService(config, {
  upstreamUrl,
  serverCredentials: null,
  tracer,
  facade: { cursorSecret: process.env.BENCH_CURSOR_SECRET ?? 'bench cursor secret', graphiql: false },
});
const { live, server } = service;
server.keepAliveTimeout = 60_000;
service.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1').then((base) => {
  process.send?.({ type: 'ready', url: `${base}/graphql` });
});
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'spans') process.send?.({ type: 'spans', count: exportedSpans });
  // The bench asks for the memory held after a full, memory-reducing GC (bench/lib/memory.ts).
  if (message?.type === 'heap') process.send?.({ type: 'heap', ...memoryAfterFullGc() });
  // The fan-out workload waits until closed subscriptions have let go of their bus listeners.
  if (message?.type === 'stats') process.send?.({ type: 'stats', subscribers: live.subscribers.listening });
});
process.on('disconnect', () => process.exit(0));
