// Configuration: every environment variable the service reads, in one table (variables.ts), parsed
// and checked at start (parse.ts). A bad value stops the process with one line naming the
// variable; the same table documents the variables (`npm start -- --help`, README).
import { hasAccessPolicy, type AccessPolicy } from '../server/access.ts';
import { ANY_ORIGIN } from '../server/cors.ts';
import type { TracingExporter } from '../observability/tracing.ts';
import type { QueryLimits } from '../server/query-limits.ts';
import { makeCredentials, type Credentials } from '../upstream/credentials.ts';
import type { ResilienceOptions } from '../upstream/resilience.ts';
import { liveConfig, type LiveConfig } from './live.ts';
import { ConfigError, reader, TWILIO_API_URL, type Variable } from './parse.ts';
import { type LOG_LEVELS, VARIABLES } from './variables.ts';

export { resolveLiveSource, type LiveConfig, type LiveLimits } from './live.ts';
export { ConfigError, TWILIO_API_URL } from './parse.ts';
export { describeVariables, VARIABLES } from './variables.ts';

export type UpstreamMode =
  | { kind: 'remote'; url: string; credentials: Credentials | null }
  | { kind: 'embedded-emulator'; accountSid: string; authToken: string };

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

function credentialPair(a: Variable<string | undefined>, b: Variable<string | undefined>, env: NodeJS.ProcessEnv): Credentials | undefined {
  const username = a.read(env[a.name]);
  const password = b.read(env[b.name]);
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new ConfigError(`${a.name} and ${b.name} must be set together (only ${username ? a.name : b.name} is set)`);
  }
  return makeCredentials(username, password);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const read = reader(env);
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

  const live = liveConfig(env, upstream, { authToken: read(v.authToken), accountSid: read(v.accountSid) });

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
