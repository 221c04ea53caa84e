// The node:http server the facade is served by (main.ts, the test stack and the benchmark alike).
// Its defaults let a client that sends headers and a few bytes of its body hold a connection for
// five minutes (300 s for the whole request, checked every 30 s); here receiving a request gets
// the request deadline (REQUEST_TIMEOUT_MS), checked often enough to drop it within a second of
// that. A response that takes long is not affected: the timers stop once the request has arrived.
// Requests node itself refuses (a stalled one, headers over 16 KB, broken HTTP) get a JSON error
// with a contract code, like every other refusal, instead of node's bare status line. Only a
// WebSocket upgrade leaves HTTP (server/websocket.ts); any other `Upgrade` (curl --http2 asks for
// h2c) is answered as the plain request it also is.
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const REFUSALS: Record<string, [status: number, reason: string, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive within the request deadline.'],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request line and headers are over 16 KB: send long documents and variables in a POST body.',
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'The chunk extensions are too large.'],
};
const NOT_HTTP: [number, string, string] = [400, 'Bad Request', 'The request is not valid HTTP/1.1.'];

/** The response under way on each connection: a refusal must not be written into the middle of one. */
const responses = new WeakMap<Socket, ServerResponse>();

function refuse(error: Error & { code?: string }, socket: Socket): void {
  // node answers only on a connection that never wrote anything; a refused second request on a
  // kept-alive connection deserves its answer too, so the test is whether a response has begun.
  if (socket.writable && !responses.get(socket)?.headersSent) {
    const [status, reason, message] = REFUSALS[error.code ?? ''] ?? NOT_HTTP;
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function createHttpServer(handler: RequestListener, requestTimeoutMs: number): Server {
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(requestTimeoutMs / 4))),
      shouldUpgradeCallback: (request) => request.headers.upgrade?.toLowerCase() === 'websocket',
    },
    handler,
  );
  server.on('request', (request, response) => {
    responses.set(request.socket, response);
    response.once('close', () => responses.delete(request.socket));
  });
  server.on('clientError', refuse);
  return server;
}
