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
/** Seconds, for a request answered in milliseconds or waited on for seconds (GraphQL and upstream requests alike). */
const REQUEST_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class Metrics {
  readonly registry = new Registry();
  readonly #operations = new Set<string>();

  readonly requestDuration = this.#histogram(
    'graphql_request_duration_seconds',
    'GraphQL requests by operation name, from arrival to response.',
    ['operation'],
    REQUEST_SECONDS_BUCKETS,
  );
  readonly errors = this.#counter('graphql_errors_total', 'Errors returned to callers, by contract error code.', ['code']);
  readonly upstreamCalls = this.#counter('upstream_requests_total', 'Upstream HTTP attempts by operation and status (0: no response).', [
    'operation',
    'status',
  ]);
  readonly upstreamDuration = this.#histogram(
    'upstream_request_duration_seconds',
    'Upstream HTTP attempt latency by operation.',
    ['operation'],
    REQUEST_SECONDS_BUCKETS,
  );
  readonly upstreamRetries = this.#counter('upstream_retries_total', 'Upstream retries by cause (status code or "connection").', [
    'reason',
  ]);
  readonly upstreamRejected = this.#counter(
    'upstream_rejected_total',
    'Upstream calls refused without being sent: breaker open or queue full.',
    ['reason'],
  );
  readonly breakerState = this.#gauge('upstream_circuit_breaker_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open.');
  readonly breakerTransitions = this.#counter(
    'upstream_circuit_breaker_transitions_total',
    'Circuit breaker state changes, by the state entered.',
    ['state'],
  );
  readonly loaderBatchSize = this.#histogram(
    'dataloader_batch_size',
    'Keys per DataLoader batch, by loader.',
    ['loader'],
    [1, 2, 5, 10, 25, 50, 100, 250],
  );
  // Live-update intake (src/live/webhook.ts, the poller): what arrived, and what was refused.
  readonly webhookRequests = this.#counter(
    'webhook_requests_total',
    'POST /webhooks/conversations by outcome: accepted, duplicate, ignored, bad_signature, malformed, too_large, not_allowed, disabled, unavailable.',
    ['outcome'],
  );
  readonly webhookVerificationFailures = this.#counter(
    'webhook_verification_failures_total',
    'Webhooks refused (403) by why their X-Twilio-Signature did not verify.',
    ['reason'],
  );
  readonly webhookDuration = this.#histogram(
    'webhook_request_duration_seconds',
    'Time to answer a webhook, by outcome.',
    ['outcome'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  );
  readonly liveEventsReceived = this.#counter(
    'live_events_received_total',
    'Live events published on the bus, by source (webhook, poll) and event type.',
    ['source', 'type'],
  );
  // Subscriptions (src/schema/subscriptions/, src/server/subscriptions.ts): who listens, what reached them, what did not.
  readonly liveSubscribers = this.#gauge('live_subscribers', 'Open subscriptions by transport (sse, websocket) and field.', [
    'transport',
    'field',
  ]);
  readonly liveEventsDelivered = this.#counter(
    'live_events_delivered_total',
    'Payloads handed to a subscriber’s transport, by what brought them (webhook, poll, catch-up) and transport: one per subscriber.',
    ['source', 'transport'],
  );
  readonly liveEventsDropped = this.#counter(
    'live_events_dropped_total',
    'Events not delivered, by source and reason: duplicate (a subscriber already had that change; per subscriber), duplicate_delivery (a repeated webhook delivery, refused at intake), cross_account (an event of another account reached a subscriber’s filter), slow_consumer (a subscriber cut off, its buffer dropped).',
    ['source', 'reason'],
  );
  readonly liveDeliveryLatency = this.#histogram(
    'live_delivery_latency_seconds',
    'From a live event’s arrival (webhook received, poll read) to its payload handed to the transport, by transport.',
    ['transport'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  );
  // LIVE_SOURCE=poll (src/live/poller.ts): what polling runs and what it costs upstream.
  readonly livePollers = this.#gauge(
    'live_pollers',
    'Poll loops running: one per account and conversation (or account inbox) with subscribers.',
  );
  readonly livePollTicks = this.#counter(
    'live_poll_ticks_total',
    'Poll ticks by outcome: ok, rate-limited, refused, failed, held (a Retry-After), no-credentials, aborted.',
    ['outcome'],
  );
  readonly livePollUpstreamCalls = this.#counter(
    'live_poll_upstream_calls_total',
    'Upstream calls made by polling (attempts, retries included).',
  );
  // GraphQL over WebSocket (src/server/websocket.ts); its answers also count in the request metrics above.
  readonly webSocketConnections = this.#gauge('graphql_websocket_connections', 'Open graphql-ws connections.');
  readonly webSocketOperations = this.#counter(
    'graphql_websocket_operations_total',
    'Operations over WebSocket by outcome: result (a query or mutation answered), stream (a subscription ended), refused (nothing ran).',
    ['outcome'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.breakerState.set(0);
  }

  // Every metric registers in this instance's registry only; label names stay literal types so a
  // wrong label is a type error.
  #counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  #histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
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
