// GraphQL over WebSocket (graphql-ws, the `graphql-transport-ws` protocol) on the same path as
// HTTP, /graphql. Browsers send no preflight for a WebSocket and let any page open one to any
// host, with the user's cookies: so the upgrade is held to the same origin policy as HTTP
// (server/cors.ts) before a socket exists. Every operation then runs through the facade's own
// pipeline (websocket-operations.ts). What a long-lived connection needs on top: a deadline for
// connection_init, pings that drop dead peers, a payload limit (MAX_REQUEST_BYTES) and, at
// shutdown, a drain that lets running queries answer and closes the rest with 1001.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecutionResult, GraphQLSchema } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createCorsPolicy } from './cors.ts';
import {
  ConnectionState,
  formattedError,
  formattedResult,
  isStreamAnswer,
  preparedResult,
  runOperation,
  type Facade,
  type OperationServices,
} from './websocket-operations.ts';
import { serialisedPayload, spliceSerialisedPayloads } from './websocket-payloads.ts';
import { writeDirectly } from './websocket-direct.ts';

const GRAPHQL_PATH = '/graphql';
/** How long a closing peer gets to answer the close frame before its socket is dropped. */
const CLOSE_HANDSHAKE_MS = 1000;
const GOING_AWAY = 1001;
/** Made once: abort() without a reason builds a DOMException, and its stack, on every call. */
const CONNECTION_CLOSED = new DOMException('The WebSocket connection closed.', 'AbortError');

export interface WebSocketOptions {
  /** How long a new connection may take to send connection_init (then graphql-ws closes it: 4408). */
  connectionInitTimeoutMs: number;
  /** A ping this often; a peer that has not answered by the next one is dropped. 0: no pings. */
  keepAliveMs: number;
}

export const DEFAULT_WEBSOCKET_OPTIONS: WebSocketOptions = { connectionInitTimeoutMs: 10_000, keepAliveMs: 12_000 };

interface FacadeWebSockets extends WebSocketOptions {
  schema: GraphQLSchema;
  logger: Logger;
  metrics: Metrics;
  corsOrigins: readonly string[] | undefined;
  /** The largest message accepted (MAX_REQUEST_BYTES); a larger one closes the socket (1009). */
  maxPayloadBytes: number;
}

/** What createFacade decided about WebSockets, for attachWebSockets to find by the facade. */
const settingsOf = new WeakMap<object, FacadeWebSockets>();

export function enableWebSockets(facade: object, settings: FacadeWebSockets): void {
  settingsOf.set(facade, settings);
}

export interface WebSocketService {
  readonly connectionCount: number;
  /** Shutdown: no new connections; each open one is closed (1001) once no query or mutation on it is running. */
  drain(): void;
  /** Closes every connection now (1001), dropping those that do not answer within a second. */
  closeAll(): void;
}

/** The parts of an upgrade request the origin policy reads, as the Request it expects. */
function policyRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const name of ['origin', 'sec-fetch-site', 'sec-fetch-mode']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  try {
    return new Request(`http://${request.headers.host ?? ''}${GRAPHQL_PATH}`, { headers });
  } catch {
    // No usable Host: no origin can be the facade's own.
    return new Request(`http://host.invalid${GRAPHQL_PATH}`, { headers });
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nVary: Origin\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
}

function closeGoingAway(socket: WebSocket): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(GOING_AWAY, 'Going away');
  const drop = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
  drop.unref();
  socket.once('close', () => clearTimeout(drop));
}

/** Serves graphql-ws on the server's upgrades to /graphql, for a facade made by createFacade. */
export function attachWebSockets(server: Server, facade: Facade): WebSocketService {
  const settings = settingsOf.get(facade);
  if (!settings) throw new Error('attachWebSockets: the facade was not made by createFacade');
  const { logger, metrics } = settings;
  const verdictFor = createCorsPolicy(settings.corsOrigins);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: settings.maxPayloadBytes });
  const states = new WeakMap<WebSocket, ConnectionState>();
  const services: OperationServices = { facade, schema: settings.schema, logger, metrics };
  let draining = false;

  useServer(
    {
      // Close reasons never carry an exception's message.
      isProd: true,
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      onConnect(context) {
        states.get(context.extra.socket)?.useConnectionParams(context.connectionParams);
        // The upgrade request (its headers were read in accept()) would otherwise stay with the connection's context for its life.
        (context.extra as { request?: IncomingMessage }).request = undefined;
        return true;
      },
      async onSubscribe(context, id, payload) {
        const state = states.get(context.extra.socket)!;
        state.begin(id);
        const answer = await runOperation(services, state, {
          query: payload.query,
          operationName: payload.operationName ?? undefined,
          variables: payload.variables ?? undefined,
          extensions: payload.extensions ?? undefined,
        });
        // Otherwise onComplete or onError says when the answer went out. A stream is open-ended and
        // graphql-ws calls neither for an operation the client completed meanwhile.
        if (isStreamAnswer(answer) || !(id in context.subscriptions)) state.answered(id);
        return answer;
      },
      execute: preparedResult,
      subscribe: preparedResult,
      // A subscription's results go to the socket from the stream itself (websocket-direct.ts).
      onOperation: (context, id, _payload, _args, result) =>
        isAsyncIterable(result) ? writeDirectly(result as AsyncIterable<ExecutionResult>, context.extra.socket, id) : undefined,
      // Serialised once per result, however many subscribers share it (websocket-payloads.ts).
      onNext: (_context, _id, _payload, _args, result) => serialisedPayload(result, formattedResult),
      onComplete: (context, id) => states.get(context.extra.socket)?.answered(id),
      onError: (context, id, _payload, errors) => {
        states.get(context.extra.socket)?.answered(id);
        return errors.map(formattedError);
      },
    },
    sockets,
    settings.keepAliveMs,
  );

  function accept(socket: WebSocket, request: IncomingMessage): void {
    const authorization = request.headers.authorization;
    const state = new ConnectionState(authorization);
    states.set(socket, state);
    metrics.webSocketConnections.inc();
    const opened = performance.now();
    socket.once('close', (code) => {
      state.closed.abort(CONNECTION_CLOSED);
      metrics.webSocketConnections.dec();
      logger.debug({ msg: 'websocket closed', code, durationMs: Math.round(performance.now() - opened) });
    });
    spliceSerialisedPayloads(socket);
    sockets.emit('connection', socket, request);
    // graphql-ws prints a socket's errors to the console and closes it with 4500; they are the
    // peer's doing (a message over the limit, a broken frame) and ws has already closed it with
    // the right code (1009, 1002): a debug line is enough.
    socket.removeAllListeners('error');
    socket.on('error', (error) => logger.debug({ msg: 'websocket error', error: error.message }));
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH) {
      refuseUpgrade(socket, 404, 'Not Found', 'BAD_USER_INPUT', `WebSocket connections are served at ${GRAPHQL_PATH} only.`);
      return;
    }
    if (draining) {
      refuseUpgrade(socket, 503, 'Service Unavailable', 'UPSTREAM_UNAVAILABLE', 'The server is shutting down: connect again.');
      return;
    }
    if (verdictFor(policyRequest(request)).kind === 'refused') {
      metrics.errors.inc({ code: 'FORBIDDEN' });
      logger.info({ msg: 'request', transport: 'websocket', path, status: 403, errors: ['FORBIDDEN'] });
      refuseUpgrade(socket, 403, 'Forbidden', 'FORBIDDEN', 'Cross-origin requests from this origin are not allowed (see CORS_ORIGINS).');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (webSocket) => accept(webSocket, request));
  });

  return {
    get connectionCount() {
      return sockets.clients.size;
    },
    drain() {
      draining = true;
      for (const socket of sockets.clients) {
        const state = states.get(socket);
        if (!state || state.answering.size === 0) closeGoingAway(socket);
        else state.onIdle = () => closeGoingAway(socket);
      }
    },
    closeAll() {
      draining = true;
      for (const socket of sockets.clients) closeGoingAway(socket);
    },
  };
}
