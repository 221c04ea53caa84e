// Builds the configured GraphQL server (graphql-yoga) without listening: main.ts serves it over
// HTTP, tests serve it on a free port. Each request gets its own loaders, bound to its own
// credentials and deadline; the plugins in server/ add limits, access, telemetry and errors.
import type { Tracer } from '@opentelemetry/api';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config/index.ts';
import { CursorCodec } from './connections/index.ts';
import { createLive, type Live } from './live/index.ts';
import { createSubscriptionRuntime } from './live/runtime.ts';
import { useWebhookEndpoint } from './live/webhook.ts';
import { createLoaders } from './loaders/index.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { schema, type Context } from './schema/index.ts';
import type { AccessPolicy } from './server/access.ts';
import { useArgumentBounds } from './server/argument-bounds.ts';
import { boundedParserCaches } from './server/bounded-cache.ts';
import { graphiqlOptions, renderGraphiQLPage } from './server/graphiql-page.ts';
import { useCompiledExecution } from './server/compiled-execution.ts';
import { useCors } from './server/cors.ts';
import { useOperationalEndpoints, useJsonBodiesOnly } from './server/endpoints.ts';
import { useErrorPolicy } from './server/error-policy.ts';
import { LinkedSignal, requestDeadline, useRequestDeadlines } from './server/linked-signal.ts';
import { upstreamProbe } from './server/readiness.ts';
import { useRequestGuard } from './server/request-guard.ts';
import { useOperationGuard } from './server/operation-selection.ts';
import { useConnectionArguments } from './server/connection-arguments.ts';
import { useCredentialExpiry, type CredentialExpiry } from './server/credential-expiry.ts';
import { useReadyResults } from './server/ready-results.ts';
import { credentialsResolver } from './server/credentials.ts';
import { DEFAULT_LIMITS, queryLimitPlugins, type QueryLimits } from './server/query-limits.ts';
import { useSubscriptions } from './server/subscriptions.ts';
import { recordOf, useTelemetry } from './server/telemetry.ts';
import { DEFAULT_WEBSOCKET_OPTIONS, enableWebSockets, type WebSocketOptions } from './server/websocket.ts';
import { useWebSocketAdmission } from './server/websocket-operations.ts';
import { conversationsApi } from './upstream/api.ts';
import type { UpstreamClient } from './upstream/client.ts';
import type { Credentials } from './upstream/credentials.ts';

/** Used when CURSOR_SECRET is unset: cursors still verify across restarts and replicas, but are forgeable. */
const DEFAULT_CURSOR_SECRET = 'conversations-graphql default cursor key; set CURSOR_SECRET';

export interface FacadeOptions {
  upstream: UpstreamClient;
  /** Sent upstream for requests that bring no `Authorization: Basic` of their own. */
  serverCredentials: Credentials | null;
  cursorSecret?: string | undefined;
  maxPagesPerConnection: number;
  /** Deadline of one GraphQL request: upstream calls and retries stop when it passes. */
  requestTimeoutMs: number;
  /** GraphiQL's options (its opening tabs), or false to serve no GraphiQL. */
  graphiql?: GraphiQLOptions | false;
  introspection?: boolean;
  limits?: Partial<QueryLimits>;
  /** Who may use the server-held credentials; unset: anyone who reaches the port. */
  access?: AccessPolicy;
  maxRequestBytes?: number;
  /** graphql-jit (default true); false runs graphql-js, the reference the differential tests compare against. */
  compiledExecution?: boolean;
  /** Browser origins allowed cross-origin, with credentials; `*`: any origin, without. Unset: cross-origin requests are refused. */
  corsOrigins?: readonly string[];
  logger?: Logger;
  metrics?: Metrics;
  tracer?: Tracer | undefined;
  /**
   * Live updates (src/live/index.ts createLive): the bus, the source, webhook verification and the
   * limits; subscription resolvers see it as `context.live`. Unset: an in-process bus with webhooks
   * off. The caller owns it: live.close() at shutdown.
   */
  live?: Live;
  /** graphql-ws on /graphql (server/websocket.ts attachWebSockets): connection_init deadline and pings. */
  webSocket?: Partial<WebSocketOptions>;
}

/** The facade's settings that come from the environment (main.ts; the benchmark runs the same). */
export function configuredOptions(
  config: Config,
): Pick<
  FacadeOptions,
  'cursorSecret' | 'maxPagesPerConnection' | 'requestTimeoutMs' | 'introspection' | 'limits' | 'access' | 'maxRequestBytes' | 'corsOrigins'
> {
  return {
    cursorSecret: config.cursorSecret,
    maxPagesPerConnection: config.maxPagesPerConnection,
    requestTimeoutMs: config.requestTimeoutMs,
    introspection: config.introspection,
    limits: config.limits,
    access: config.access,
    maxRequestBytes: config.maxRequestBytes,
    corsOrigins: config.corsOrigins,
  };
}

export function createFacade(options: FacadeOptions): YogaServerInstance<Record<string, unknown>, Context> {
  const cursors = new CursorCodec(options.cursorSecret ?? DEFAULT_CURSOR_SECRET);
  const logger = options.logger ?? createLogger('silent');
  const metrics = options.metrics ?? new Metrics();
  const introspection = options.introspection ?? true;
  const limits = { ...DEFAULT_LIMITS, blockFieldSuggestions: !introspection, ...options.limits };
  const onBatch = (loader: string, size: number) => metrics.loaderBatchSize.observe({ loader }, size);
  const live = options.live ?? createLive();
  const subscriptions = createSubscriptionRuntime(live.subscribers, live.logPlaces, live.limits, options.requestTimeoutMs, metrics);

  const credentialsFor = credentialsResolver(options.serverCredentials, options.access);

  const probeUpstream = upstreamProbe(options.upstream, options.serverCredentials);

  const plugins: Plugin[] = [
    useTelemetry({ logger, metrics, tracer: options.tracer }),
    useRequestDeadlines(),
    // Status callbacks, outside GraphQL and before the browser policies: verified by signature alone.
    useWebhookEndpoint({ bus: live.bus, deduper: live.deduper, settings: live.webhook, logger, metrics }),
    useCors(options.corsOrigins),
    useOperationalEndpoints({ metrics, probe: probeUpstream }),
    useJsonBodiesOnly(),
    useRequestGuard({ maxRequestBytes: options.maxRequestBytes ?? 100_000, graphqlEndpoint: '/graphql' }),
    ...(introspection ? [] : [useDisableIntrospection() as Plugin]),
    useOperationGuard(),
    useWebSocketAdmission(live.limits.maxSubscriptionsPerConnection),
    ...queryLimitPlugins(limits),
    useConnectionArguments(cursors),
    useArgumentBounds(),
    ...useCompiledExecution({ enabled: options.compiledExecution ?? true }),
    useSubscriptions(),
    useCredentialExpiry(),
    useReadyResults(),
    useErrorPolicy(logger),
  ];

  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    cors: false, // replaced by useCors: yoga's default reflects any origin with credentials
    healthCheckEndpoint: '/health',
    graphiql: options.graphiql === false ? false : graphiqlOptions(options.graphiql),
    renderGraphiQL: renderGraphiQLPage,
    logging: false,
    maskedErrors: false,
    batching: false,
    parserAndValidationCache: boundedParserCaches(),
    // Bodies are read within MAX_REQUEST_BYTES by our own parsers (server/bounded-body.ts), not yoga's limiter.
    maxRequestBodySize: false,
    plugins,
    context: async ({ request }): Promise<Context & CredentialExpiry> => {
      const record = recordOf(request);
      const { credentials, credentialsExpireAt } = await credentialsFor(request);
      const api = conversationsApi(options.upstream, {
        credentials,
        requestId: record.id,
        deadline: Date.now() + options.requestTimeoutMs,
        signal: requestDeadline(request, options.requestTimeoutMs).signal,
        onCall: () => {
          record.upstreamCalls++;
        },
      });
      // Long-lived work (a subscription's catch-up reads and events) gets loaders of its own, each
      // with a fresh deadline: this request's deadline and cache must not live on in a stream.
      const freshLoaders = (signal?: AbortSignal) => {
        const fresh = conversationsApi(options.upstream, {
          credentials,
          requestId: record.id,
          deadline: Date.now() + options.requestTimeoutMs,
          signal: new LinkedSignal(signal, options.requestTimeoutMs).signal,
        });
        return createLoaders(fresh, onBatch);
      };
      return {
        loaders: createLoaders(api, onBatch),
        cursors,
        maxPagesPerConnection: options.maxPagesPerConnection,
        live,
        credentialsExpireAt,
        credentials,
        freshLoaders,
        subscriptions,
      };
    },
  });
  enableWebSockets(yoga, {
    ...DEFAULT_WEBSOCKET_OPTIONS,
    ...options.webSocket,
    schema,
    logger,
    metrics,
    corsOrigins: options.corsOrigins,
    maxPayloadBytes: options.maxRequestBytes ?? 100_000,
  });
  return yoga;
}
