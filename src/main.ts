// Starts the service: reads the configuration, starts the embedded emulator when no upstream is
// configured, and serves the facade over HTTP until SIGINT/SIGTERM.
import { createServer } from 'node:http';
import { ConfigError, describeVariables, loadConfig, type Config } from './config.ts';
import { graphiqlTabs, type GraphiqlExample } from './graphiql.ts';
import { UpstreamClient } from './upstream/client.ts';
import { makeCredentials, type Credentials } from './upstream/credentials.ts';
import { createFacade } from './yoga.ts';

interface ResolvedUpstream {
  url: string;
  credentials: Credentials | null;
  example?: GraphiqlExample;
  close(): Promise<void>;
}

async function resolveUpstream(config: Config): Promise<ResolvedUpstream> {
  if (config.upstream.kind === 'remote') {
    return { url: config.upstream.url, credentials: config.upstream.credentials, close: async () => {} };
  }
  const { accountSid, authToken } = config.upstream;
  const { startEmulator, demoExample } = await import('./emulator/index.ts');
  const emulator = await startEmulator({ port: 0, demoAccountSid: accountSid, demoAuthToken: authToken });
  console.log(
    `No CONVERSATIONS_API_URL or Twilio credentials set: started the embedded Conversations v2 emulator with demo data at ${emulator.url} (account ${accountSid}).`,
  );
  return {
    url: emulator.url,
    credentials: makeCredentials(accountSid, authToken),
    example: demoExample(),
    close: () => emulator.close(),
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(`conversations-graphql: npm start\n\n${describeVariables()}`);
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const upstream = await resolveUpstream(config);
  const client = new UpstreamClient({ baseUrl: upstream.url, ...config.upstreamHttp });
  const yoga = createFacade({
    upstream: client,
    serverCredentials: upstream.credentials,
    cursorSecret: config.cursorSecret,
    maxPagesPerConnection: config.maxPagesPerConnection,
    requestTimeoutMs: config.requestTimeoutMs,
    graphiql: { title: 'conversations-graphql', defaultTabs: graphiqlTabs(upstream.example) },
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  console.log(`GraphQL API and GraphiQL at http://${config.host}:${config.port}/graphql`);

  const shutdown = async () => {
    server.close();
    server.closeAllConnections();
    await client.close();
    await upstream.close();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

await main();
