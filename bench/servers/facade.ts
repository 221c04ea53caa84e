// Contestant (c), this facade, in its own process: createFacade over an UpstreamClient with the
// production defaults of src/config.ts (pool size, timeouts, retries, breaker), served by node:http
// exactly as src/main.ts does. Only the upstream URL differs (the bench upstream), and GraphiQL is off.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { createFacade } from '../../src/yoga.ts';

const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!upstreamUrl) throw new Error('BENCH_UPSTREAM_URL is not set');

// Defaults only: the bench's own environment must not change the facade under test.
const config = loadConfig({});
const client = new UpstreamClient({ baseUrl: upstreamUrl, ...config.upstreamHttp });
const yoga = createFacade({
  upstream: client,
  serverCredentials: null,
  cursorSecret: process.env.BENCH_CURSOR_SECRET ?? 'bench cursor secret',
  maxPagesPerConnection: config.maxPagesPerConnection,
  requestTimeoutMs: config.requestTimeoutMs,
  graphiql: false,
});

const server = createServer(yoga);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}/graphql` });
});
process.on('disconnect', () => process.exit(0));
