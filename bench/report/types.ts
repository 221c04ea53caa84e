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

/** Milliseconds, summarised. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** One transport's deliveries in one fan-out phase: what bench/fanout/subscribers.ts collects, as stored. */
export interface FanoutTransport {
  transport: 'sse' | 'ws';
  subscribers: number;
  /** Deliveries of the measured events (subscribers × events when nothing was lost). */
  delivered: number;
  /** Not arrived when the phase ended (its grace period after the last webhook): lost or late. */
  missed: number;
  duplicated: number;
  outOfOrder: number;
  /** Payloads with errors, and streams or sockets that ended. */
  errors: number;
  ended: number;
  firstError?: string;
  /** Send → receipt, every delivery; a missed one counts with its time so far (a lower bound). */
  latencyMs: LatencySummary;
}

/** One measured load of the fan-out workload on one server (bench/fanout/trial.ts). */
export interface FanoutPhase {
  /** 'spaced': events far enough apart that each fans out alone; 'target': the rate. */
  key: 'spaced' | 'target';
  rate: number;
  events: number;
  /** Deliveries expected: events × subscribers. */
  expected: number;
  delivered: number;
  /** The measured webhooks: sent, accepted, and how long the server took to answer one (ms). */
  webhooks: {
    sent: number;
    accepted: number;
    failed: number;
    unanswered: number;
    firstError?: string;
    answerP50: number;
    answerP99: number;
  };
  transports: FanoutTransport[];
  /** Server CPU (utime + stime, /proc) from the first webhook to the last delivery (or the phase's end). */
  cpuS: number;
  deliveredPerCpuS: number;
  cpuUsPerDelivery: number;
  /** CPU seconds of each bench process over the same window: server, webhooks, sse, ws, upstream, harness. */
  processCpuS: Record<string, number>;
  windowS: number;
  /** Last webhook sent → last delivery received. */
  drainS: number;
  upstreamCallsPerEvent: number;
  /** CPU other processes on the machine used during the window, in cores. */
  foreignCores: number;
}

/** One server under the fan-out workload. */
export interface FanoutServerResult {
  server: 'facade' | 'limit';
  label: string;
  subscribers: { sse: number; ws: number };
  /** Opening the subscribers: how long, failures, upstream calls per subscription. */
  subscribe: { seconds: number; upstreamCallsPerSubscription: number };
  /**
   * After a forced full GC: with no subscriber yet ('fresh', the code paths run once), with none
   * again once every subscriber had been opened and closed ('cycled'), with every one open and idle.
   */
  memory: {
    fresh: { rssMB: number; heapMB: number };
    cycled: { rssMB: number; heapMB: number };
    idle: { rssMB: number; heapMB: number };
    /** (idle − fresh) / subscribers. */
    rssPerSubscriberKB: number;
    heapPerSubscriberKB: number;
    /** (idle − cycled) / subscribers: once the heap has grown to what opening them takes. */
    marginalRssPerSubscriberKB: number;
  };
  phases: FanoutPhase[];
}

export interface FanoutResult {
  at: string;
  commit?: string;
  rate: number;
  seconds: number;
  /** How long after the last webhook of a phase deliveries still count. */
  graceS: number;
  servers: FanoutServerResult[];
  /** At the target rate: the facade's deliveries per CPU second over the limit's. */
  ratio: number;
  checks: string[];
  durationS: number;
}
