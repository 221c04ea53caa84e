// Prometheus metrics (prom-client), served at /metrics: GraphQL requests by operation, errors by
// code, upstream calls by operation and status, upstream latency, retries, breaker state and
// rejections, DataLoader batch sizes, live-update intake (webhooks, polling, events received) and
// delivery (subscribers, events delivered and dropped, delivery latency). One registry per service instance.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PollObserver } from '../live/poller.ts';
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
  // Live-update intake (src/live/webhook.ts, the poller): what arrived, and what was refused.
  readonly webhookRequests = new Counter({
    name: 'webhook_requests_total',
    help: 'POST /webhooks/conversations by outcome: accepted, duplicate, ignored, bad_signature, malformed, too_large, not_allowed, disabled, unavailable.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookVerificationFailures = new Counter({
    name: 'webhook_verification_failures_total',
    help: 'Webhooks refused (403) by why their X-Twilio-Signature did not verify.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly webhookDuration = new Histogram({
    name: 'webhook_request_duration_seconds',
    help: 'Time to answer a webhook, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly liveEventsReceived = new Counter({
    name: 'live_events_received_total',
    help: 'Live events published on the bus, by source (webhook, poll) and event type.',
    labelNames: ['source', 'type'] as const,
    registers: [this.registry],
  });
  // Subscriptions (src/schema/subscriptions/, src/server/subscriptions.ts): who listens, what reached them, what did not.
  readonly liveSubscribers = new Gauge({
    name: 'live_subscribers',
    help: 'Open subscriptions by transport (sse, websocket) and field.',
    labelNames: ['transport', 'field'] as const,
    registers: [this.registry],
  });
  readonly liveEventsDelivered = new Counter({
    name: 'live_events_delivered_total',
    help: 'Payloads handed to a subscriber’s transport, by what brought them (webhook, poll, catch-up) and transport: one per subscriber.',
    labelNames: ['source', 'transport'] as const,
    registers: [this.registry],
  });
  readonly liveEventsDropped = new Counter({
    name: 'live_events_dropped_total',
    help: 'Events not delivered, by source and reason: duplicate (a subscriber already had that change; per subscriber), duplicate_delivery (a repeated webhook delivery, refused at intake), cross_account (an event of another account reached a subscriber’s filter), slow_consumer (a subscriber cut off, its buffer dropped).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });
  readonly liveDeliveryLatency = new Histogram({
    name: 'live_delivery_latency_seconds',
    help: 'From a live event’s arrival (webhook received, poll read) to its payload handed to the transport, by transport.',
    labelNames: ['transport'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  // LIVE_SOURCE=poll (src/live/poller.ts): what polling runs and what it costs upstream.
  readonly livePollers = new Gauge({
    name: 'live_pollers',
    help: 'Poll loops running: one per account and conversation (or account inbox) with subscribers.',
    registers: [this.registry],
  });
  readonly livePollTicks = new Counter({
    name: 'live_poll_ticks_total',
    help: 'Poll ticks by outcome: ok, rate-limited, refused, failed, held (a Retry-After), no-credentials, aborted.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly livePollUpstreamCalls = new Counter({
    name: 'live_poll_upstream_calls_total',
    help: 'Upstream calls made by polling (attempts, retries included).',
    registers: [this.registry],
  });
  // GraphQL over WebSocket (src/server/websocket.ts); its answers also count in the request metrics above.
  readonly webSocketConnections = new Gauge({
    name: 'graphql_websocket_connections',
    help: 'Open graphql-ws connections.',
    registers: [this.registry],
  });
  readonly webSocketOperations = new Counter({
    name: 'graphql_websocket_operations_total',
    help: 'Operations over WebSocket by outcome: result (a query or mutation answered), stream (a subscription ended), refused (nothing ran).',
    labelNames: ['outcome'] as const,
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

  pollObserver(): PollObserver {
    return {
      onPollers: (active) => this.livePollers.set(active),
      onTick: (report) => {
        this.livePollTicks.inc({ outcome: report.outcome });
        if (report.upstreamCalls > 0) this.livePollUpstreamCalls.inc(report.upstreamCalls);
      },
      onEvent: (type) => this.liveEventsReceived.inc({ source: 'poll', type }),
    };
  }
}
