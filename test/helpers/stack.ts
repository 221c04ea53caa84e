// A real stack for tests: the emulator as the upstream, the facade served on a free loopback
// port, and a small GraphQL client that talks HTTP to it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import { UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { createHttpServer } from '../../src/server/http-server.ts';
import type { ResilienceOptions } from '../../src/upstream/resilience.ts';
import { createFacade, type FacadeOptions } from '../../src/yoga.ts';

export const ACCOUNT_SID = 'AC11111111111111111111111111111111';
export const AUTH_TOKEN = 'test-token';

/** Quick retries, and a breaker that only opens in the tests that configure it. */
export const TEST_RESILIENCE: ResilienceOptions = {
  maxAttempts: 3,
  baseDelayMs: 10,
  maxDelayMs: 50,
  maxRetryAfterMs: 2000,
  maxConcurrent: 16,
  maxQueue: 1000,
  breaker: { failureThresholdPercent: 50, volumeThreshold: 1_000_000, windowMs: 10_000, resetTimeoutMs: 1000 },
};

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface Stack {
  emulator: Emulator;
  url: string;
  graphql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  /** Upstream requests seen by the emulator since the last call (and clears the log). */
  takeUpstreamCalls(): ReturnType<Emulator['requests']['entries']>;
  /** The same facade in process, without TCP: for tests that send thousands of requests. */
  handle(request: Request): Promise<Response>;
  close(): Promise<void>;
}

export interface StackOptions {
  emulator?: EmulatorOptions;
  facade?: Partial<Omit<FacadeOptions, 'upstream'>>;
  upstream?: Partial<UpstreamClientOptions>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({ seedDemoData: false, ...options.emulator });
  const client = new UpstreamClient({
    baseUrl: emulator.url,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    maxResponseBytes: 16 * 1024 * 1024,
    connections: 16,
    resilience: TEST_RESILIENCE,
    ...options.upstream,
  });
  const yoga = createFacade({
    upstream: client,
    serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
    cursorSecret: 'test-secret',
    maxPagesPerConnection: 20,
    requestTimeoutMs: 10_000,
    graphiql: false,
    ...options.facade,
  });
  const server: Server = createHttpServer(yoga, options.facade?.requestTimeoutMs ?? 10_000);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  return {
    emulator,
    url,
    async graphql(query, variables, headers) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body } as GraphQLResponse<any>;
    },
    handle: (request) => Promise.resolve(yoga.fetch(request)),
    takeUpstreamCalls() {
      const entries = emulator.requests.entries();
      emulator.requests.clear();
      return entries;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await emulator.close();
    },
  };
}
