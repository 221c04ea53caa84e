// The service as an operator runs it (`node src/main.ts`): it starts the embedded emulator when
// no upstream is configured, and on SIGTERM stops accepting, lets in-flight requests finish
// within the grace period, closes the upstream pool and exits 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
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
    await new Promise((resolve) => setTimeout(resolve, 400));
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
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
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopped = performance.now();
    service.child.kill('SIGTERM');
    const [code] = await once(service.child, 'exit');
    expect(code).toBe(0);
    expect(performance.now() - stopped).toBeLessThan(4000);
    expect(await inFlight).toBe('cut off');
    expect(service.output()).toMatch(/grace period over/);
  });
});
