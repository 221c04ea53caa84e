// A real stack for tests: the emulator as the upstream, the facade (src/service.ts, wired as main
// wires it) served on a free loopback port, and a small GraphQL client that talks HTTP to it. Live
// updates are wired: webhooks to the facade's own URL, signed with the test account's token, and
// a helper that posts them signed the way Twilio signs (with Twilio's own helper library).
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import twilio from 'twilio';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { webhookUrl, type Live, type LiveOptions } from '../../src/live/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { listenFirst } from '../../src/server/listen.ts';
import type { WebSocketService } from '../../src/server/websocket.ts';
import { createService, startingServer } from '../../src/service.ts';
import type { UpstreamClientOptions } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import type { ResilienceOptions } from '../../src/upstream/resilience.ts';
import type { FacadeOptions } from '../../src/yoga.ts';

export const ACCOUNT_SID = 'AC11111111111111111111111111111111';
/** The defaults (the process's environment must not change the facade under test); the overrides below are the test's. */
const TEST_CONFIG = loadConfig({});
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

/**
 * The answer to a typed document. `data` is typed as present so tests read it without a guard per
 * line: a test that reads it when the response has none fails with a TypeError, the failure it wants.
 */
export interface TypedGraphQLResponse<T> extends Omit<GraphQLResponse<T>, 'data'> {
  data: T;
}

export interface Stack {
  emulator: Emulator;
  url: string;
  /**
   * A typed document from test/generated's `graphql(...)` infers the result and the variables; a string
   * (for documents that are broken on purpose, or not yet converted) is untyped.
   */
  graphql<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    headers?: Record<string, string>,
  ): Promise<TypedGraphQLResponse<TResult>>;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Upstream requests seen by the emulator since the last call (and clears the log). */
  takeUpstreamCalls(): ReturnType<Emulator['requests']['entries']>;
  /** The same facade in process, without TCP: for tests that send thousands of requests. */
  handle(request: Request): Promise<Response>;
  /** graphql-ws on the same /graphql (ws://…/graphql). */
  webSockets: WebSocketService;
  /** The facade's live updates (bus, source, limits): listen on live.bus to see what was published. */
  live: Live;
  /** The URL webhooks are verified against (the facade's own /webhooks/conversations unless the options say otherwise). */
  webhookUrl: string;
  /** Where the facade's webhook endpoint actually listens (differs from webhookUrl when a PUBLIC_URL is set). */
  webhookEndpoint: string;
  /** POSTs a status callback to the facade, signed as Twilio signs it (see WebhookPost for the ways to get it wrong). */
  postWebhook(callback: unknown, options?: WebhookPost): Promise<WebhookAnswer>;
  close(): Promise<void>;
}

export interface WebhookPost {
  /** Default AUTH_TOKEN (the test account's). */
  authToken?: string;
  /** The URL signed; default the stack's webhookUrl. */
  signedUrl?: string;
  /** The body sent, when it should differ from the one signed (default: the signed one). */
  sentBody?: string;
  /** Default a new UUID per post; null: no header. */
  idempotencyToken?: string | null;
  /** Replaces X-Twilio-Signature; null: no signature header. */
  signature?: string | null;
  /** Extra headers (Host included: the request is sent with node:http). */
  headers?: Record<string, string>;
}

export interface WebhookAnswer {
  status: number;
  body: any;
}

/** Twilio's way, with its own library: bodySHA256 in the URL, the URL HMAC-SHA1-signed with the auth token. */
export function signWebhook(url: string, body: string, authToken: string): { url: string; signature: string } {
  const signedUrl = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${twilio.getExpectedBodyHash(body)}`;
  return { url: signedUrl, signature: twilio.getExpectedTwilioSignature(authToken, signedUrl, {}) };
}

export interface StackOptions {
  emulator?: EmulatorOptions;
  facade?: Partial<Omit<FacadeOptions, 'upstream'>>;
  upstream?: Partial<UpstreamClientOptions>;
  /** createLive's options, or a function of the facade's own base URL (e.g. http://127.0.0.1:40123); merged over the defaults. */
  live?: LiveOptions | ((ownUrl: string) => LiveOptions);
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({ seedDemoData: false, ...options.emulator });
  // The port first: the webhook URL the facade verifies against is its own.
  const requestTimeoutMs = options.facade?.requestTimeoutMs ?? 10_000;
  const starting = startingServer(requestTimeoutMs);
  await listenFirst(starting.server, '127.0.0.1', 0);
  const ownUrl = `http://127.0.0.1:${(starting.server.address() as AddressInfo).port}`;
  const url = `${ownUrl}/graphql`;
  const liveOptions = typeof options.live === 'function' ? options.live(ownUrl) : options.live;
  const service = createService(TEST_CONFIG, {
    server: starting,
    upstreamUrl: emulator.url,
    serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
    upstreamClient: {
      connectTimeoutMs: 2000,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 5000,
      maxResponseBytes: 16 * 1024 * 1024,
      connections: 16,
      resilience: TEST_RESILIENCE,
      ...options.upstream,
    },
    live: {
      source: 'webhook',
      webhook: { url: webhookUrl(ownUrl), accountTokens: new Map([[ACCOUNT_SID, AUTH_TOKEN]]), maxBytes: 1_048_576 },
      ...liveOptions,
    },
    logger: options.facade?.logger ?? createLogger('silent'),
    ...(options.facade?.metrics && { metrics: options.facade.metrics }),
    facade: {
      cursorSecret: 'test-secret',
      maxPagesPerConnection: 20,
      requestTimeoutMs,
      graphiql: false,
      ...options.facade,
    },
  });
  const { yoga, live, webSockets } = service;
  const signedTo = live.webhook?.url ?? webhookUrl(ownUrl);
  const webhookEndpoint = webhookUrl(ownUrl);

  return {
    emulator,
    url,
    async graphql(document: string | TypedDocumentNode, variables?: unknown, headers?: Record<string, string>) {
      const query = typeof document === 'string' ? document : print(document);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body } as TypedGraphQLResponse<any>;
    },
    handle: (request) => Promise.resolve(yoga.fetch(request)),
    webSockets,
    live,
    webhookUrl: signedTo,
    webhookEndpoint,
    postWebhook(callback, post = {}) {
      const body = typeof callback === 'string' ? callback : JSON.stringify(callback);
      const signed = signWebhook(post.signedUrl ?? signedTo, body, post.authToken ?? AUTH_TOKEN);
      const sent = Buffer.from(post.sentBody ?? body);
      const query = signed.url.slice(signed.url.indexOf('?'));
      const token = post.idempotencyToken === undefined ? randomUUID() : post.idempotencyToken;
      const signature = post.signature === undefined ? signed.signature : post.signature;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(sent.length),
        ...(token === null ? {} : { 'i-twilio-idempotency-token': token }),
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
        ...post.headers,
      };
      return new Promise<WebhookAnswer>((resolve, reject) => {
        const outgoing = httpRequest(webhookEndpoint + query, { method: 'POST', headers, agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {}
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', reject);
        });
        outgoing.on('error', reject);
        outgoing.end(sent);
      });
    },
    takeUpstreamCalls() {
      const entries = emulator.requests.entries();
      emulator.requests.clear();
      return entries;
    },
    async close() {
      await service.close();
      await emulator.close();
    },
  };
}
