// What the subscription fields share across requests on one replica: who holds how many open
// subscriptions (limits), the loader sets shared per event and credential, reads shared while they
// are in flight (N subscribers of one credential opening at once read the list's end once),
// where the live streams of a conversation stand (a newcomer starts there without a read), and
// the metrics. Built once per facade (yoga.ts) from the live settings; the per-request context
// carries it as `subscriptions`.
import type { LiveLimits } from '../config/index.ts';
import type { Metrics } from '../observability/metrics.ts';
import { EventLoaderCache } from './event-loaders.ts';
import type { LogPlaces } from './log-places.ts';
import type { SubscriberRegistry } from './subscribers.ts';

export type Transport = 'sse' | 'websocket';

export interface SubscriptionRuntime {
  readonly subscribers: SubscriberRegistry;
  readonly eventLoaders: EventLoaderCache;
  /** Events buffered per subscriber before it is cut off (the bus's maxBuffered). */
  readonly maxBuffered: number;
  /** How long one loader set serves (half its deadline: a set used near its end would see calls cut short). */
  readonly loadersMaxAgeMs: number;
  readonly metrics: Metrics | undefined;
  /**
   * `read()`, or the same read already in flight under `key` (its answer is shared, its failure too).
   * The key must name everything the answer depends on, credentials included.
   */
  inFlight<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Where the live communicationAdded streams stand, by credential and conversation (a newcomer starts where one stands idle). */
  readonly logPlaces: LogPlaces;
}

/** Loader sets kept at once: one per event and credential while an event fans out. */
const EVENT_LOADER_SETS = 1000;

export function createSubscriptionRuntime(
  subscribers: SubscriberRegistry,
  logPlaces: LogPlaces,
  limits: LiveLimits,
  requestTimeoutMs: number,
  metrics?: Metrics,
): SubscriptionRuntime {
  const loadersMaxAgeMs = Math.max(1, Math.floor(requestTimeoutMs / 2));
  const reads = new Map<string, Promise<unknown>>();
  return {
    subscribers,
    eventLoaders: new EventLoaderCache({ maxEntries: EVENT_LOADER_SETS, maxAgeMs: loadersMaxAgeMs }),
    maxBuffered: limits.subscriberBuffer,
    loadersMaxAgeMs,
    metrics,
    logPlaces,
    inFlight<T>(key: string, read: () => Promise<T>): Promise<T> {
      const known = reads.get(key) as Promise<T> | undefined;
      if (known) return known;
      const started = read().finally(() => reads.delete(key));
      reads.set(key, started);
      return started;
    },
  };
}

/**
 * Which transport carries an operation: one that came over WebSocket carries its operation in
 * the context under `webSocketOperation` (server/websocket-operations.ts); anything else is HTTP,
 * which streams subscriptions as Server-Sent Events.
 */
export function transportOf(context: object): Transport {
  return 'webSocketOperation' in context && (context as Record<string, unknown>).webSocketOperation !== undefined ? 'websocket' : 'sse';
}
