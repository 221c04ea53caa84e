// The live-updates service of one facade, built once at start and handed to createFacade
// (FacadeOptions.live): the bus that intake publishes on and subscriptions listen to, the webhook
// de-duplication store, the event source (webhooks, or the poller), the webhook verification
// settings and the subscription limits. Subscription resolvers reach it as `context.live`.
// Everything in process for now; a Redis bus and deduper slot in here without touching the rest.
import { VARIABLES, type LiveConfig, type LiveLimits } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { conversationsApi } from '../upstream/api.ts';
import type { UpstreamClient } from '../upstream/client.ts';
import { InProcessBus, type LiveBus } from './bus.ts';
import { InMemoryDeduper, type DeliveryDeduper } from './dedupe.ts';
import { Poller, type PollSettings } from './poller.ts';
import { webhookSource, type LiveSource } from './source.ts';
import { WEBHOOK_PATH, type WebhookSettings } from './webhook.ts';
import { SubscriberRegistry } from './subscribers.ts';
import { LogPlaces } from './log-places.ts';

export type { LiveLimits } from '../config/index.ts';
export type { WebhookSettings } from './webhook.ts';
export { WEBHOOK_PATH } from './webhook.ts';

export interface Live {
  readonly bus: LiveBus;
  /** Subscription resolvers call source.watch() once the caller may read what it subscribes to. */
  readonly source: LiveSource;
  readonly deduper: DeliveryDeduper;
  /** How POST /webhooks/conversations verifies; unset: webhooks are off (polling), the endpoint answers 404. */
  readonly webhook: WebhookSettings | undefined;
  readonly limits: LiveLimits;
  /** Who holds open subscriptions (the limits), and how many are listening. */
  readonly subscribers: SubscriberRegistry;
  /** Where the live communicationAdded streams stand, by credential and conversation (a newcomer starts where one stands idle). */
  readonly logPlaces: LogPlaces;
  /** LIVE_SOURCE=poll: cadence and budget of the poller. */
  readonly poll: PollSettings;
  /** Stops the source, ends every open listener and forgets the deliveries. */
  close(): Promise<void>;
}

export interface LiveOptions {
  /** Default 'webhook'. */
  source?: 'webhook' | 'poll';
  /** Unset: POST /webhooks/conversations answers 404. */
  webhook?: WebhookSettings | undefined;
  limits?: Partial<LiveLimits>;
  poll?: Partial<PollSettings>;
  /** Required with source 'poll': the poller reads the upstream with its subscribers' credentials. */
  upstream?: UpstreamClient;
  /** For the poller's failure lines and metrics. */
  logger?: Logger;
  metrics?: Metrics;
  dedupe?: { ttlMs?: number; maxEntries?: number };
  /** Defaults: in-process implementations. */
  bus?: LiveBus;
  deduper?: DeliveryDeduper;
}

const defaultOf = <T>(spec: { read(raw: string | undefined): T }): T => spec.read(undefined);

/** The configuration's defaults (src/config/variables.ts is the one place they are written). */
export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  maxSubscriptionsPerConnection: defaultOf(VARIABLES.maxSubscriptionsPerConnection),
  maxSubscriptionsPerCaller: defaultOf(VARIABLES.maxSubscriptionsPerCaller),
  maxSubscribers: defaultOf(VARIABLES.maxSubscribers),
  subscriberBuffer: defaultOf(VARIABLES.subscriberBuffer),
};

export function createLive(options: LiveOptions = {}): Live {
  const bus = options.bus ?? new InProcessBus();
  const deduper =
    options.deduper ??
    new InMemoryDeduper({
      ttlMs: options.dedupe?.ttlMs ?? defaultOf(VARIABLES.webhookDedupeTtlMs),
      maxEntries: options.dedupe?.maxEntries ?? defaultOf(VARIABLES.webhookDedupeMaxEntries),
    });
  const poll: PollSettings = {
    intervalMs: options.poll?.intervalMs ?? defaultOf(VARIABLES.pollIntervalMs),
    jitterMs: options.poll?.jitterMs ?? defaultOf(VARIABLES.pollJitterMs),
    maxConcurrent: options.poll?.maxConcurrent ?? defaultOf(VARIABLES.pollMaxConcurrent),
    timeoutMs: options.poll?.timeoutMs ?? defaultOf(VARIABLES.pollTimeoutMs),
    detailsEvery: options.poll?.detailsEvery ?? defaultOf(VARIABLES.pollDetailsEvery),
  };
  const kind = options.source ?? 'webhook';
  const source: LiveSource = kind === 'poll' ? createPoller(bus, poll, options) : webhookSource;
  let closed: Promise<void> | undefined;
  const limits = { ...DEFAULT_LIVE_LIMITS, ...options.limits };
  return {
    bus,
    source,
    deduper,
    webhook: kind === 'webhook' ? options.webhook : undefined,
    limits,
    subscribers: new SubscriberRegistry({ perCaller: limits.maxSubscriptionsPerCaller, total: limits.maxSubscribers }),
    logPlaces: new LogPlaces(),
    poll,
    close() {
      closed ??= (async () => {
        await source.close();
        await bus.close();
        await deduper.close();
      })();
      return closed;
    },
  };
}

function createPoller(bus: LiveBus, settings: PollSettings, options: LiveOptions): Poller {
  const upstream = options.upstream;
  if (!upstream) throw new TypeError('createLive: LIVE_SOURCE=poll needs the upstream client (LiveOptions.upstream)');
  return new Poller({
    ...settings,
    bus,
    reads: (context) => conversationsApi(upstream, context),
    ...(options.logger && { logger: options.logger }),
    ...(options.metrics && { observer: options.metrics.pollObserver() }),
  });
}

/** PUBLIC_URL (or a base URL) + /webhooks/conversations: the URL Twilio posts to and signs. */
export function webhookUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '') + WEBHOOK_PATH;
}

export interface EmbeddedWebhooks {
  /** The facade's own base URL, e.g. http://127.0.0.1:4000, where the embedded emulator posts. */
  ownUrl: string;
  /** The demo account, whose auth token signs the emulator's callbacks. */
  accountSid: string;
  authToken: string;
}

/**
 * createLive's options from the configuration. In embedded mode (`embedded` given) the emulator,
 * which posts only to loopback, sends them to the facade's own URL, signed with the demo account's
 * token; otherwise Twilio posts to PUBLIC_URL.
 */
export function liveOptionsFrom(config: LiveConfig, embedded?: EmbeddedWebhooks): LiveOptions {
  const base = embedded ? embedded.ownUrl : config.publicUrl;
  const accountTokens = new Map(config.webhookAuthTokens);
  if (embedded && !accountTokens.has(embedded.accountSid)) accountTokens.set(embedded.accountSid, embedded.authToken);
  return {
    source: config.source,
    webhook:
      config.source === 'webhook' && base !== undefined
        ? { url: webhookUrl(base), accountTokens, defaultToken: config.webhookAuthToken, maxBytes: config.webhookMaxBytes }
        : undefined,
    limits: config.limits,
    poll: config.poll,
    dedupe: config.dedupe,
  };
}

/** Where the embedded emulator reaches the facade: its port on loopback (the address it listens on when that is IPv6 loopback). */
export function loopbackUrl(host: string, port: number): string {
  return host === '::1' || host === '[::1]' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`;
}
