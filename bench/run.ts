// `npm run bench`: the same logical read served four ways against the same cheap upstream, each
// server in its own child process, the load generator in another, interleaved rounds, medians.
//
//   npm run bench                 the full run (< 10 min): prints the table, writes BENCHMARKS.md,
//                                 bench/results/latest.json and bench/results/chart.svg
//   npm run bench -- --smoke      < 60 s: every contestant briefly; checks each returns the same 50
//                                 sids (and the facade the limit's exact data); exit 1 on a mismatch
//   npm run bench -- --soak       3 minutes of load on the facade; RSS growth after warm-up
//   npm run bench -- --profile    --cpu-prof on the facade under the 0 ms workload; top self time
//                                 (--target limit profiles the zero-framework limit instead)
//   npm run bench -- --otel       the facade with tracing off (default) and on: what tracing costs
//   npm run bench -- --report     rewrite BENCHMARKS.md and the chart from bench/results/*.json
// Options: --rounds N (default 3), --seconds S (per phase), --rate R (the moderate fixed rate,
//          default 50), --soak-seconds S (default 180), --pin (taskset: every server under test on
//          CPU 1, upstream and load generator on CPU 0), --only a,b (contestants), --phases a,b.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { PhaseRequest, PhaseResult, Target } from './loadgen.ts';
import { forkNode, freePort, machineBusyS, RssWatcher, runNode, sample, spawnNode, stopAll, type Child } from './lib/proc.ts';
import { summariseProfile } from './profile.ts';
import { machineInfo, printTables, writeReport, type Aggregate, type CallCount, type OtelResult, type RunResults, type SoakResult } from './report.ts';
import {
  AUTHORIZATION,
  directPaths,
  extract,
  graphqlBody,
  PAGE_SIZE,
  type ContestantId,
  type Extracted,
  type Workload,
} from './workload.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', '.out');
const RESULTS = join(ROOT, 'bench', 'results');
const OPENAPI = resolve(ROOT, '..', 'shared', 'upstream', 'conversations-v2.openapi.json');

const { values: flags } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    otel: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    'soak-seconds': { type: 'string' },
    rate: { type: 'string' },
    target: { type: 'string', default: 'facade' },
    only: { type: 'string' },
    phases: { type: 'string' },
  },
  allowPositionals: false,
});

const LABELS: Record<ContestantId, string> = {
  direct: '(a) direct REST',
  limit: '(b) zero-framework limit',
  facade: '(c) this facade',
  mesh: '(d) GraphQL Mesh',
};
const ORDER: ContestantId[] = ['direct', 'limit', 'facade', 'mesh'];

export interface PhaseSpec {
  key: string;
  title: string;
  workload: Workload;
  latencyMs: number;
  jitterMs: number;
  mode: 'closed' | 'open';
  concurrency?: number;
  rate?: number;
  durationMs: number;
}

const seconds = flags.seconds ? Number(flags.seconds) * 1000 : undefined;
/** A rate every contestant sustains on this machine, for latency without queueing. */
const RATE = Number(flags.rate ?? 50);
const PHASES: PhaseSpec[] = [
  { key: 'tput0', title: '0 ms upstream, throughput (closed loop, 32 users)', workload: 'page', latencyMs: 0, jitterMs: 0, mode: 'closed', concurrency: 32, durationMs: seconds ?? 5000 },
  { key: 'rate0', title: `0 ms upstream, fixed rate ${RATE} req/s`, workload: 'page', latencyMs: 0, jitterMs: 0, mode: 'open', rate: RATE, durationMs: seconds ?? 5000 },
  { key: 'rate20', title: `20 ± 5 ms per upstream call, fixed rate ${RATE} req/s`, workload: 'page', latencyMs: 20, jitterMs: 5, mode: 'open', rate: RATE, durationMs: seconds ?? 5000 },
  { key: 'rate20x500', title: '20 ± 5 ms per upstream call, fixed rate 500 req/s (the target rate)', workload: 'page', latencyMs: 20, jitterMs: 5, mode: 'open', rate: 500, durationMs: seconds ?? 5000 },
  { key: 'n1', title: 'N+1-prone read (author participants + conversation), 0 ms, throughput (32 users)', workload: 'authors', latencyMs: 0, jitterMs: 0, mode: 'closed', concurrency: 32, durationMs: seconds ?? 5000 },
];

// ---- the processes ----

interface Upstream {
  child: Child;
  url: string;
  conversationId: string;
}

interface Server {
  id: ContestantId;
  child: Child | null;
  url: string;
}

function bin(name: string): string {
  return realpathSync(join(ROOT, 'node_modules', '.bin', name));
}

const pinArgs = (cpu: number) => (flags.pin ? ['taskset', '-a', '-cp', String(cpu)] : null);

async function pin(pid: number, cpu: number): Promise<void> {
  const args = pinArgs(cpu);
  if (!args) return;
  const { execFileSync } = await import('node:child_process');
  execFileSync(args[0]!, [...args.slice(1), String(pid)], { stdio: 'ignore' });
}

async function startUpstream(): Promise<Upstream> {
  const { child, ready } = await forkNode<{ type: string; url: string; conversationId: string }>('upstream', join(ROOT, 'bench', 'upstream.ts'));
  return { child, url: ready.url, conversationId: ready.conversationId };
}

async function control(upstream: Upstream, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${upstream.url}${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body) }) });
  return response.json();
}

async function composeMesh(upstreamUrl: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const output = join(OUT, 'supergraph.graphql');
  rmSync(output, { force: true });
  await runNode(
    bin('mesh-compose'),
    ['-c', join('bench', 'mesh', 'mesh.config.ts'), '-o', output],
    { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_OPENAPI_PATH: OPENAPI },
    120_000,
    ROOT,
  );
  if (!existsSync(output)) throw new Error('mesh-compose wrote no supergraph');
  return output;
}

async function waitForGraphql(url: string, body: string, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: AUTHORIZATION }, body });
      last = await response.text();
      if (response.status === 200 && !last.includes('"errors"')) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no good answer from ${url} in time; last: ${last.slice(0, 500)}\n${describe()}`);
}

async function startMesh(supergraph: string, conversationId: string): Promise<Server> {
  const port = await freePort();
  const child = spawnNode('mesh', bin('hive-gateway'), ['supergraph', supergraph, '--host', '127.0.0.1', '--port', String(port), '--fork', '1'], {
    // The gateway's own logs would only cost it time; errors still show in the answers.
    LOG_LEVEL: 'error',
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForGraphql(url, graphqlBody('mesh', 'page', conversationId), 60_000, child.output);
  return { id: 'mesh', child, url };
}

async function startGraphqlServer(id: 'limit' | 'facade', upstream: Upstream, execArgv: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  if (flags.profile && id === flags.target) execArgv = profileArgs;
  if (flags.soak && id === 'facade') execArgv = ['--expose-gc'];
  const { child, ready } = await forkNode<{ type: string; url: string }>(id, join(ROOT, 'bench', 'servers', `${id}.ts`), {
    env: { BENCH_UPSTREAM_URL: upstream.url, ...env },
    execArgv,
  });
  return { id, child, url: ready.url };
}

// ---- the load generator ----

interface LoadGen {
  child: Child;
  run(phase: PhaseRequest): Promise<PhaseResult>;
}

async function startLoadGen(): Promise<LoadGen> {
  const { child } = await forkNode('loadgen', join(ROOT, 'bench', 'loadgen.ts'));
  let next = 0;
  const pending = new Map<number, { resolve: (r: PhaseResult) => void; reject: (e: Error) => void }>();
  child.process.on('message', (message: { type: string; id: number; result?: PhaseResult; error?: string }) => {
    if (message.type !== 'result') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result!);
  });
  return {
    child,
    run(phase) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.process.send({ type: 'phase', id, phase });
      });
    },
  };
}

function targetFor(server: Server, workload: Workload, upstream: Upstream): Target {
  if (server.id === 'direct') {
    return { kind: 'rest', origin: upstream.url, paths: directPaths(upstream.conversationId, workload === 'authors'), headers: { authorization: AUTHORIZATION } };
  }
  return { kind: 'graphql', url: server.url, body: graphqlBody(server.id, workload, upstream.conversationId), headers: { authorization: AUTHORIZATION } };
}

// ---- checks ----

interface Checked {
  ok: boolean;
  lines: string[];
  calls: CallCount[];
}

/** One answer per contestant and workload: the same 50 sids (and authors); the facade's data equal to the limit's. */
async function checkAnswers(servers: Server[], upstream: Upstream, loadgen: LoadGen): Promise<Checked> {
  const lines: string[] = [];
  let ok = true;
  const calls: CallCount[] = [];
  for (const workload of ['page', 'authors'] as Workload[]) {
    const answers = new Map<ContestantId, string[]>();
    const extracted = new Map<ContestantId, Extracted>();
    for (const server of servers) {
      await control(upstream, 'POST', '/__bench/reset-counts');
      const result = await loadgen.run({ target: targetFor(server, workload, upstream), mode: 'closed', concurrency: 1, durationMs: 20_000, maxRequests: 20, keepAnswers: 1 });
      const stats = (await control(upstream, 'GET', '/__bench/stats')) as { counts: Record<string, number>; total: number };
      const n = result.completed;
      calls.push({
        workload,
        contestant: server.id,
        perQuery: n ? stats.total / n : NaN,
        byOperation: Object.fromEntries(Object.entries(stats.counts).map(([op, count]) => [op, n ? count / n : NaN])),
      });
      if (result.errors || !result.answers[0]) {
        ok = false;
        lines.push(`FAIL ${workload} ${LABELS[server.id]}: ${result.errors} errors; ${result.firstError ?? 'no answer'}`);
        continue;
      }
      answers.set(server.id, result.answers[0]);
      try {
        extracted.set(server.id, extract(server.id, workload, result.answers[0]));
      } catch (error) {
        ok = false;
        lines.push(`FAIL ${workload} ${LABELS[server.id]}: ${String(error)}`);
      }
    }
    const truth = extracted.get('direct');
    if (!truth) {
      ok = false;
      lines.push(`FAIL ${workload}: no direct REST answer to compare with`);
      continue;
    }
    if (truth.sids.length !== PAGE_SIZE || !truth.hasNextPage) {
      ok = false;
      lines.push(`FAIL ${workload}: the upstream page has ${truth.sids.length} items (want ${PAGE_SIZE}) and hasNextPage ${truth.hasNextPage}`);
    }
    for (const [id, got] of extracted) {
      if (id === 'direct') continue;
      const same = isDeepStrictEqual(got.sids, truth.sids) && got.hasNextPage === truth.hasNextPage && isDeepStrictEqual(got.authorNames, truth.authorNames);
      if (!same) ok = false;
      lines.push(`${same ? 'ok  ' : 'FAIL'} ${workload} ${LABELS[id]}: ${got.sids.length} sids${same ? ' = direct REST' : ' differ from direct REST'}${got.authorNames ? ', authors joined' : ''}`);
    }
    const facade = answers.get('facade');
    const limit = answers.get('limit');
    if (facade && limit) {
      const same = isDeepStrictEqual(JSON.parse(facade[0]!).data, JSON.parse(limit[0]!).data);
      if (!same) ok = false;
      lines.push(`${same ? 'ok  ' : 'FAIL'} ${workload} facade data ${same ? '=' : '!='} zero-framework limit data (cursors and ids included)`);
    }
  }
  return { ok, lines, calls };
}

// ---- measuring ----

interface Measured {
  spec: PhaseSpec;
  contestant: ContestantId;
  round: number;
  result: PhaseResult;
  cpuPer1000: { server: number; upstream: number; loadgen: number };
  rssPeak: { server: number; upstream: number; loadgen: number };
  /** CPU used by processes other than the bench's during the phase, in cores (other work on the machine). */
  foreignCores: number;
}

const QUIET_CORES = 0.25;
/** The most a whole run waits for quiet, so a busy machine cannot push it past its time bound. */
let quietBudgetMs = 90_000;

/** Waits (at most 15 s, and within the run's budget) until the machine's other work uses under QUIET_CORES. */
async function waitForQuiet(ours: number[]): Promise<number> {
  const deadline = Date.now() + Math.min(15_000, quietBudgetMs);
  let foreign = 0;
  for (let first = true; first || Date.now() < deadline; first = false) {
    const t0 = Date.now();
    const busy0 = machineBusyS();
    const ours0 = ours.reduce((sum, pid) => sum + sample(pid).cpuS, 0);
    await sleep(500);
    foreign = (machineBusyS() - busy0 - (ours.reduce((sum, pid) => sum + sample(pid).cpuS, 0) - ours0)) / 0.5;
    if (!first) quietBudgetMs -= Date.now() - t0;
    if (foreign < QUIET_CORES) break;
  }
  return foreign;
}

async function measure(
  spec: PhaseSpec,
  server: Server,
  round: number,
  ctx: { upstream: Upstream; loadgen: LoadGen; servers: Server[] },
): Promise<Measured> {
  const pids = new Map<string, number>([
    ['upstream', ctx.upstream.child.pid],
    ['loadgen', ctx.loadgen.child.pid],
  ]);
  if (server.child) pids.set('server', server.child.pid);
  const everyone = [ctx.upstream.child.pid, ctx.loadgen.child.pid, ...ctx.servers.flatMap((s) => (s.child ? [s.child.pid] : [])), process.pid];
  await waitForQuiet(everyone);
  const before = new Map([...pids].map(([name, pid]) => [name, sample(pid).cpuS]));
  const oursBefore = everyone.reduce((sum, pid) => sum + sample(pid).cpuS, 0);
  const machineBefore = machineBusyS();
  const t0 = performance.now();
  const watcher = new RssWatcher(pids);
  const result = await ctx.loadgen.run({
    target: targetFor(server, spec.workload, ctx.upstream),
    mode: spec.mode,
    durationMs: spec.durationMs,
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(spec.rate !== undefined && { rate: spec.rate }),
  });
  watcher.poll();
  watcher.stop();
  const foreignS = machineBusyS() - machineBefore - (everyone.reduce((sum, pid) => sum + sample(pid).cpuS, 0) - oursBefore);
  const foreignCores = Math.max(0, foreignS / ((performance.now() - t0) / 1000));
  const cpu = (name: string) => (pids.has(name) ? ((sample(pids.get(name)!).cpuS - before.get(name)!) / Math.max(1, result.completed)) * 1000 : 0);
  return {
    spec,
    contestant: server.id,
    round,
    result: { ...result, answers: [] },
    cpuPer1000: { server: cpu('server'), upstream: cpu('upstream'), loadgen: cpu('loadgen') },
    rssPeak: { server: watcher.peaks.get('server') ?? 0, upstream: watcher.peaks.get('upstream') ?? 0, loadgen: watcher.peaks.get('loadgen') ?? 0 },
    foreignCores,
  };
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function aggregate(measured: Measured[]): Aggregate[] {
  const out: Aggregate[] = [];
  for (const spec of PHASES) {
    for (const contestant of ORDER) {
      const runs = measured.filter((m) => m.spec.key === spec.key && m.contestant === contestant);
      if (!runs.length) continue;
      out.push({
        phase: spec.key,
        title: spec.title,
        contestant,
        label: LABELS[contestant],
        rounds: runs.length,
        rps: median(runs.map((r) => r.result.rps)),
        p50: median(runs.map((r) => r.result.latencyMs.p50)),
        p90: median(runs.map((r) => r.result.latencyMs.p90)),
        p99: median(runs.map((r) => r.result.latencyMs.p99)),
        errors: runs.reduce((sum, r) => sum + r.result.errors, 0),
        dropped: runs.reduce((sum, r) => sum + r.result.dropped, 0),
        unfinished: runs.reduce((sum, r) => sum + r.result.unfinished, 0),
        firstError: runs.find((r) => r.result.firstError)?.result.firstError,
        cpuServer: median(runs.map((r) => r.cpuPer1000.server)),
        cpuUpstream: median(runs.map((r) => r.cpuPer1000.upstream)),
        cpuLoadgen: median(runs.map((r) => r.cpuPer1000.loadgen)),
        rssServerMB: Math.max(...runs.map((r) => r.rssPeak.server)) / 2 ** 20,
        rssUpstreamMB: Math.max(...runs.map((r) => r.rssPeak.upstream)) / 2 ** 20,
        rpsRounds: runs.map((r) => r.result.rps),
        foreignCores: runs.map((r) => r.foreignCores),
      });
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function setLatency(upstream: Upstream, latencyMs: number, jitterMs: number): Promise<void> {
  await control(upstream, 'PUT', '/__bench/latency', { latencyMs, jitterMs });
}

// ---- modes ----

interface World {
  upstream: Upstream;
  loadgen: LoadGen;
  servers: Server[];
}

async function startWorld(options: { only?: ContestantId[] } = {}): Promise<World> {
  const t0 = Date.now();
  const upstream = await startUpstream();
  const loadgen = await startLoadGen();
  const want = (id: ContestantId) => !options.only || options.only.includes(id);
  const servers: Server[] = [];
  if (want('direct')) servers.push({ id: 'direct', child: null, url: upstream.url });
  if (want('limit')) servers.push(await startGraphqlServer('limit', upstream));
  if (want('facade')) servers.push(await startGraphqlServer('facade', upstream));
  if (want('mesh')) {
    process.stdout.write('composing the Mesh supergraph (mesh-compose)… ');
    const supergraph = await composeMesh(upstream.url);
    servers.push(await startMesh(supergraph, upstream.conversationId));
    console.log('done');
  }
  for (const server of servers) if (server.child) await pin(server.child.pid, 1);
  await pin(upstream.child.pid, 0);
  await pin(loadgen.child.pid, 0);
  console.log(`started upstream, load generator and ${servers.length - 1} servers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { upstream, loadgen, servers };
}

async function stopWorld(world: World): Promise<void> {
  for (const server of world.servers) await server.child?.stop();
  await world.loadgen.child.stop();
  await world.upstream.child.stop();
}

/** Returns how many requests each server answered. */
async function warmUp(world: World, ms: number): Promise<Map<ContestantId, number>> {
  await setLatency(world.upstream, 0, 0);
  const answered = new Map<ContestantId, number>();
  for (const server of world.servers) {
    for (const workload of ['page', 'authors'] as Workload[]) {
      const result = await world.loadgen.run({ target: targetFor(server, workload, world.upstream), mode: 'closed', concurrency: 16, durationMs: workload === 'page' ? ms : ms / 2 });
      answered.set(server.id, (answered.get(server.id) ?? 0) + result.completed + result.errors);
    }
  }
  return answered;
}

async function smoke(): Promise<number> {
  const started = Date.now();
  const world = await startWorld();
  try {
    const checked = await checkAnswers(world.servers, world.upstream, world.loadgen);
    for (const line of checked.lines) console.log(line);
    console.log('\nupstream calls per query:');
    for (const call of checked.calls) console.log(`  ${call.workload.padEnd(8)} ${LABELS[call.contestant].padEnd(26)} ${call.perQuery.toFixed(2)}  ${JSON.stringify(call.byOperation)}`);
    console.log('\nbrief load (1.5 s each, 8 users, 0 ms upstream):');
    let loadOk = true;
    for (const server of world.servers) {
      const result = await world.loadgen.run({ target: targetFor(server, 'page', world.upstream), mode: 'closed', concurrency: 8, durationMs: 1500 });
      if (result.errors || result.completed === 0) loadOk = false;
      console.log(`  ${LABELS[server.id].padEnd(26)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.latencyMs.p50.toFixed(1)} ms  errors ${result.errors}${result.firstError ? ` (${result.firstError.slice(0, 120)})` : ''}`);
    }
    const n1 = checked.calls.find((c) => c.contestant === 'facade' && c.workload === 'authors');
    const n1Ok = n1?.perQuery === 3;
    console.log(`${n1Ok ? 'ok  ' : 'FAIL'} facade N+1 read: ${n1?.perQuery} upstream calls per query (want 3)`);
    const ok = checked.ok && loadOk && n1Ok;
    console.log(`\nsmoke ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ok ? 0 : 1;
  } finally {
    await stopWorld(world);
  }
}

async function full(): Promise<number> {
  const started = Date.now();
  const rounds = Number(flags.rounds ?? 3);
  const world = await startWorld(flags.only ? { only: flags.only.split(',') as ContestantId[] } : {});
  try {
    const checked = await checkAnswers(world.servers, world.upstream, world.loadgen);
    for (const line of checked.lines) console.log(line);
    if (!checked.ok) throw new Error('the contestants do not return the same data; not measuring');
    console.log('warming up…');
    await warmUp(world, 4000);
    const measured: Measured[] = [];
    for (const spec of PHASES.filter((p) => !flags.phases || flags.phases.split(',').includes(p.key))) {
      await setLatency(world.upstream, spec.latencyMs, spec.jitterMs);
      for (let round = 1; round <= rounds; round++) {
        for (const server of world.servers) {
          const m = await measure(spec, server, round, world);
          measured.push(m);
          const r = m.result;
          console.log(
            `  ${spec.key.padEnd(10)} round ${round} ${LABELS[server.id].padEnd(26)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.latencyMs.p50.toFixed(2)} p99 ${r.latencyMs.p99.toFixed(2)} ms  cpu ${m.cpuPer1000.server.toFixed(3)} s/1000${r.errors ? `  errors ${r.errors}` : ''}${r.dropped ? `  dropped ${r.dropped}` : ''}${r.unfinished ? `  unfinished ${r.unfinished}` : ''}${m.foreignCores >= QUIET_CORES ? `  (other work on the machine: ${m.foreignCores.toFixed(2)} cores)` : ''}`,
          );
          // Let an overloaded server drain what it still holds before the next contestant's turn.
          await sleep(r.unfinished || r.dropped ? 2000 : 400);
        }
      }
    }
    await setLatency(world.upstream, 0, 0);
    const hwm = Object.fromEntries(world.servers.filter((s) => s.child).map((s) => [s.id, sample(s.child!.pid).hwmBytes / 2 ** 20]));
    const results: RunResults = {
      at: new Date().toISOString(),
      machine: machineInfo(ROOT),
      rounds,
      phases: PHASES.map(({ key, title, mode, concurrency, rate, durationMs, latencyMs, jitterMs, workload }) => ({ key, title, mode, concurrency, rate, durationMs, latencyMs, jitterMs, workload })),
      aggregates: aggregate(measured),
      calls: checked.calls,
      checks: checked.lines,
      hwmMB: hwm,
      durationS: (Date.now() - started) / 1000,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    printTables(results, readSoak(), readProfile());
    writeReport(ROOT, results, readSoak(), readProfile(), readJson<OtelResult>('otel.json'));
    console.log(`\nwrote BENCHMARKS.md, bench/results/latest.json and bench/results/chart.svg in ${results.durationS.toFixed(0)} s`);
    return 0;
  } finally {
    await stopWorld(world);
  }
}

function readJson<T>(name: string): T | null {
  const path = join(RESULTS, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

function readSoak(): SoakResult | null {
  const path = join(RESULTS, 'soak.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SoakResult) : null;
}

function readProfile(): ReturnType<typeof summariseProfile> | null {
  const path = join(RESULTS, 'profile.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ReturnType<typeof summariseProfile>) : null;
}

async function soak(): Promise<number> {
  const total = Number(flags['soak-seconds'] ?? 180) * 1000;
  const warmMs = Math.min(30_000, total / 6);
  const world = await startWorld({ only: ['facade'] });
  const facade = world.servers.find((s) => s.id === 'facade')!;
  try {
    await setLatency(world.upstream, 0, 0);
    const samples: { t: number; rssMB: number }[] = [];
    const t0 = Date.now();
    const timer = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, rssMB: sample(facade.child!.pid).rssBytes / 2 ** 20 }), 1000);
    const heap = () =>
      new Promise<{ heapUsed: number; rss: number; external: number; arrayBuffers: number }>((resolve) => {
        facade.child!.process.once('message', (m: { heapUsed: number; rss: number; external: number; arrayBuffers: number }) => resolve(m));
        facade.child!.process.send({ type: 'heap' });
      });
    const heaps: { t: number; heapUsedMB: number; externalMB: number }[] = [];
    const heapTimer = setTimeout(() => {
      void heap().then((h) => heaps.push({ t: (Date.now() - t0) / 1000, heapUsedMB: h.heapUsed / 2 ** 20, externalMB: h.external / 2 ** 20 }));
    }, warmMs);
    const cpuBefore = sample(facade.child!.pid).cpuS;
    const result = await world.loadgen.run({ target: targetFor(facade, 'page', world.upstream), mode: 'closed', concurrency: 16, durationMs: total });
    clearInterval(timer);
    clearTimeout(heapTimer);
    // Under load still? No: the loop has ended; one more full GC measures what stayed live.
    const last = await heap();
    heaps.push({ t: (Date.now() - t0) / 1000, heapUsedMB: last.heapUsed / 2 ** 20, externalMB: last.external / 2 ** 20 });
    const cpu = sample(facade.child!.pid).cpuS - cpuBefore;
    const warm = samples.filter((s) => s.t * 1000 >= warmMs - 10_000 && s.t * 1000 <= warmMs);
    const lastSamples = samples.filter((s) => s.t >= samples.at(-1)!.t - 10);
    const baseline = median(warm.map((s) => s.rssMB));
    const end = median(lastSamples.map((s) => s.rssMB));
    const peak = Math.max(...samples.filter((s) => s.t * 1000 > warmMs).map((s) => s.rssMB));
    const soakResult: SoakResult = {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      seconds: total / 1000,
      warmUpSeconds: warmMs / 1000,
      concurrency: 16,
      requests: result.completed,
      errors: result.errors,
      rps: result.rps,
      cpuPer1000: (cpu / Math.max(1, result.completed)) * 1000,
      baselineMB: baseline,
      endMB: end,
      peakAfterWarmUpMB: peak,
      growth: end / baseline - 1,
      peakGrowth: peak / baseline - 1,
      samples: samples.filter((_, i) => i % 5 === 0),
      liveHeap: heaps,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'soak.json'), `${JSON.stringify(soakResult, null, 2)}\n`);
    console.log(
      `soak: ${soakResult.requests} requests in ${soakResult.seconds} s (${soakResult.rps.toFixed(0)} req/s, ${soakResult.errors} errors); RSS after ${soakResult.warmUpSeconds.toFixed(0)} s warm-up ${baseline.toFixed(1)} MB, at the end ${end.toFixed(1)} MB (${(soakResult.growth * 100).toFixed(1)} %), peak ${peak.toFixed(1)} MB (${(soakResult.peakGrowth * 100).toFixed(1)} %): target ≤ 10 % ${soakResult.growth <= 0.1 ? 'met' : 'NOT met'}`,
    );
    console.log(`live heap after a full GC: ${heaps.map((h) => `${h.heapUsedMB.toFixed(1)} MB at ${h.t.toFixed(0)} s`).join(', ')}`);
    console.log('wrote bench/results/soak.json (BENCHMARKS.md picks it up on the next full run)');
    return 0;
  } finally {
    await stopWorld(world);
  }
}

const PROFILE_DIR = join(OUT, 'profile');
const profileArgs = ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function profile(): Promise<number> {
  const dir = PROFILE_DIR;
  const id = flags.target as 'facade' | 'limit';
  if (id !== 'facade' && id !== 'limit') throw new Error('--target is facade or limit');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const world = await startWorld({ only: [id] });
  const facade = world.servers.find((s) => s.id === id)!;
  let result: PhaseResult;
  const window = { fromUs: 0, toUs: 0 };
  try {
    await setLatency(world.upstream, 0, 0);
    await warmUp(world, 3000);
    await checkAnswers(world.servers, world.upstream, world.loadgen);
    window.fromUs = monotonicUs();
    result = await world.loadgen.run({ target: targetFor(facade, 'page', world.upstream), mode: 'closed', concurrency: 32, durationMs: Number(flags.seconds ?? 15) * 1000 });
    window.toUs = monotonicUs();
  } finally {
    await stopWorld(world);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  if (!files.length) throw new Error('no .cpuprofile written');
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const summary = { ...summariseProfile(JSON.parse(readFileSync(newest, 'utf8')), ROOT, { requests: result.completed, rps: result.rps }, window), commit: machineInfo(ROOT).commit };
  mkdirSync(RESULTS, { recursive: true });
  if (id === 'facade') writeFileSync(join(RESULTS, 'profile.json'), `${JSON.stringify(summary, null, 2)}\n`);
  else writeFileSync(join(OUT, `profile-${id}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`profile of ${LABELS[id]}: ${result.completed} requests at ${result.rps.toFixed(0)} req/s (profiler on); ${newest}`);
  console.log('\nwhere the time goes (inclusive, % of busy time):');
  for (const row of summary.buckets) console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}`);
  console.log('\nself time by area:');
  for (const row of summary.byCategory.slice(0, 25)) console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}`);
  console.log('\ntop functions by self time:');
  for (const row of summary.topFunctions.slice(0, 20)) console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}  ${row.where}`);
  console.log('\nwrote bench/results/profile.json (BENCHMARKS.md picks it up on the next full run)');
  return 0;
}

/** Rewrites BENCHMARKS.md and the chart from bench/results/*.json, measuring nothing. */
async function report(): Promise<number> {
  const results = readJson<RunResults>('latest.json');
  if (!results) throw new Error('no bench/results/latest.json: run npm run bench first');
  printTables(results, readSoak(), readProfile());
  writeReport(ROOT, results, readSoak(), readProfile(), readJson<OtelResult>('otel.json'));
  console.log('\nrewrote BENCHMARKS.md and bench/results/chart.svg from bench/results/');
  return 0;
}

/** Tracing off (the default) against tracing on with spans dropped at export: what tracing costs. */
async function otel(): Promise<number> {
  const rounds = Number(flags.rounds ?? 3);
  const world = await startWorld({ only: ['facade'] });
  const on = await startGraphqlServer('facade', world.upstream, [], { BENCH_TRACING: '1' });
  world.servers.push(on);
  const off = world.servers[0]!;
  const specs = PHASES.filter((p) => p.key === 'tput0' || p.key === 'rate0');
  try {
    await warmUp(world, 3000);
    const rows: { phase: string; tracing: string; rps: number[]; p50: number[]; p99: number[]; cpu: number[] }[] = [];
    for (const spec of specs) {
      await setLatency(world.upstream, spec.latencyMs, spec.jitterMs);
      const acc = new Map<Server, { rps: number[]; p50: number[]; p99: number[]; cpu: number[] }>();
      for (let round = 1; round <= rounds; round++) {
        for (const server of [off, on]) {
          const m = await measure(spec, server, round, world);
          const a = acc.get(server) ?? { rps: [], p50: [], p99: [], cpu: [] };
          a.rps.push(m.result.rps);
          a.p50.push(m.result.latencyMs.p50);
          a.p99.push(m.result.latencyMs.p99);
          a.cpu.push(m.cpuPer1000.server);
          acc.set(server, a);
          console.log(`  ${spec.key.padEnd(6)} round ${round} tracing ${server === on ? 'on ' : 'off'} ${m.result.rps.toFixed(0).padStart(5)} req/s  p50 ${m.result.latencyMs.p50.toFixed(2)} p99 ${m.result.latencyMs.p99.toFixed(2)} ms  cpu ${m.cpuPer1000.server.toFixed(3)} s/1000`);
          await sleep(400);
        }
      }
      for (const server of [off, on]) rows.push({ phase: spec.key, tracing: server === on ? 'on' : 'off', ...acc.get(server)! });
    }
    const spans = await new Promise<number>((resolve) => {
      on.child!.process.once('message', (m: { count: number }) => resolve(m.count));
      on.child!.process.send({ type: 'spans' });
      setTimeout(() => resolve(NaN), 5000);
    });
    const requests = rows.filter((r) => r.tracing === 'on').length;
    console.log(`spans exported by the tracing-on facade: ${spans} (${requests ? 'a request span plus one per upstream call' : ''})`);
    const result: OtelResult = {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      rounds,
      spansExported: spans,
      rows: rows.map((r) => ({ phase: r.phase, tracing: r.tracing, rps: median(r.rps), p50: median(r.p50), p99: median(r.p99), cpuPer1000: median(r.cpu) })),
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'otel.json'), `${JSON.stringify(result, null, 2)}\n`);
    for (const r of result.rows) console.log(`${r.phase.padEnd(6)} tracing ${r.tracing.padEnd(3)} ${r.rps.toFixed(0).padStart(5)} req/s  p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms  cpu ${r.cpuPer1000.toFixed(3)} s/1000`);
    console.log('wrote bench/results/otel.json (BENCHMARKS.md picks it up on the next full run)');
    return 0;
  } finally {
    await stopWorld(world);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
}

try {
  const mode = flags.smoke ? smoke : flags.soak ? soak : flags.profile ? profile : flags.otel ? otel : flags.report ? report : full;
  process.exitCode = await mode();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
} finally {
  stopAll();
}
