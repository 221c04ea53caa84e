// The service as an operator runs it (`node src/main.ts`): it starts the embedded emulator when
// no upstream is configured, and on SIGTERM stops accepting, lets in-flight requests finish
// within the grace period, closes the upstream pool and exits 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const node = new URL('../node_modules/.bin/node', import.meta.url).pathname;

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  emulatorUrl: string;
  output: () => string;
}

async function startService(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(node, ['src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!/GraphQL API and GraphiQL at (\S+)/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`service did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = /GraphQL API and GraphiQL at (\S+)/.exec(output)![1]!;
  const emulatorUrl = /"emulator":"([^"]+)"/.exec(output)![1]!;
  return { child, url, emulatorUrl, output: () => output };
}

async function delayUpstream(emulatorUrl: string, ms: number) {
  const response = await fetch(`${emulatorUrl}/__emulator/faults/queue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'delay', ms, match: { path: '/v2/Conversations' } }),
  });
  expect(response.ok).toBe(true);
}

/** Polls until `ready()` holds: bounded in time, never a guessed delay standing in for a state. */
async function waitFor(what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The request is in flight: the emulator has received the facade's list call (it logs a request before delaying it). */
async function upstreamListReceived(emulatorUrl: string): Promise<boolean> {
  const { requests } = (await (await fetch(`${emulatorUrl}/__emulator/requests`)).json()) as {
    requests: Array<{ method: string; path: string }>;
  };
  return requests.some((entry) => entry.method === 'GET' && entry.path === '/v2/Conversations');
}

/** Whether a TCP connection to the service's port is refused (the listening socket is closed). */
function portRefuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const QUERY = JSON.stringify({ query: '{ conversations(first: 2) { nodes { name } } }' });
const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY });

describe('npm start', () => {
  it('serves the demo data from the embedded emulator, and says so in one line', async () => {
    const service = await startService();
    try {
      const body = (await (await post(service.url)).json()) as { data: { conversations: { nodes: Array<{ name: string }> } } };
      expect(body.data.conversations.nodes).toHaveLength(2);
      expect(service.output().match(/started the embedded Conversations v2 emulator/g)).toHaveLength(1);
    } finally {
      service.child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM: the in-flight request finishes, new connections are refused, exit code 0', async () => {
    const service = await startService({ SHUTDOWN_GRACE_MS: '5000' });
    await delayUpstream(service.emulatorUrl, 1500);
    const inFlight = post(service.url);
    await waitFor('the request to reach the upstream', () => upstreamListReceived(service.emulatorUrl));
    service.child.kill('SIGTERM');
    await waitFor('the shutdown to begin', () => /shutting down/.test(service.output()));
    await waitFor('the port to refuse connections', () => portRefuses(service.url));
    await expect(post(service.url)).rejects.toThrow();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toBeTruthy();
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(0);
    expect(service.output()).toMatch(/shutting down/);
    expect(service.output()).toMatch(/"msg":"stopped"/);
  });

  it('a request still running when the grace period ends is cut off, and the process still exits 0', async () => {
    const service = await startService({ SHUTDOWN_GRACE_MS: '300' });
    await delayUpstream(service.emulatorUrl, 5000);
    const inFlight = post(service.url).then(
      () => 'answered',
      () => 'cut off',
    );
    await waitFor('the request to reach the upstream', () => upstreamListReceived(service.emulatorUrl));
    const stopped = performance.now();
    service.child.kill('SIGTERM');
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(0);
    expect(performance.now() - stopped).toBeLessThan(4000);
    expect(await inFlight).toBe('cut off');
    expect(service.output()).toMatch(/grace period over/);
  });
});
