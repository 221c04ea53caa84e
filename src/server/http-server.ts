// The node:http server the facade is served by (main.ts, the test stack and the benchmark alike).
// Its defaults let a client that sends headers and a few bytes of its body hold a connection for
// five minutes (300 s for the whole request, checked every 30 s); here receiving a request gets
// the request deadline (REQUEST_TIMEOUT_MS), checked often enough to drop it within a second of
// that. A response that takes long is not affected: the timers stop once the request has arrived.
// Requests node itself refuses (a stalled one, headers over 16 KB, broken HTTP) get a JSON error
// with a contract code, like every other refusal, instead of node's bare status line.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

const REFUSALS: Record<string, [status: number, reason: string, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request did not arrive within the request deadline.'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request line and headers are over 16 KB: send long documents and variables in a POST body.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'The chunk extensions are too large.'],
};
const NOT_HTTP: [number, string, string] = [400, 'Bad Request', 'The request is not valid HTTP/1.1.'];

/** How long a refused connection may take to read the answer and close before it is destroyed. */
const LINGER_MS = 1000;

/** Connections with a response under way: a refusal must not be written into the middle of it. */
const answering = new WeakSet<Socket>();

function refuse(error: Error & { code?: string }, socket: Socket): void {
  // Unlike node, which answers only on a connection that never wrote anything: a refused second
  // request on a kept-alive connection deserves its answer too.
  if (!socket.writable || answering.has(socket)) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = REFUSALS[error.code ?? ''] ?? NOT_HTTP;
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  // Closing with unread input resets the connection, and the client may lose the answer: drain
  // what it is still sending (a long request line), for a bounded time.
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

export function createHttpServer(handler: RequestListener, requestTimeoutMs: number): Server {
  const server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(requestTimeoutMs / 4))),
    },
    handler,
  );
  server.on('request', (request, response) => {
    answering.add(request.socket);
    response.once('close', () => answering.delete(request.socket));
  });
  server.on('clientError', refuse);
  return server;
}
