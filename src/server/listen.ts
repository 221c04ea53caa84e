// Binding the facade's port comes first at start: a port already in use (or not allowed) must stop the
// start in one line, before the embedded emulator or anything else has started, not as a stack trace
// after it. The server answers 503 "starting" until the facade is attached to it.
import type { RequestListener, Server } from 'node:http';

/** Why the port could not be bound, in one line for an operator. */
export class ListenError extends Error {
  override name = 'ListenError';
}

function describe(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: port ${port} is already in use (stop what is using it, or set PORT)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied for port ${port} (use a port above 1023, or set PORT)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine (set HOST)`;
    default:
      return `cannot listen on ${where}: ${error.code ?? error.message}`;
  }
}

/** Listens, or rejects with a ListenError; no 'error' listener is left behind either way. */
export function listenFirst(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(describe(error, host, port)));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Answers until the facade is ready: 503 with Retry-After, so nothing hangs on a half-started service. */
export const answerStarting: RequestListener = (_request, response) => {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
  response.end(JSON.stringify({ status: 'starting' }));
};
