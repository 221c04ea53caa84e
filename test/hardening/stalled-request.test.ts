// Issue 9, item 9: a request whose body stalls (Content-Length: 1000, 9 bytes sent) was still
// open after 320 s (node:http's defaults: 300 s, checked every 30 s). The service as an operator
// runs it (`node src/main.ts`, REQUEST_TIMEOUT_MS=1000) must drop it within its request deadline.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const node = new URL('../../node_modules/.bin/node', import.meta.url).pathname;
const DEADLINE_MS = 1000;
/** The deadline, plus node's check interval (a quarter of it), plus scheduling slack on a busy 2-core machine. */
const DROPPED_WITHIN_MS = DEADLINE_MS + DEADLINE_MS / 4 + 1000;

/** What a stalled client is told before the connection is closed: a 408 with a JSON error and a contract code. */
const REFUSED_408 =
  /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*\r\n\r\n\{"errors":\[\{"message":"The request did not arrive within the request deadline\.","extensions":\{"code":"BAD_USER_INPUT"\}\}\]\}$/;

let child: ChildProcessWithoutNullStreams;
let url: URL;
let output = '';

beforeAll(async () => {
  child = spawn(node, ['src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', REQUEST_TIMEOUT_MS: String(DEADLINE_MS) },
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  while (!/GraphQL API and GraphiQL at (\S+)/.test(output)) {
    if (Date.now() - started > 20_000 || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  url = new URL(/GraphQL API and GraphiQL at (\S+)/.exec(output)![1]!);
}, 30_000);

afterAll(() => {
  child.kill('SIGKILL');
});

/** The next request log line of the service (it comes once the handler gives up on the body), within 5 s. */
async function requestLogLine(): Promise<Record<string, unknown>> {
  const started = Date.now();
  while (Date.now() - started < 5000) {
    const line = output.split('\n').find((text) => text.includes('"msg":"request"'));
    if (line) {
      output = output.replace(line, '');
      return JSON.parse(line) as Record<string, unknown>;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no request log line:\n${output}`);
}

/** Sends `head` and never anything more; resolves when the server closes the connection (or after `giveUpMs`). */
function stall(head: string, giveUpMs: number): Promise<{ closedAfterMs: number | null; received: string }> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    let started = 0;
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve({ closedAfterMs: null, received });
    }, giveUpMs);
    socket.on('connect', () => {
      started = performance.now();
      socket.write(head);
    });
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Math.round(performance.now() - started), received });
    });
  });
}

/** Sends `head`, then `rest` after `pauseMs`; resolves with what the server answered (the connection is closed after it). */
function sendInParts(head: string, rest: string, pauseMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    const giveUp = setTimeout(() => socket.destroy(new Error(`no answer; received: ${received}`)), 10_000);
    socket.on('connect', () => {
      socket.write(
        head.replace(
          'Content-Length: 1000',
          `Content-Length: ${Buffer.byteLength(head.slice(head.indexOf('\r\n\r\n') + 4) + rest)}\r\nConnection: close`,
        ),
      );
      setTimeout(() => socket.write(rest), pauseMs);
    });
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve(received);
    });
  });
}

describe('a request that stalls', () => {
  it('a body that stops after 9 of 1000 bytes is answered 408 and closed within the request deadline; one that arrives in parts is served', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`;
    expect(Buffer.byteLength(head.slice(head.indexOf('\r\n\r\n') + 4))).toBe(9);
    const { closedAfterMs, received } = await stall(head, 10_000);
    console.log(`stalled body dropped after ${closedAfterMs} ms (REQUEST_TIMEOUT_MS=${DEADLINE_MS})`);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(closedAfterMs).toBeLessThanOrEqual(DROPPED_WITHIN_MS);
    expect(received).toMatch(REFUSED_408);
    // The handler that was reading the body logs the caller's input error, not a bug.
    const logged = await requestLogLine();
    expect(logged).toMatchObject({ method: 'POST', path: '/graphql', errors: ['BAD_USER_INPUT'] });
    expect(output).not.toContain('unexpected error');

    // A body sent in two parts, half a deadline apart, is still served: only a stalled one is dropped.
    expect(await sendInParts(head, '"{ __typename }"}', DEADLINE_MS / 2)).toMatch(
      /^HTTP\/1\.1 200 [\s\S]*\{"data":\{"__typename":"Query"\}\}/,
    );
  });

  it('headers that never end are answered 408 and closed within the deadline too', async () => {
    const { closedAfterMs, received } = await stall(`POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: appl`, 10_000);
    console.log(`stalled headers dropped after ${closedAfterMs} ms`);
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs).toBeLessThanOrEqual(DROPPED_WITHIN_MS);
    expect(received).toMatch(REFUSED_408);
  });
});
