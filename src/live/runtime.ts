// What the subscription fields share across requests on one replica: who holds how many open
// subscriptions (limits) and the loader sets shared per event and credential. Built once per
// facade (yoga.ts) from the live settings; the per-request context carries it as `subscriptions`.
import type { LiveLimits } from '../config.ts';
import { EventLoaderCache } from './event-loaders.ts';
import { SubscriberRegistry } from './subscribers.ts';

export interface SubscriptionRuntime {
  readonly subscribers: SubscriberRegistry;
  readonly eventLoaders: EventLoaderCache;
  /** Events buffered per subscriber before it is cut off (the bus's maxBuffered). */
  readonly maxBuffered: number;
  /** How long one loader set serves (half its deadline: a set used near its end would see calls cut short). */
  readonly loadersMaxAgeMs: number;
}

/** Loader sets kept at once: one per event and credential while an event fans out. */
const EVENT_LOADER_SETS = 1000;

export function createSubscriptionRuntime(limits: LiveLimits, requestTimeoutMs: number): SubscriptionRuntime {
  const loadersMaxAgeMs = Math.max(1, Math.floor(requestTimeoutMs / 2));
  return {
    subscribers: new SubscriberRegistry({ perCaller: limits.maxSubscriptionsPerCaller, total: limits.maxSubscribers }),
    eventLoaders: new EventLoaderCache({ maxEntries: EVENT_LOADER_SETS, maxAgeMs: loadersMaxAgeMs }),
    maxBuffered: limits.subscriberBuffer,
    loadersMaxAgeMs,
  };
}
