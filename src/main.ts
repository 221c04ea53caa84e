// Starts the service: reads the configuration (a bad value stops here, in one line), binds the port
// (one that is taken stops here, in one line), starts the embedded emulator when no upstream is
// configured, serves the facade (service.ts wires it) over HTTP and WebSocket, and on
// SIGTERM/SIGINT stops accepting, lets in-flight requests finish within the grace period and
// closes the upstream pool.
import type { AddressInfo } from 'node:net';
import { ConfigError, describeVariables, loadConfig, type Config } from './config/index.ts';
import { graphiqlTabs, type GraphiqlExample } from './graphiql.ts';
import { liveOptionsFrom, loopbackUrl } from './live/index.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { startTracing } from './observability/tracing.ts';
import { ListenError, listenFirst } from './server/listen.ts';
import { createService, startingServer } from './service.ts';
import { makeCredentials, type Credentials } from './upstream/credentials.ts';

interface ResolvedUpstream {
  url: string;
  credentials: Credentials | null;
  example?: GraphiqlExample;
  close(): Promise<void>;
}

/** `demoStatusCallbackUrl`: where the embedded emulator posts the demo configuration's status callbacks (the facade itself). */
async function resolveUpstream(config: Config, logger: Logger, demoStatusCallbackUrl: string | undefined): Promise<ResolvedUpstream> {
  if (config.upstream.kind === 'remote') {
    logger.info(
      { credentials: config.upstream.credentials ? 'server-held' : 'per-request only' },
      'using the configured Conversations API',
    );
    return { url: config.upstream.url, credentials: config.upstream.credentials, close: async () => {} };
  }
  const { accountSid, authToken } = config.upstream;
  const { startEmulator, demoExample } = await import('./emulator/index.ts');
  const emulator = await startEmulator({ port: 0, demoAccountSid: accountSid, demoAuthToken: authToken, demoStatusCallbackUrl });
  logger.info(
    { emulator: emulator.url, account: accountSid },
    'No CONVERSATIONS_API_URL or Twilio credentials set: started the embedded Conversations v2 emulator with demo data',
  );
  return {
    url: emulator.url,
    credentials: makeCredentials(accountSid, authToken),
    example: demoExample(),
    close: () => emulator.close(),
  };
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(`conversations-graphql: npm start\n\n${describeVariables()}`);
    return;
  }
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  // The port first: one that is taken stops the start in one line, before the emulator starts.
  const starting = startingServer(config.requestTimeoutMs);
  const { server } = starting;
  try {
    await listenFirst(server, config.host, config.port);
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    console.error(`Startup error: ${error.message}`);
    process.exit(1);
  }
  const { port } = server.address() as AddressInfo;
  const tracing = await startTracing(config.tracing);
  // Live updates: in embedded mode the emulator posts the demo configuration's status callbacks
  // to this facade's own URL, signed with the demo account's token; otherwise Twilio posts to PUBLIC_URL.
  const embedded = config.upstream.kind === 'embedded-emulator' ? config.upstream : undefined;
  const liveOptions = liveOptionsFrom(
    config.live,
    embedded && { ownUrl: loopbackUrl(config.host, port), accountSid: embedded.accountSid, authToken: embedded.authToken },
  );
  const upstream = await resolveUpstream(config, logger, liveOptions.webhook?.url);
  const service = createService(config, {
    server: starting,
    upstreamUrl: upstream.url,
    serverCredentials: upstream.credentials,
    live: liveOptions,
    logger,
    tracer: tracing.tracer,
    facade: { graphiql: config.graphiql && { title: 'conversations-graphql', defaultTabs: graphiqlTabs(upstream.example) } },
  });
  const { live } = service;
  logger.info(
    live.webhook
      ? { liveSource: 'webhook', webhookUrl: live.webhook.url }
      : { liveSource: 'poll', pollIntervalMs: live.poll.intervalMs, pollJitterMs: live.poll.jitterMs },
    live.webhook
      ? `live updates come from webhooks (status callbacks POSTed to ${live.webhook.url})`
      : 'live updates come from polling the conversations someone subscribes to (set PUBLIC_URL for webhooks)',
  );
  if (!config.cursorSecret && config.upstream.kind === 'remote') {
    logger.warn('CURSOR_SECRET is not set: cursors are signed with a built-in key and can be forged');
  }
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'the HTTP server failed');
    process.exit(1);
  });
  logger.info({ url: `http://${config.host}:${port}/graphql` }, 'listening');
  console.log(`GraphQL API and GraphiQL at http://${config.host}:${port}/graphql`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new connections, finishing in-flight requests');
    await service.drain(config.shutdownGraceMs);
    await upstream.close();
    await tracing.shutdown();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

await main();
