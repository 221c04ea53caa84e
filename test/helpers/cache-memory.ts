// Measures what the facade's per-document caches keep (issue 9, item 9): 4,000 requests, each
// with a document text and variables never seen before, ~45 KB of each, served in process.
// Prints heap (after a full GC) and RSS before and after, as JSON. Needs --expose-gc:
//   PATH=node_modules/.bin:$PATH node --expose-gc test/helpers/cache-memory.ts [requests]
// test/hardening/cache-memory.test.ts runs it in a child process and bounds the heap growth.
import { startEmulator } from '../../src/emulator/index.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { createFacade } from '../../src/yoga.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from './stack.ts';
import { emulatorClientOptions } from './upstream-client.ts';

export interface MemoryReport {
  requests: number;
  seconds: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  rssBeforeMB: number;
  rssAfterMB: number;
}

const megabytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function measure(requests: number): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const emulator = await startEmulator({ seedDemoData: false });
  const upstream = new UpstreamClient(emulatorClientOptions(emulator.url, { connections: 2 }));
  const facade = createFacade({
    upstream,
    serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
    maxPagesPerConnection: 20,
    requestTimeoutMs: 10_000,
    graphiql: false,
  });
  async function send(index: number): Promise<void> {
    // Two operations, so the run also fills the per-operation caches; the comment makes the text large.
    const query = `query A${index}($n: Int) { conversations(first: $n) { pageInfo { hasNextPage } } } query B { __typename } # ${String(index).padEnd(45_000, 'x')}`;
    const variables = { n: 1, pad: `${index}:`.padEnd(45_000, 'y') };
    const response = await facade.fetch('http://facade.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables, operationName: `A${index}` }),
    });
    const text = await response.text();
    if (!text.includes('"hasNextPage":false')) throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
  }
  for (let i = 0; i < 50; i++) await send(1_000_000 + i);
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  for (let i = 0; i < requests; i++) await send(i);
  const seconds = (performance.now() - started) / 1000;
  gc();
  const after = process.memoryUsage();
  await upstream.close();
  await emulator.close();
  return {
    requests,
    seconds: Math.round(seconds * 10) / 10,
    heapBeforeMB: megabytes(before.heapUsed),
    heapAfterMB: megabytes(after.heapUsed),
    rssBeforeMB: megabytes(before.rss),
    rssAfterMB: megabytes(after.rss),
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await measure(Number(process.argv[2] ?? 4000))));
}
