// `npm start` on a port that is already taken: one line on stderr, exit code 1, and nothing started
// before it (the embedded emulator used to start first, and the failure came after it as a logged
// stack trace).
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const NODE = new URL('../../node_modules/.bin/node', import.meta.url).pathname;

let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

describe('a port already in use', () => {
  it('stops the start with one stderr line and exit code 1, before the embedded emulator starts', () => {
    // spawnSync blocks this process, but the port stays bound and listening in the kernel.
    const result = spawnSync(NODE, ['src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `Startup error: cannot listen on 127.0.0.1:${port}: port ${port} is already in use (stop what is using it, or set PORT)`,
    ]);
    expect(result.stdout).toBe(''); // no log line at all: no emulator, no "listening"
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/emulator|\n\s+at /);
  });
});
