// A status-callback receiver for the emulator's webhook tests: a node:http server on 127.0.0.1 that
// records every request exactly as it arrived (method, URL, headers, raw body) and answers as the test
// scripts it (a status per request, or a hold until the test releases it). Tests wait on the emulator's
// delivery log, never on time: a delivery is logged "delivered" only after this server has answered.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  /** Path and query as sent. */
  url: string;
  /** The full URL as Twilio's validator wants it: base + path and query. */
  fullUrl: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  base: string;
  received: Received[];
  /** Answers for the next requests, in order (then 204). A function answers when it resolves. */
  script(...answers: (number | (() => Promise<number>))[]): void;
  /** Scripts one answer that waits: `arrived` resolves when its request is in, `release` answers it. */
  hold(): { arrived: Promise<void>; release(status: number): void };
  /** Answers every request with this status from now on (after the script). */
  answerAll(status: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let script: (number | (() => Promise<number>))[] = [];
  let standing = 204;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        fullUrl: `${base}${req.url}`,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = script.shift() ?? standing;
      void (typeof answer === 'number' ? Promise.resolve(answer) : answer()).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    script: (...answers) => script.push(...answers),
    hold: () => {
      const arrived = Promise.withResolvers<void>();
      const answer = Promise.withResolvers<number>();
      script.push(() => {
        arrived.resolve();
        return answer.promise;
      });
      return { arrived: arrived.promise, release: answer.resolve };
    },
    answerAll: (status) => {
      standing = status;
    },
    reset: () => {
      received.length = 0;
      script = [];
      standing = 204;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
