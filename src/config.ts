// Configuration: every environment variable the service reads, in one table, parsed and checked
// at start. A bad value stops the process with one line naming the variable; the same table
// documents the variables (`npm start -- --help`, README).
import { makeCredentials, type Credentials } from './upstream/credentials.ts';
import type { PollSettings } from './live/poller.ts';
import type { TracingExporter } from './observability/tracing.ts';
import { hasAccessPolicy, type AccessPolicy } from './server/access.ts';
import { ANY_ORIGIN, parseOrigin } from './server/cors.ts';
import { DEFAULT_LIMITS, type QueryLimits } from './server/query-limits.ts';
import type { ResilienceOptions } from './upstream/resilience.ts';

export const TWILIO_API_URL = 'https://conversations.twilio.com';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LIVE_SOURCES = ['auto', 'webhook', 'poll'] as const;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface Variable<T> {
  name: string;
  description: string;
  /** Shown in the docs; undefined means "not set". */
  defaultText: string;
  read(raw: string | undefined): T;
}

function variable<T>(name: string, description: string, defaultText: string, parse: (raw: string | undefined) => T) {
  return { name, description, defaultText, read: parse } satisfies Variable<T>;
}

function integer(name: string, description: string, fallback: number, min: number, max: number) {
  return variable(name, description, String(fallback), (raw) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  });
}

function text(name: string, description: string, fallback: string | undefined) {
  return variable(name, description, fallback ?? '(none)', (raw) => (raw === undefined || raw === '' ? fallback : raw));
}

function oneOf<const T extends string>(name: string, description: string, values: readonly T[], fallback: T) {
  return variable(name, description, fallback, (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
    }
    return raw as T;
  });
}

function flag(name: string, description: string, fallback: boolean) {
  return variable(name, description, String(fallback), (raw) => {
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(`${name} must be true or false (got "${raw}")`);
  });
}

function list(name: string, description: string) {
  return variable(name, description, '(none)', (raw) =>
    (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
}

/** Comma-separated exact origins (as browsers send them in `Origin`), or `*`. */
function origins(name: string, description: string, defaultText: string) {
  return variable(name, description, defaultText, (raw) => {
    const values = (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    for (const value of values) {
      const parsed = parseOrigin(value);
      if ('problem' in parsed) {
        throw new ConfigError(`${name} must list origins such as http://127.0.0.1:5173 (scheme://host[:port]) or * (got "${value}": ${parsed.problem})`);
      }
    }
    return values;
  });
}

function url(name: string, description: string, defaultText = '(none)') {
  return variable(name, description, defaultText, (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`${name} must be an http(s) URL such as ${TWILIO_API_URL}`);
    }
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash || parsed.username) {
      throw new ConfigError(`${name} must be an http(s) URL without credentials, query or fragment`);
    }
    if (/\/v2\/?$/.test(parsed.pathname)) throw new ConfigError(`${name} must not end in /v2 (the facade adds it)`);
    return parsed.toString().replace(/\/+$/, '');
  });
}

/** The facade's public base URL (possibly with a path prefix), as Twilio reaches it. */
function publicUrl(name: string, description: string) {
  return variable(name, description, '(none)', (raw) => {
    if (raw === undefined || raw === '') return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(raw);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash || parsed.username || parsed.password || raw.includes('?') || raw.includes('#')) {
      throw new ConfigError(`${name} must be an http(s) URL without credentials, query or fragment, such as https://graphql.example.com`);
    }
    // As written (not WHATWG-normalised): Twilio signs the URL as the operator configured it.
    return raw.replace(/\/+$/, '');
  });
}

/** `AC…:token` pairs, comma-separated. A problem names the entry by position, never its token. */
function accountTokens(name: string, description: string) {
  return variable(name, description, '(none)', (raw) => {
    const tokens = new Map<string, string>();
    const entries = (raw ?? '').split(',').map((entry) => entry.trim());
    if (entries.length === 1 && entries[0] === '') return tokens;
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const account = entry.slice(0, colon);
      const token = entry.slice(colon + 1).trim();
      if (colon === -1 || !ACCOUNT_SID.test(account.trim()) || token === '') {
        throw new ConfigError(`${name} must be comma-separated AC…:token pairs (an Account SID, a colon, its auth token); entry ${index + 1} is not`);
      }
      if (tokens.has(account.trim())) throw new ConfigError(`${name} names ${account.trim()} twice`);
      tokens.set(account.trim(), token);
    });
    return tokens;
  });
}

export const VARIABLES = {
  port: integer('PORT', 'Port the facade listens on.', 4000, 0, 65535),
  host: text('HOST', 'Address the facade listens on.', '127.0.0.1'),
  apiUrl: url(
    'CONVERSATIONS_API_URL',
    'Upstream base URL (no trailing /v2).',
    `${TWILIO_API_URL} when credentials are set, the embedded emulator otherwise`,
  ),
  apiKey: text('TWILIO_API_KEY', 'API key SID (SK…) for server-held upstream credentials; with TWILIO_API_SECRET.', undefined),
  apiSecret: text('TWILIO_API_SECRET', 'API key secret; with TWILIO_API_KEY.', undefined),
  accountSid: text('TWILIO_ACCOUNT_SID', 'Account SID (AC…), the alternative to an API key; with TWILIO_AUTH_TOKEN.', undefined),
  authToken: text('TWILIO_AUTH_TOKEN', 'Auth token; with TWILIO_ACCOUNT_SID.', undefined),
  logLevel: oneOf('LOG_LEVEL', 'Log level.', LOG_LEVELS, 'info'),
  cursorSecret: text(
    'CURSOR_SECRET',
    'Key that signs pagination cursors. Set it (the same on every replica) so cursors cannot be forged.',
    undefined,
  ),
  // Documented here, read by the emulator alone (src/emulator/main.ts: it imports nothing of the facade).
  emulatorPort: integer('EMULATOR_PORT', 'Port of the emulator when run alone (npm run emulator).', 4010, 0, 65535),
  emulatorAccountSid: text('EMULATOR_ACCOUNT_SID', "The emulator's demo account.", 'AC00000000000000000000000000000000'),
  emulatorAuthToken: text('EMULATOR_AUTH_TOKEN', "The emulator's demo account's auth token.", 'emulator'),
  connectTimeoutMs: integer('UPSTREAM_CONNECT_TIMEOUT_MS', 'Timeout to open an upstream connection.', 3000, 1, 120_000),
  headersTimeoutMs: integer('UPSTREAM_HEADERS_TIMEOUT_MS', 'Timeout for upstream response headers.', 10_000, 1, 300_000),
  bodyTimeoutMs: integer('UPSTREAM_BODY_TIMEOUT_MS', 'Timeout between upstream body chunks.', 10_000, 1, 300_000),
  maxResponseBytes: integer(
    'UPSTREAM_MAX_RESPONSE_BYTES',
    'Largest upstream response body accepted.',
    16 * 1024 * 1024,
    1024,
    512 * 1024 * 1024,
  ),
  upstreamConnections: integer('UPSTREAM_CONNECTIONS', 'Keep-alive connections to the upstream.', 64, 1, 1024),
  requestTimeoutMs: integer(
    'REQUEST_TIMEOUT_MS',
    'Deadline of one GraphQL request, upstream retries included.',
    15_000,
    100,
    300_000,
  ),
  maxAttempts: integer('UPSTREAM_MAX_ATTEMPTS', 'Attempts per upstream call, the first included (1 = no retries).', 3, 1, 10),
  retryBaseDelayMs: integer('UPSTREAM_RETRY_BASE_DELAY_MS', 'First retry backoff ceiling (full jitter, doubling).', 100, 0, 60_000),
  retryMaxDelayMs: integer('UPSTREAM_RETRY_MAX_DELAY_MS', 'Largest retry backoff ceiling.', 2000, 0, 60_000),
  maxRetryAfterMs: integer(
    'UPSTREAM_MAX_RETRY_AFTER_MS',
    'Longest Retry-After waited for; a longer one is passed to the caller as RATE_LIMITED.retryAfter.',
    5000,
    0,
    300_000,
  ),
  maxQueue: integer('UPSTREAM_MAX_QUEUE', 'Upstream calls that may wait for a connection before new ones are refused.', 512, 0, 100_000),
  breakerFailurePercent: integer('BREAKER_FAILURE_PERCENT', 'Share of failing upstream calls that opens the circuit breaker.', 50, 1, 100),
  breakerVolume: integer('BREAKER_MIN_CALLS', 'Upstream calls in the window before the breaker may open.', 20, 1, 1_000_000),
  breakerWindowMs: integer('BREAKER_WINDOW_MS', "Window of the breaker's failure count.", 10_000, 100, 600_000),
  breakerResetMs: integer('BREAKER_RESET_MS', 'How long the breaker stays open before probing the upstream.', 5000, 10, 600_000),
  maxPagesPerConnection: integer(
    'MAX_UPSTREAM_PAGES_PER_CONNECTION',
    'Most upstream pages one connection field may read (e.g. `last` walking to the end of a long list).',
    20,
    1,
    1000,
  ),
  graphiql: flag('GRAPHIQL', 'Serve GraphiQL at /graphql to browsers.', true),
  introspection: flag('INTROSPECTION', 'Allow schema introspection (off also hides field suggestions).', true),
  maxDepth: integer('MAX_QUERY_DEPTH', 'Deepest field nesting a query may have.', DEFAULT_LIMITS.maxDepth, 1, 100),
  maxAliases: integer('MAX_QUERY_ALIASES', 'Most aliases in one query.', DEFAULT_LIMITS.maxAliases, 0, 1000),
  maxTokens: integer('MAX_QUERY_TOKENS', 'Most lexical tokens in one document.', DEFAULT_LIMITS.maxTokens, 10, 1_000_000),
  maxDirectives: integer('MAX_QUERY_DIRECTIVES', 'Most directives in one query.', DEFAULT_LIMITS.maxDirectives, 0, 1000),
  maxCost: integer(
    'MAX_QUERY_COST',
    'Largest query cost: a connection costs first/last (default 20) times its selections, other object fields 1.',
    DEFAULT_LIMITS.maxCost,
    1,
    10_000_000,
  ),
  maxRequestBytes: integer('MAX_REQUEST_BYTES', 'Largest request body accepted.', 100_000, 1024, 50_000_000),
  accessTokens: list('ACCESS_TOKENS', 'Comma-separated bearer tokens allowed to use the server-held credentials.'),
  accessJwtSecret: text('ACCESS_JWT_SECRET', 'HMAC secret of bearer JWTs (HS256/384/512) allowed to use the server-held credentials.', undefined),
  accessJwksUrl: url('ACCESS_JWKS_URL', 'JWKS URL of an identity provider whose bearer JWTs may use the server-held credentials.'),
  accessJwtIssuer: text('ACCESS_JWT_ISSUER', 'Required `iss` of bearer JWTs.', undefined),
  accessJwtAudience: text('ACCESS_JWT_AUDIENCE', 'Required `aud` of bearer JWTs.', undefined),
  allowOpenAccess: flag(
    'ALLOW_OPEN_ACCESS',
    'Start with server-held credentials on a non-loopback HOST, or with CORS_ORIGINS=*, without an ACCESS_* policy (anyone reaching the port uses the account).',
    false,
  ),
  tracing: oneOf('TRACING', 'OpenTelemetry tracing: none, otlp (OTEL_EXPORTER_OTLP_* settings apply) or console.', ['none', 'otlp', 'console'] as const, 'none'),
  corsOrigins: origins(
    'CORS_ORIGINS',
    'Comma-separated browser origins (scheme://host[:port]) allowed to call the API cross-origin, with credentials; * allows any origin, never with credentials.',
    'none: cross-origin browser requests are refused',
  ),
  shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 'On SIGTERM/SIGINT, how long in-flight requests may finish.', 10_000, 0, 600_000),
  // Live updates (issue 11): where events come from, how webhooks are verified, and the limits.
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
  maxSubscriptionsPerConnection: integer('MAX_SUBSCRIPTIONS_PER_CONNECTION', 'Most subscriptions open on one WebSocket connection.', 100, 1, 100_000),
  maxSubscriptionsPerCaller: integer('MAX_SUBSCRIPTIONS_PER_CALLER', 'Most subscriptions open at once with one set of credentials.', 1000, 1, 1_000_000),
  maxSubscribers: integer('MAX_SUBSCRIBERS', 'Most subscriptions open at once on this replica.', 10_000, 1, 10_000_000),
  subscriberBuffer: integer(
    'SUBSCRIBER_BUFFER',
    'Events buffered for a subscriber that does not keep up; one more closes its subscription with an error (resume with after).',
    256,
    1,
    1_000_000,
  ),
  pollIntervalMs: integer('POLL_INTERVAL_MS', 'LIVE_SOURCE=poll: time between two polls of one conversation (or inbox).', 2000, 100, 3_600_000),
  pollJitterMs: integer('POLL_JITTER_MS', 'LIVE_SOURCE=poll: random extra delay of each poll, up to this long (pollers spread out).', 500, 0, 3_600_000),
  pollMaxConcurrent: integer('POLL_MAX_CONCURRENT', 'LIVE_SOURCE=poll: polls in flight at once across all conversations (the rest wait their turn).', 8, 1, 1000),
  pollTimeoutMs: integer('POLL_TIMEOUT_MS', 'LIVE_SOURCE=poll: the longest one poll may take, retries and queueing included.', 10_000, 100, 300_000),
  pollDetailsEvery: integer(
    'POLL_DETAILS_EVERY',
    "LIVE_SOURCE=poll: every this-many polls of a conversation also read the conversation and its participants (2 more calls); 0: never.",
    10,
    0,
    1_000_000,
  ),
};

export type UpstreamMode =
  | { kind: 'remote'; url: string; credentials: Credentials | null }
  | { kind: 'embedded-emulator'; accountSid: string; authToken: string };

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
export function resolveLiveSource(setting: (typeof LIVE_SOURCES)[number], options: { publicUrl: string | undefined; embedded: boolean }): 'webhook' | 'poll' {
  if (setting !== 'auto') return setting;
  return options.publicUrl !== undefined || options.embedded ? 'webhook' : 'poll';
}

export interface Config {
  port: number;
  host: string;
  upstream: UpstreamMode;
  logLevel: (typeof LOG_LEVELS)[number];
  cursorSecret: string | undefined;
  upstreamHttp: {
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    maxResponseBytes: number;
    connections: number;
    resilience: ResilienceOptions;
  };
  requestTimeoutMs: number;
  maxPagesPerConnection: number;
  graphiql: boolean;
  introspection: boolean;
  limits: QueryLimits;
  maxRequestBytes: number;
  access: AccessPolicy;
  tracing: TracingExporter;
  shutdownGraceMs: number;
  /** Browser origins allowed cross-origin; `*`: any, without credentials. */
  corsOrigins: string[];
  live: LiveConfig;
}

function credentialPair(
  a: Variable<string | undefined>,
  b: Variable<string | undefined>,
  env: NodeJS.ProcessEnv,
): Credentials | undefined {
  const username = a.read(env[a.name]);
  const password = b.read(env[b.name]);
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new ConfigError(`${a.name} and ${b.name} must be set together (only ${username ? a.name : b.name} is set)`);
  }
  return makeCredentials(username, password);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = <T>(spec: Variable<T>): T => spec.read(env[spec.name]);
  const v = VARIABLES;
  const apiKey = credentialPair(v.apiKey, v.apiSecret, env);
  const account = credentialPair(v.accountSid, v.authToken, env);
  if (apiKey && account) {
    throw new ConfigError('Set either TWILIO_API_KEY/TWILIO_API_SECRET or TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN, not both');
  }
  const credentials = apiKey ?? account ?? null;
  const apiUrl = read(v.apiUrl);
  const upstream: UpstreamMode =
    apiUrl === undefined && credentials === null
      ? {
          kind: 'embedded-emulator',
          accountSid: read(v.emulatorAccountSid) ?? '',
          authToken: read(v.emulatorAuthToken) ?? '',
        }
      : { kind: 'remote', url: apiUrl ?? TWILIO_API_URL, credentials };

  const host = read(v.host) ?? '127.0.0.1';
  const introspection = read(v.introspection);
  const access: AccessPolicy = {
    tokens: read(v.accessTokens),
    jwtSecret: read(v.accessJwtSecret),
    jwksUrl: read(v.accessJwksUrl),
    jwtIssuer: read(v.accessJwtIssuer),
    jwtAudience: read(v.accessJwtAudience),
  };
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  if (credentials && !loopback && !hasAccessPolicy(access) && !read(v.allowOpenAccess)) {
    throw new ConfigError(
      `HOST=${host} with server-held Twilio credentials would let anyone who reaches the port use the account: set ACCESS_TOKENS, ACCESS_JWT_SECRET or ACCESS_JWKS_URL (or ALLOW_OPEN_ACCESS=true)`,
    );
  }
  const corsOrigins = read(v.corsOrigins);
  // `*` with server-held credentials and no policy: every web page any visitor opens could read
  // and write the account through their browser, even on loopback.
  if (credentials && corsOrigins.includes(ANY_ORIGIN) && !hasAccessPolicy(access) && !read(v.allowOpenAccess)) {
    throw new ConfigError(
      'CORS_ORIGINS=* with server-held Twilio credentials would let any web page use the account: set ACCESS_TOKENS, ACCESS_JWT_SECRET or ACCESS_JWKS_URL (or ALLOW_OPEN_ACCESS=true)',
    );
  }

  const live = liveConfig(env, upstream);

  return {
    live,
    port: read(v.port),
    host,
    upstream,
    logLevel: read(v.logLevel),
    cursorSecret: read(v.cursorSecret),
    upstreamHttp: {
      connectTimeoutMs: read(v.connectTimeoutMs),
      headersTimeoutMs: read(v.headersTimeoutMs),
      bodyTimeoutMs: read(v.bodyTimeoutMs),
      maxResponseBytes: read(v.maxResponseBytes),
      connections: read(v.upstreamConnections),
      resilience: {
        maxAttempts: read(v.maxAttempts),
        baseDelayMs: read(v.retryBaseDelayMs),
        maxDelayMs: read(v.retryMaxDelayMs),
        maxRetryAfterMs: read(v.maxRetryAfterMs),
        maxConcurrent: read(v.upstreamConnections),
        maxQueue: read(v.maxQueue),
        breaker: {
          failureThresholdPercent: read(v.breakerFailurePercent),
          volumeThreshold: read(v.breakerVolume),
          windowMs: read(v.breakerWindowMs),
          resetTimeoutMs: read(v.breakerResetMs),
        },
      },
    },
    requestTimeoutMs: read(v.requestTimeoutMs),
    graphiql: read(v.graphiql),
    introspection,
    limits: {
      maxDepth: read(v.maxDepth),
      maxAliases: read(v.maxAliases),
      maxTokens: read(v.maxTokens),
      maxDirectives: read(v.maxDirectives),
      maxCost: read(v.maxCost),
      blockFieldSuggestions: !introspection,
    },
    maxRequestBytes: read(v.maxRequestBytes),
    access,
    tracing: read(v.tracing),
    shutdownGraceMs: read(v.shutdownGraceMs),
    corsOrigins,
    maxPagesPerConnection: read(v.maxPagesPerConnection),
  };
}

function liveConfig(env: NodeJS.ProcessEnv, upstream: UpstreamMode): LiveConfig {
  const read = <T>(spec: Variable<T>): T => spec.read(env[spec.name]);
  const v = VARIABLES;
  const embedded = upstream.kind === 'embedded-emulator';
  const publicUrl = read(v.publicUrl);
  const setting = read(v.liveSource);
  const source = resolveLiveSource(setting, { publicUrl, embedded });
  const explicitToken = read(v.webhookAuthToken);
  const accountToken = read(v.authToken);
  const webhookAuthToken = explicitToken
    ? { authToken: explicitToken }
    : accountToken
      ? { authToken: accountToken, accountSid: read(v.accountSid) }
      : undefined;
  const webhookAuthTokens = read(v.webhookAuthTokens);
  if (source === 'webhook' && !embedded) {
    if (publicUrl === undefined) {
      throw new ConfigError('LIVE_SOURCE=webhook needs PUBLIC_URL, the URL Twilio posts status callbacks to (or set LIVE_SOURCE=poll)');
    }
    if (!webhookAuthToken && webhookAuthTokens.size === 0) {
      throw new ConfigError('Webhooks (PUBLIC_URL is set) need the token that signs them: set WEBHOOK_AUTH_TOKEN or WEBHOOK_AUTH_TOKENS (or LIVE_SOURCE=poll)');
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

/** The variables as a table, for `--help` and the README. */
export function describeVariables(): string {
  const rows = Object.values(VARIABLES).map((spec) => `  ${spec.name.padEnd(34)} ${spec.description} (default: ${spec.defaultText})`);
  return ['Environment variables (all optional):', ...rows].join('\n');
}
