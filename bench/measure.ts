// Measuring one phase on one contestant: wait for the machine to be quiet, run the load, and read
// every bench process's CPU and peak memory from /proc, plus the CPU other work on the machine
// took meanwhile. Then the medians over rounds that the tables show.
import { LABELS, ORDER } from './contestants.ts';
import { machineBusyS, RssWatcher, sample } from './lib/proc.ts';
import type { PhaseResult } from './loadgen.ts';
import { QUIET_CORES, type PhaseSpec } from './phases.ts';
import type { Aggregate } from './report/types.ts';
import { sleep, targetFor, type Server, type World } from './world.ts';
import type { ContestantId } from './workload.ts';

export interface Measured {
  spec: PhaseSpec;
  contestant: ContestantId;
  round: number;
  result: PhaseResult;
  cpuPer1000: { server: number; upstream: number; loadgen: number };
  rssPeak: { server: number; upstream: number; loadgen: number };
  /** CPU used by processes other than the bench's during the phase, in cores (other work on the machine). */
  foreignCores: number;
}

/** The most a whole run waits for quiet, so a busy machine cannot push it past its time bound. */
let quietBudgetMs = 90_000;

const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + sample(pid).cpuS, 0);

/** Waits (at most 15 s, and within the run's budget) until the machine's other work uses under QUIET_CORES. */
export async function waitForQuiet(ours: number[]): Promise<number> {
  const deadline = Date.now() + Math.min(15_000, quietBudgetMs);
  let foreign = 0;
  for (let first = true; first || Date.now() < deadline; first = false) {
    const t0 = Date.now();
    const busy0 = machineBusyS();
    const ours0 = cpuOf(ours);
    await sleep(500);
    foreign = (machineBusyS() - busy0 - (cpuOf(ours) - ours0)) / 0.5;
    if (!first) quietBudgetMs -= Date.now() - t0;
    if (foreign < QUIET_CORES) break;
  }
  return foreign;
}

export async function measure(spec: PhaseSpec, server: Server, round: number, world: World): Promise<Measured> {
  const pids = new Map<string, number>([
    ['upstream', world.upstream.child.pid],
    ['loadgen', world.loadgen.child.pid],
  ]);
  if (server.child) pids.set('server', server.child.pid);
  const servers = world.servers.flatMap((s) => (s.child ? [s.child.pid] : []));
  const everyone = [world.upstream.child.pid, world.loadgen.child.pid, ...servers, process.pid];
  await waitForQuiet(everyone);
  const before = new Map([...pids].map(([name, pid]) => [name, sample(pid).cpuS]));
  const oursBefore = cpuOf(everyone);
  const machineBefore = machineBusyS();
  const t0 = performance.now();
  const watcher = new RssWatcher(pids);
  const result = await world.loadgen.run({
    target: targetFor(server, spec.workload, world.upstream),
    mode: spec.mode,
    durationMs: spec.durationMs,
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(spec.rate !== undefined && { rate: spec.rate }),
  });
  watcher.poll();
  watcher.stop();
  const foreignS = machineBusyS() - machineBefore - (cpuOf(everyone) - oursBefore);
  const foreignCores = Math.max(0, foreignS / ((performance.now() - t0) / 1000));
  const cpu = (name: string) => {
    const pid = pids.get(name);
    return pid === undefined ? 0 : ((sample(pid).cpuS - before.get(name)!) / Math.max(1, result.completed)) * 1000;
  };
  const peak = (name: string) => watcher.peaks.get(name) ?? 0;
  return {
    spec,
    contestant: server.id,
    round,
    result: { ...result, answers: [] },
    cpuPer1000: { server: cpu('server'), upstream: cpu('upstream'), loadgen: cpu('loadgen') },
    rssPeak: { server: peak('server'), upstream: peak('upstream'), loadgen: peak('loadgen') },
    foreignCores,
  };
}

export const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Per phase and contestant, the medians (and sums, peaks) over its rounds. */
export function aggregate(measured: Measured[], phases: PhaseSpec[]): Aggregate[] {
  const out: Aggregate[] = [];
  for (const spec of phases) {
    for (const contestant of ORDER) {
      const runs = measured.filter((m) => m.spec.key === spec.key && m.contestant === contestant);
      if (!runs.length) continue;
      const middle = (value: (m: Measured) => number) => median(runs.map(value));
      const total = (value: (m: Measured) => number) => runs.reduce((sum, r) => sum + value(r), 0);
      out.push({
        phase: spec.key,
        title: spec.title,
        contestant,
        label: LABELS[contestant],
        rounds: runs.length,
        rps: middle((r) => r.result.rps),
        p50: middle((r) => r.result.latencyMs.p50),
        p90: middle((r) => r.result.latencyMs.p90),
        p99: middle((r) => r.result.latencyMs.p99),
        errors: total((r) => r.result.errors),
        dropped: total((r) => r.result.dropped),
        unfinished: total((r) => r.result.unfinished),
        firstError: runs.find((r) => r.result.firstError)?.result.firstError,
        cpuServer: middle((r) => r.cpuPer1000.server),
        cpuUpstream: middle((r) => r.cpuPer1000.upstream),
        cpuLoadgen: middle((r) => r.cpuPer1000.loadgen),
        rssServerMB: Math.max(...runs.map((r) => r.rssPeak.server)) / 2 ** 20,
        rssUpstreamMB: Math.max(...runs.map((r) => r.rssPeak.upstream)) / 2 ** 20,
        rpsRounds: runs.map((r) => r.result.rps),
        foreignCores: runs.map((r) => r.foreignCores),
      });
    }
  }
  return out;
}
