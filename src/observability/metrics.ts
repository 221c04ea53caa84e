// Prometheus metrics (prom-client), served at /metrics: GraphQL requests by operation, errors by
// code, upstream calls by operation and status, upstream latency, retries, breaker state and
// rejections, and DataLoader batch sizes. One registry per service instance.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamObserver } from '../upstream/client.ts';
import type { BreakerState } from '../upstream/resilience.ts';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Operation names come from callers: beyond this many distinct ones, the rest count as "other". */
const MAX_OPERATION_LABELS = 200;
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class Metrics {
  readonly registry = new Registry();
  readonly #operations = new Set<string>();

  readonly requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL requests by operation name, from arrival to response.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'graphql_errors_total',
    help: 'Errors returned to callers, by contract error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: 'upstream_requests_total',
    help: 'Upstream HTTP attempts by operation and status (0: no response).',
    labelNames: ['operation', 'status'] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: 'upstream_request_duration_seconds',
    help: 'Upstream HTTP attempt latency by operation.',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamRetries = new Counter({
    name: 'upstream_retries_total',
    help: 'Upstream retries by cause (status code or "connection").',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly upstreamRejected = new Counter({
    name: 'upstream_rejected_total',
    help: 'Upstream calls refused without being sent: breaker open or queue full.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly breakerState = new Gauge({
    name: 'upstream_circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open.',
    registers: [this.registry],
  });
  readonly breakerTransitions = new Counter({
    name: 'upstream_circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes, by the state entered.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly loaderBatchSize = new Histogram({
    name: 'dataloader_batch_size',
    help: 'Keys per DataLoader batch, by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 25, 50, 100, 250],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.breakerState.set(0);
  }

  /** A bounded label for a caller-chosen operation name. */
  operationLabel(name: string | undefined): string {
    if (!name || !OPERATION_NAME.test(name)) return 'anonymous';
    if (this.#operations.has(name)) return name;
    if (this.#operations.size >= MAX_OPERATION_LABELS) return 'other';
    this.#operations.add(name);
    return name;
  }

  upstreamObserver(): UpstreamObserver {
    return {
      onAttempt: (call) => {
        this.upstreamCalls.inc({ operation: call.operation, status: String(call.status) });
        this.upstreamDuration.observe({ operation: call.operation }, call.durationMs / 1000);
      },
      onRetry: (reason) => this.upstreamRetries.inc({ reason }),
      onRejected: (reason) => this.upstreamRejected.inc({ reason }),
      onBreakerState: (state) => {
        this.breakerState.set(BREAKER_VALUE[state]);
        this.breakerTransitions.inc({ state });
      },
    };
  }
}
