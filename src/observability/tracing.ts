// OpenTelemetry tracing, off unless TRACING is set: a span per GraphQL request with the upstream
// calls as child spans. When off, no tracer is handed out at all, so the hot path does no
// tracing work (not even no-op spans).
import { trace, type Tracer } from '@opentelemetry/api';

export type TracingExporter = 'none' | 'otlp' | 'console';

export interface Tracing {
  tracer: Tracer | undefined;
  shutdown(): Promise<void>;
}

export async function startTracing(exporter: TracingExporter, serviceName = 'conversations-graphql'): Promise<Tracing> {
  if (exporter === 'none') return { tracer: undefined, shutdown: async () => {} };
  // Loaded only when tracing is on: the SDK is not needed (nor paid for) otherwise.
  const [{ NodeTracerProvider }, { BatchSpanProcessor, SimpleSpanProcessor, ConsoleSpanExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
    ]);
  const processor =
    exporter === 'console'
      ? new SimpleSpanProcessor(new ConsoleSpanExporter())
      : new BatchSpanProcessor(new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  });
  provider.register();
  return { tracer: trace.getTracer(serviceName), shutdown: () => provider.shutdown() };
}
