// What a run writes to bench/results/*.json and the report reads back: the shapes of latest.json
// (RunResults), soak.json, otel.json (profile.json is ProfileSummary, in ../profile.ts).
import type { ContestantId, Workload } from '../workload.ts';

export interface Aggregate {
  phase: string;
  title: string;
  contestant: ContestantId;
  label: string;
  rounds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  dropped: number;
  unfinished: number;
  firstError?: string | undefined;
  /** CPU seconds per 1000 requests, median over rounds. */
  cpuServer: number;
  cpuUpstream: number;
  cpuLoadgen: number;
  rssServerMB: number;
  rssUpstreamMB: number;
  rpsRounds: number[];
  /** Per round: CPU used by other processes on the machine during the phase, in cores. */
  foreignCores: number[];
}

export interface CallCount {
  workload: Workload;
  contestant: ContestantId;
  perQuery: number;
  byOperation: Record<string, number>;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  commit: string;
  versions: Record<string, string>;
}

export interface PhaseRecord {
  key: string;
  title: string;
  mode: string;
  concurrency?: number | undefined;
  rate?: number | undefined;
  durationMs: number;
  latencyMs: number;
  jitterMs: number;
  workload: Workload;
}

export interface RunResults {
  at: string;
  machine: Machine;
  rounds: number;
  phases: PhaseRecord[];
  aggregates: Aggregate[];
  calls: CallCount[];
  checks: string[];
  hwmMB: Record<string, number>;
  durationS: number;
}

export interface SoakResult {
  at: string;
  commit?: string;
  seconds: number;
  warmUpSeconds: number;
  concurrency: number;
  requests: number;
  errors: number;
  rps: number;
  cpuPer1000: number;
  baselineMB: number;
  endMB: number;
  peakAfterWarmUpMB: number;
  growth: number;
  peakGrowth: number;
  samples: { t: number; rssMB: number }[];
  /** heapUsed after a forced full GC: after the warm-up (under load) and at the end (load stopped). */
  liveHeap?: { t: number; heapUsedMB: number; externalMB: number }[];
}

export interface OtelResult {
  at: string;
  commit?: string;
  rounds: number;
  spansExported?: number;
  rows: { phase: string; tracing: string; rps: number; p50: number; p99: number; cpuPer1000: number }[];
}
