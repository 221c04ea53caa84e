// The live-update part of the configuration (issue 11): where events come from (webhooks or
// polling), how webhooks are verified, the subscription limits and the poller's cadence. Its
// variables join the table in variables.ts; loadConfig (index.ts) calls liveConfig.
import type { PollSettings } from '../live/poller.ts';
import { accountTokens, ConfigError, integer, oneOf, publicUrl, reader, variable } from './parse.ts';
import type { UpstreamMode } from './index.ts';

const LIVE_SOURCES = ['auto', 'webhook', 'poll'] as const;

export const LIVE_VARIABLES = {
  liveSource: oneOf(
    'LIVE_SOURCE',
    'Where live events come from: webhook (status callbacks to /webhooks/conversations), poll (the facade polls the conversations someone subscribes to) or auto (webhooks when PUBLIC_URL is set or in embedded mode, else polling).',
    LIVE_SOURCES,
    'auto',
  ),
  publicUrl: publicUrl(
    'PUBLIC_URL',
    "The facade's public base URL as Twilio reaches it (a path prefix allowed): webhooks are verified against PUBLIC_URL + /webhooks/conversations, never the Host header. The same on every replica.",
  ),
  webhookAuthToken: variable(
    'WEBHOOK_AUTH_TOKEN',
    "Auth token that signs Twilio's webhooks to this service (X-Twilio-Signature).",
    'TWILIO_AUTH_TOKEN when set',
    (raw) => (raw === undefined || raw === '' ? undefined : raw),
  ),
  webhookAuthTokens: accountTokens(
    'WEBHOOK_AUTH_TOKENS',
    "For several accounts: comma-separated AC…:token pairs; a webhook is verified with the token of its payload's data.accountId.",
  ),
  webhookMaxBytes: integer('WEBHOOK_MAX_BYTES', 'Largest webhook body accepted (413 beyond).', 1_048_576, 1024, 50_000_000),
  webhookDedupeTtlMs: integer(
    'WEBHOOK_DEDUPE_TTL_MS',
    'How long a webhook delivery (I-Twilio-Idempotency-Token) is remembered, so a repeat is published once.',
    3_600_000,
    1000,
    7 * 24 * 3_600_000,
  ),
  webhookDedupeMaxEntries: integer(
    'WEBHOOK_DEDUPE_MAX_ENTRIES',
    'Most webhook deliveries remembered (the oldest are forgotten first).',
    100_000,
    1,
    10_000_000,
  ),
  maxSubscriptionsPerConnection: integer(
    'MAX_SUBSCRIPTIONS_PER_CONNECTION',
    'Most subscriptions open on one WebSocket connection.',
    100,
    1,
    100_000,
  ),
  maxSubscriptionsPerCaller: integer(
    'MAX_SUBSCRIPTIONS_PER_CALLER',
    'Most subscriptions open at once with one set of credentials.',
    1000,
    1,
    1_000_000,
  ),
  maxSubscribers: integer('MAX_SUBSCRIBERS', 'Most subscriptions open at once on this replica.', 10_000, 1, 10_000_000),
  subscriberBuffer: integer(
    'SUBSCRIBER_BUFFER',
    'Events buffered for a subscriber that does not keep up; one more closes its subscription with an error (resume with after).',
    256,
    1,
    1_000_000,
  ),
  pollIntervalMs: integer(
    'POLL_INTERVAL_MS',
    'LIVE_SOURCE=poll: time between two polls of one conversation (or inbox).',
    2000,
    100,
    3_600_000,
  ),
  pollJitterMs: integer(
    'POLL_JITTER_MS',
    'LIVE_SOURCE=poll: random extra delay of each poll, up to this long (pollers spread out).',
    500,
    0,
    3_600_000,
  ),
  pollMaxConcurrent: integer(
    'POLL_MAX_CONCURRENT',
    'LIVE_SOURCE=poll: polls in flight at once across all conversations (the rest wait their turn).',
    8,
    1,
    1000,
  ),
  pollTimeoutMs: integer(
    'POLL_TIMEOUT_MS',
    'LIVE_SOURCE=poll: the longest one poll may take, retries and queueing included.',
    10_000,
    100,
    300_000,
  ),
  pollDetailsEvery: integer(
    'POLL_DETAILS_EVERY',
    'LIVE_SOURCE=poll: every this-many polls of a conversation also read the conversation and its participants (2 more calls); 0: never.',
    10,
    0,
    1_000_000,
  ),
};

export interface LiveConfig {
  /** LIVE_SOURCE with auto resolved: webhooks when PUBLIC_URL is set or in embedded mode, else polling. */
  source: 'webhook' | 'poll';
  /** PUBLIC_URL, no trailing slash; unset in embedded mode means the facade's own loopback URL. */
  publicUrl: string | undefined;
  /** WEBHOOK_AUTH_TOKEN, or TWILIO_AUTH_TOKEN (then only for TWILIO_ACCOUNT_SID, the account it belongs to). */
  webhookAuthToken: { authToken: string; accountSid?: string | undefined } | undefined;
  /** WEBHOOK_AUTH_TOKENS: auth token by Account SID. */
  webhookAuthTokens: ReadonlyMap<string, string>;
  webhookMaxBytes: number;
  dedupe: { ttlMs: number; maxEntries: number };
  limits: LiveLimits;
  poll: PollSettings;
}

export interface LiveLimits {
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerCaller: number;
  maxSubscribers: number;
  /** Events buffered per subscriber (the bus's maxBuffered). */
  subscriberBuffer: number;
}

/** LIVE_SOURCE=auto: webhooks when Twilio can reach the facade (PUBLIC_URL) or the embedded emulator delivers them, else polling. */
export function resolveLiveSource(
  setting: (typeof LIVE_SOURCES)[number],
  options: { publicUrl: string | undefined; embedded: boolean },
): 'webhook' | 'poll' {
  if (setting !== 'auto') return setting;
  return options.publicUrl !== undefined || options.embedded ? 'webhook' : 'poll';
}

/**
 * `account`: TWILIO_AUTH_TOKEN and TWILIO_ACCOUNT_SID as read by loadConfig, the webhooks' token when
 * WEBHOOK_AUTH_TOKEN is unset.
 */
export function liveConfig(
  env: NodeJS.ProcessEnv,
  upstream: UpstreamMode,
  account: { authToken: string | undefined; accountSid: string | undefined },
): LiveConfig {
  const read = reader(env);
  const v = LIVE_VARIABLES;
  const embedded = upstream.kind === 'embedded-emulator';
  const publicUrl = read(v.publicUrl);
  const setting = read(v.liveSource);
  const source = resolveLiveSource(setting, { publicUrl, embedded });
  const explicitToken = read(v.webhookAuthToken);
  const accountToken = account.authToken;
  const webhookAuthToken = explicitToken
    ? { authToken: explicitToken }
    : accountToken
      ? { authToken: accountToken, accountSid: account.accountSid }
      : undefined;
  const webhookAuthTokens = read(v.webhookAuthTokens);
  if (source === 'webhook' && !embedded) {
    if (publicUrl === undefined) {
      throw new ConfigError('LIVE_SOURCE=webhook needs PUBLIC_URL, the URL Twilio posts status callbacks to (or set LIVE_SOURCE=poll)');
    }
    if (!webhookAuthToken && webhookAuthTokens.size === 0) {
      throw new ConfigError(
        'Webhooks (PUBLIC_URL is set) need the token that signs them: set WEBHOOK_AUTH_TOKEN or WEBHOOK_AUTH_TOKENS (or LIVE_SOURCE=poll)',
      );
    }
  }
  return {
    source,
    publicUrl,
    webhookAuthToken,
    webhookAuthTokens,
    webhookMaxBytes: read(v.webhookMaxBytes),
    dedupe: { ttlMs: read(v.webhookDedupeTtlMs), maxEntries: read(v.webhookDedupeMaxEntries) },
    limits: {
      maxSubscriptionsPerConnection: read(v.maxSubscriptionsPerConnection),
      maxSubscriptionsPerCaller: read(v.maxSubscriptionsPerCaller),
      maxSubscribers: read(v.maxSubscribers),
      subscriberBuffer: read(v.subscriberBuffer),
    },
    poll: {
      intervalMs: read(v.pollIntervalMs),
      jitterMs: read(v.pollJitterMs),
      maxConcurrent: read(v.pollMaxConcurrent),
      timeoutMs: read(v.pollTimeoutMs),
      detailsEvery: read(v.pollDetailsEvery),
    },
  };
}
