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

/** One server under the fan-out workload (bench/fanout/harness.ts). */
export interface FanoutServerResult {
  server: 'facade' | 'limit';
  label: string;
  subscribers: { sse: number; ws: number };
  /** Opening the subscribers: how long, failures, upstream calls per subscription. */
  subscribe: { seconds: number; failed: number; firstError?: string; upstreamCallsPerSubscription: number };
  /** The measured webhooks: sent, accepted, and how long the server took to answer one (ms). */
  webhooks: { sent: number; accepted: number; failed: number; firstError?: string; answerP50: number; answerP99: number };
  transports: {
    transport: 'sse' | 'ws';
    subscribers: number;
    delivered: number;
    missed: number;
    duplicated: number;
    outOfOrder: number;
    errors: number;
    firstError?: string;
    latencyMs: { count: number; p50: number; p90: number; p99: number; max: number; mean: number };
  }[];
  expected: number;
  delivered: number;
  /** Server CPU (utime + stime, /proc) from the first measured webhook to the last delivery. */
  cpuS: number;
  deliveredPerCpuS: number;
  cpuUsPerDelivery: number;
  /** Last webhook sent → last delivery received. */
  drainS: number;
  upstreamCallsPerEvent: number;
  /** After a forced full GC: with no subscriber, then with every subscriber open and idle. */
  memory: { baselineRssMB: number; idleRssMB: number; rssPerSubscriberKB: number; heapPerSubscriberKB: number };
  /** CPU other processes on the machine used during the measured window, in cores. */
  foreignCores: number;
}

export interface FanoutResult {
  at: string;
  commit?: string;
  rate: number;
  seconds: number;
  servers: FanoutServerResult[];
  /** Facade's deliveries per CPU second over the limit's. */
  ratio: number;
  checks: string[];
  durationS: number;
}
