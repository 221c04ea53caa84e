// What a full run measures: its phases (workload, upstream latency, closed or open loop), and the
// settings every measured phase shares (the warm-up before them, how quiet the machine must be).
import type { BenchOptions } from './options.ts';
import type { Workload } from './workload.ts';

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

/** Load on every contestant before the full run measures anything. */
export const WARM_UP_MS = 4000;

/** Other work on the machine, in cores, below which a phase may start. */
export const QUIET_CORES = 0.25;

/** `--rate` is the moderate fixed rate: one every contestant sustains on this machine, for latency without queueing. */
export function phasesFor(options: Pick<BenchOptions, 'seconds' | 'rate'>): PhaseSpec[] {
  const durationMs = options.seconds !== undefined ? options.seconds * 1000 : 5000;
  const rate = options.rate;
  const upstream20 = { latencyMs: 20, jitterMs: 5 };
  const upstream0 = { latencyMs: 0, jitterMs: 0 };
  return [
    {
      key: 'tput0',
      title: '0 ms upstream, throughput (closed loop, 32 users)',
      workload: 'page',
      ...upstream0,
      mode: 'closed',
      concurrency: 32,
      durationMs,
    },
    {
      key: 'rate0',
      title: `0 ms upstream, fixed rate ${rate} req/s`,
      workload: 'page',
      ...upstream0,
      mode: 'open',
      rate,
      durationMs,
    },
    {
      key: 'rate20',
      title: `20 ± 5 ms per upstream call, fixed rate ${rate} req/s`,
      workload: 'page',
      ...upstream20,
      mode: 'open',
      rate,
      durationMs,
    },
    {
      key: 'rate20x500',
      title: '20 ± 5 ms per upstream call, fixed rate 500 req/s (the target rate)',
      workload: 'page',
      ...upstream20,
      mode: 'open',
      rate: 500,
      durationMs,
    },
    {
      key: 'n1',
      title: 'N+1-prone read (author participants + conversation), 0 ms, throughput (32 users)',
      workload: 'authors',
      ...upstream0,
      mode: 'closed',
      concurrency: 32,
      durationMs,
    },
  ];
}
