// The documented table of every environment variable the service reads: name, description, default
// and parser. It is the one place a default is written (`npm start -- --help` and the README print
// it; src/live/index.ts reads its defaults).
import { DEFAULT_LIMITS } from '../server/query-limits.ts';
import { LIVE_VARIABLES } from './live.ts';
import { flag, integer, list, oneOf, origins, text, TWILIO_API_URL, url } from './parse.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 'Deadline of one GraphQL request, upstream retries included.', 15_000, 100, 300_000),
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
  accessJwtSecret: text(
    'ACCESS_JWT_SECRET',
    'HMAC secret of bearer JWTs (HS256/384/512) allowed to use the server-held credentials.',
    undefined,
  ),
  accessJwksUrl: url('ACCESS_JWKS_URL', 'JWKS URL of an identity provider whose bearer JWTs may use the server-held credentials.'),
  accessJwtIssuer: text('ACCESS_JWT_ISSUER', 'Required `iss` of bearer JWTs.', undefined),
  accessJwtAudience: text('ACCESS_JWT_AUDIENCE', 'Required `aud` of bearer JWTs.', undefined),
  allowOpenAccess: flag(
    'ALLOW_OPEN_ACCESS',
    'Start with server-held credentials on a non-loopback HOST, or with CORS_ORIGINS=*, without an ACCESS_* policy (anyone reaching the port uses the account).',
    false,
  ),
  tracing: oneOf(
    'TRACING',
    'OpenTelemetry tracing: none, otlp (OTEL_EXPORTER_OTLP_* settings apply) or console.',
    ['none', 'otlp', 'console'] as const,
    'none',
  ),
  corsOrigins: origins(
    'CORS_ORIGINS',
    'Comma-separated browser origins (scheme://host[:port]) allowed to call the API cross-origin, with credentials; * allows any origin, never with credentials.',
    'none: cross-origin browser requests are refused',
  ),
  shutdownGraceMs: integer('SHUTDOWN_GRACE_MS', 'On SIGTERM/SIGINT, how long in-flight requests may finish.', 10_000, 0, 600_000),
  ...LIVE_VARIABLES,
};

/** The variables as a table, for `--help` and the README. */
export function describeVariables(): string {
  const rows = Object.values(VARIABLES).map((spec) => `  ${spec.name.padEnd(34)} ${spec.description} (default: ${spec.defaultText})`);
  return ['Environment variables (all optional):', ...rows].join('\n');
}
