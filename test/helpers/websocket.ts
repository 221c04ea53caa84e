// GraphQL over WebSocket for tests: a graphql-ws client (the `ws` package as its WebSocket, so it
// can send an Origin and upgrade headers as a browser or a server would), an operation's whole
// outcome as one value, and a raw socket for what a well-behaved client never does.
import type { IncomingMessage } from 'node:http';
import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';

export const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export interface ConnectOptions {
  connectionParams?: Record<string, unknown>;
  /** Headers of the upgrade request (Authorization, …). */
  headers?: Record<string, string>;
  origin?: string;
}

/** A graphql-ws client that connects on its first operation and never retries (a close is an outcome). */
export function connect(httpUrl: string, options: ConnectOptions = {}): Client {
  const { headers, origin } = options;
  class UpgradeWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { ...(headers ? { headers } : {}), ...(origin ? { origin } : {}) });
    }
  }
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: UpgradeWithHeaders,
    retryAttempts: 0,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
  });
}

export interface Outcome {
  /** Every `next` payload, in order. */
  results: FormattedExecutionResult[];
  /** The `error` message: the operation was refused before anything ran. */
  errors?: readonly GraphQLFormattedError[];
  /** The connection closed under the operation. */
  closed?: { code: number; reason: string };
  completed: boolean;
}

/** Subscribes and gathers what arrives until the operation completes, errors or its connection closes. */
export function subscribe(
  client: Client,
  payload: SubscribePayload,
  onResult?: (result: FormattedExecutionResult) => void,
): {
  outcome: Promise<Outcome>;
  cancel: () => void;
} {
  const results: FormattedExecutionResult[] = [];
  let cancel = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    cancel = client.subscribe(payload, {
      next: (result) => {
        results.push(result as FormattedExecutionResult);
        onResult?.(result as FormattedExecutionResult);
      },
      complete: () => resolve({ results, completed: true }),
      error: (error: unknown) => {
        if (Array.isArray(error)) resolve({ results, errors: error as GraphQLFormattedError[], completed: false });
        else if (error && typeof error === 'object' && 'code' in error) {
          const { code, reason } = error as { code: number; reason: string };
          resolve({ results, closed: { code, reason: String(reason) }, completed: false });
        } else resolve({ results, errors: [{ message: String(error) }], completed: false });
      },
    });
  });
  return { outcome, cancel: () => cancel() };
}

/** One operation's outcome (a query or mutation: it completes by itself). */
export function run(client: Client, payload: SubscribePayload): Promise<Outcome> {
  return subscribe(client, payload).outcome;
}

/** One operation on a connection of its own, closed once the operation is over. */
export async function runOnce(httpUrl: string, payload: SubscribePayload, options: ConnectOptions = {}): Promise<Outcome> {
  const client = connect(httpUrl, options);
  try {
    return await run(client, payload);
  } finally {
    await client.dispose();
  }
}

export const codesOf = (errors: readonly GraphQLFormattedError[] | undefined): unknown[] =>
  (errors ?? []).map((error) => error.extensions?.code);

export interface RawSocket {
  socket: WebSocket;
  /** Resolves when the handshake succeeds, or with the HTTP answer that refused it. */
  opened: Promise<{ status: 101 } | { status: number; body: any }>;
  closed: Promise<{ code: number; reason: string }>;
  /** The messages received, parsed. */
  messages: Array<Record<string, unknown>>;
  /** Resolves with the first message of this type (already received or yet to come). */
  message(type: string): Promise<Record<string, unknown>>;
}

export function rawSocket(
  httpUrl: string,
  /** protocol null: offer none. */
  options: { origin?: string; headers?: Record<string, string>; path?: string; protocol?: string | null; autoPong?: boolean } = {},
): RawSocket {
  const url = options.path ? new URL(options.path, wsUrl(httpUrl)).toString() : wsUrl(httpUrl);
  const protocols = options.protocol === null ? [] : [options.protocol ?? GRAPHQL_TRANSPORT_WS];
  const socket = new WebSocket(url, protocols, {
    ...(options.origin ? { origin: options.origin } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.autoPong === false ? { autoPong: false } : {}),
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiting: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(message);
    for (const waiter of waiting.filter((w) => w.type === message.type)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  socket.on('error', () => {});
  const opened = new Promise<{ status: 101 } | { status: number; body: any }>((resolve) => {
    socket.once('open', () => resolve({ status: 101 }));
    socket.once('unexpected-response', (_request, response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }),
      );
    });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  return {
    socket,
    opened,
    closed,
    messages,
    message(type) {
      const seen = messages.find((message) => message.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

/** Waits for a state (checked every 5 ms, for at most `timeoutMs`); throws when it never comes. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
