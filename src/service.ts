// The facade wired once: the upstream client, metrics, live updates, the GraphQL server, the HTTP
// server with WebSockets, and their shutdown in order. main.ts, the benchmark's facade
// (bench/servers/facade.ts) and the test stack (test/helpers/stack.ts) all build it here, so what
// is measured and tested is what runs; they differ only in the overrides (upstream, credentials,
// resilience, live options, logger, limits…).
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import type { Config } from './config/index.ts';
import { createLive, liveOptionsFrom, type Live, type LiveOptions } from './live/index.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { createHttpServer } from './server/http-server.ts';
import { answerStarting, listenFirst } from './server/listen.ts';
import { attachWebSockets, type WebSocketService } from './server/websocket.ts';
import { UpstreamClient, type UpstreamClientOptions } from './upstream/client.ts';
import type { Credentials } from './upstream/credentials.ts';
import { configuredOptions, createFacade, type FacadeOptions } from './yoga.ts';

export type Facade = ReturnType<typeof createFacade>;

/** An HTTP server that answers 503 "starting" until a service is attached: main binds its port before anything else starts. */
export interface StartingServer {
  readonly server: Server;
  serve(handler: RequestListener): void;
}

export function startingServer(requestTimeoutMs: number): StartingServer {
  let handle: RequestListener = answerStarting;
  const server = createHttpServer((request, response) => handle(request, response), requestTimeoutMs);
  return {
    server,
    serve(handler) {
      handle = handler;
    },
  };
}

export interface ServiceOverrides {
  /** The upstream base URL; default the configured remote one (required in embedded-emulator mode: the emulator's URL). */
  upstreamUrl?: string;
  /** Sent upstream for requests without their own Basic credentials; default the configured ones (none in embedded mode). */
  serverCredentials?: Credentials | null;
  /** Over the configured pool, timeouts and resilience (tests: quick retries). */
  upstreamClient?: Partial<UpstreamClientOptions>;
  /** Over the configured facade options (configuredOptions). */
  facade?: Partial<Omit<FacadeOptions, 'upstream' | 'live'>>;
  /** createLive's options; default liveOptionsFrom(config.live). The upstream client, logger and metrics are added unless given. */
  live?: LiveOptions;
  /** Default createLogger(config.logLevel). */
  logger?: Logger;
  metrics?: Metrics;
  tracer?: Tracer | undefined;
  /** A server already bound (startingServer + listenFirst); default a new one, bound by listen(). */
  server?: StartingServer;
}

export interface Service {
  readonly yoga: Facade;
  /** node:http, with graphql-ws on /graphql. */
  readonly server: Server;
  readonly webSockets: WebSocketService;
  readonly live: Live;
  readonly client: UpstreamClient;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Binds the port (a ListenError in one line when it cannot); returns the base URL, e.g. http://127.0.0.1:4000. */
  listen(port: number, host: string): Promise<string>;
  /**
   * Shutdown: no new connections; in-flight requests and WebSocket queries get graceMs, then every
   * connection is closed; then live updates and the upstream pool. Subscriptions end at once (1001).
   */
  drain(graceMs: number): Promise<void>;
  /** Closes every connection now, then live updates and the upstream pool. */
  close(): Promise<void>;
}

export function createService(config: Config, overrides: ServiceOverrides = {}): Service {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const metrics = overrides.metrics ?? new Metrics();
  const { tracer } = overrides;
  const remote = config.upstream.kind === 'remote' ? config.upstream : undefined;
  const upstreamUrl = overrides.upstreamUrl ?? remote?.url;
  if (upstreamUrl === undefined)
    throw new TypeError('createService: embedded-emulator mode needs the emulator URL (overrides.upstreamUrl)');
  const client = new UpstreamClient({
    baseUrl: upstreamUrl,
    ...config.upstreamHttp,
    observer: metrics.upstreamObserver(),
    tracer,
    ...overrides.upstreamClient,
  });
  // LIVE_SOURCE=poll reads the upstream through the same client (its queue, breaker and timeouts).
  const live = createLive({ upstream: client, logger, metrics, ...(overrides.live ?? liveOptionsFrom(config.live)) });
  // createFacade derives blockFieldSuggestions from introspection, which an override may change.
  const { blockFieldSuggestions: _derived, ...limits } = config.limits;
  const yoga = createFacade({
    ...configuredOptions(config),
    limits,
    upstream: client,
    serverCredentials: overrides.serverCredentials !== undefined ? overrides.serverCredentials : (remote?.credentials ?? null),
    logger,
    metrics,
    tracer,
    live,
    ...overrides.facade,
  });
  const starting = overrides.server ?? startingServer(overrides.facade?.requestTimeoutMs ?? config.requestTimeoutMs);
  starting.serve(yoga);
  const { server } = starting;
  const webSockets = attachWebSockets(server, yoga);
  const serverClosed = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const closeUpstream = async () => {
    await live.close();
    await client.close();
  };

  return {
    yoga,
    server,
    webSockets,
    live,
    client,
    logger,
    metrics,
    async listen(port, host) {
      await listenFirst(server, host, port);
      const bound = (server.address() as AddressInfo).port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    },
    async drain(graceMs) {
      const closed = serverClosed();
      server.closeIdleConnections();
      // Subscriptions never finish on their own: they end now (1001, clients reconnect elsewhere);
      // queries and mutations over WebSocket get the grace period, as HTTP requests do.
      webSockets.drain();
      const grace = setTimeout(() => {
        logger.warn('grace period over: closing the remaining connections');
        server.closeAllConnections();
        webSockets.closeAll();
      }, graceMs);
      await closed;
      clearTimeout(grace);
      await closeUpstream();
    },
    async close() {
      server.closeAllConnections();
      webSockets.closeAll();
      await serverClosed();
      await closeUpstream();
    },
  };
}
