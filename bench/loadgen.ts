// The load generator, run as its own child process and driven over IPC by run.ts: one phase at a
// time, each bounded in time, against loopback only.
//
// Two modes:
// - closed loop ("throughput"): `concurrency` virtual users, each sending its next request as soon as
//   the previous answer is read in full, for `durationMs`;
// - open loop ("fixed rate"): requests start on a fixed schedule (`rate` per second) whatever the
//   answers do, and each latency is measured from its *scheduled* start, so a stall shows up in the
//   percentiles instead of silently lowering the rate (no coordinated omission, unlike a closed loop
//   with a rate cap such as autocannon's -R).
// One logical request is one POST for a GraphQL contestant, and for direct REST the two (or three)
// upstream GETs a client would make, issued in parallel, done when the last body is read.
// Latencies are kept exactly (a Float64Array per phase) and sorted for percentiles.
import { Pool } from 'undici';
import { serveRpc } from './lib/rpc.ts';

export interface GraphqlTarget {
  kind: 'graphql';
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface RestTarget {
  kind: 'rest';
  origin: string;
  paths: string[];
  headers: Record<string, string>;
}

export type Target = GraphqlTarget | RestTarget;

export interface PhaseRequest {
  target: Target;
  mode: 'closed' | 'open';
  durationMs: number;
  /** closed loop: virtual users */
  concurrency?: number;
  /** closed loop: stop after this many requests (or at durationMs, whichever comes first) */
  maxRequests?: number;
  /** open loop: requests per second */
  rate?: number;
  /** Keep this many full answers (the first ones) for checking. */
  keepAnswers?: number;
}

export interface PhaseResult {
  completed: number;
  errors: number;
  firstError?: string;
  /** Open loop: requests not started because too many were outstanding. */
  dropped: number;
  /**
   * Open loop: requests still unanswered `graceMs` after the last was scheduled; they were aborted
   * and count in the percentiles with their latency so far (a lower bound).
   */
  unfinished: number;
  elapsedS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  answers: string[][];
}

const MAX_OUTSTANDING = 2000;
const GRACE_MS = 3000;
const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
    pools.set(origin, pool);
  }
  return pool;
}

type RequestOptions = Parameters<Pool['request']>[0];

async function readAnswer(pool: Pool, options: RequestOptions): Promise<{ status: number; text: string }> {
  const response = await pool.request(options);
  const text = await response.body.text();
  return { status: response.statusCode, text };
}

/** One logical request; resolves to the answer bodies, or throws with a reason. */
function makeRequester(target: Target, signal?: AbortSignal): () => Promise<string[]> {
  if (target.kind === 'graphql') {
    const url = new URL(target.url);
    const pool = poolFor(url.origin);
    const options = {
      method: 'POST' as const,
      path: url.pathname,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...target.headers,
      },
      body: target.body,
      ...(signal && { signal }),
    };
    return async () => {
      const { status, text } = await readAnswer(pool, options);
      // A GraphQL error anywhere in the answer makes the request count as failed.
      if (status !== 200 || text.includes('"errors":')) throw new Error(`status ${status}: ${text.slice(0, 300)}`);
      return [text];
    };
  }
  const pool = poolFor(target.origin);
  const requests: RequestOptions[] = target.paths.map((path) => ({
    method: 'GET' as const,
    path,
    headers: { accept: 'application/json', ...target.headers },
    ...(signal && { signal }),
  }));
  return async () => {
    const answers = await Promise.all(requests.map((options) => readAnswer(pool, options)));
    const bad = answers.find((answer) => answer.status !== 200);
    if (bad) throw new Error(`status ${bad.status}: ${bad.text.slice(0, 300)}`);
    return answers.map((answer) => answer.text);
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

class Recorder {
  latencies = new Float64Array(1 << 16);
  count = 0;
  errors = 0;
  firstError: string | undefined;
  answers: string[][] = [];

  add(ms: number): void {
    if (this.count === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2);
      bigger.set(this.latencies);
      this.latencies = bigger;
    }
    this.latencies[this.count++] = ms;
  }

  fail(error: unknown): void {
    this.errors++;
    this.firstError ??= error instanceof Error ? error.message : String(error);
  }

  summary(elapsedS: number, dropped: number, unfinished = 0): PhaseResult {
    const sorted = this.latencies.slice(0, this.count).sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    return {
      completed: this.count - unfinished,
      errors: this.errors,
      ...(this.firstError !== undefined && { firstError: this.firstError }),
      dropped,
      unfinished,
      elapsedS,
      rps: (this.count - unfinished) / elapsedS,
      latencyMs: {
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1]! : NaN,
        mean: sorted.length ? sum / sorted.length : NaN,
      },
      answers: this.answers,
    };
  }
}

async function closedLoop(request: PhaseRequest): Promise<PhaseResult> {
  const send = makeRequester(request.target);
  const recorder = new Recorder();
  const keep = request.keepAnswers ?? 0;
  const started = performance.now();
  const deadline = started + request.durationMs;
  let budget = request.maxRequests ?? Infinity;
  const user = async () => {
    while (performance.now() < deadline && budget-- > 0) {
      const t0 = performance.now();
      try {
        const answers = await send();
        recorder.add(performance.now() - t0);
        if (recorder.answers.length < keep) recorder.answers.push(answers);
      } catch (error) {
        recorder.fail(error);
      }
    }
  };
  await Promise.all(Array.from({ length: request.concurrency ?? 1 }, user));
  return recorder.summary((performance.now() - started) / 1000, 0);
}

async function openLoop(request: PhaseRequest): Promise<PhaseResult> {
  const abort = new AbortController();
  const send = makeRequester(request.target, abort.signal);
  const recorder = new Recorder();
  const keep = request.keepAnswers ?? 0;
  const rate = request.rate ?? 100;
  const interval = 1000 / rate;
  const total = Math.floor((request.durationMs / 1000) * rate);
  const started = performance.now();
  let issued = 0;
  let outstanding = 0;
  let dropped = 0;
  let stopped = false;
  const inFlight = new Map<Promise<void>, number>();

  const launch = (scheduledAt: number) => {
    if (outstanding >= MAX_OUTSTANDING) {
      dropped++;
      return;
    }
    outstanding++;
    const done: Promise<void> = send()
      .then(
        (answers) => {
          if (stopped) return;
          recorder.add(performance.now() - scheduledAt);
          if (recorder.answers.length < keep) recorder.answers.push(answers);
        },
        (error: unknown) => {
          if (!stopped) recorder.fail(error);
        },
      )
      .finally(() => {
        outstanding--;
        inFlight.delete(done);
      });
    inFlight.set(done, scheduledAt);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && started + issued * interval <= now) {
        launch(started + issued * interval);
        issued++;
      }
      if (issued >= total) return resolve();
      const next = started + issued * interval - performance.now();
      // setTimeout has ~1 ms granularity: sleep until just before the next slot, then catch up.
      setTimeout(tick, Math.max(0, Math.floor(next) - 1));
    };
    tick();
  });
  // Wait for the stragglers, but never longer than the grace period; then what is left counts with
  // its latency so far and is aborted, so it does not load the next phase.
  const grace = new Promise((resolve) => setTimeout(resolve, GRACE_MS));
  await Promise.race([Promise.allSettled([...inFlight.keys()]), grace]);
  stopped = true;
  const now = performance.now();
  const unfinished = inFlight.size;
  for (const scheduledAt of inFlight.values()) recorder.add(now - scheduledAt);
  abort.abort();
  await Promise.allSettled([...inFlight.keys()]);
  return recorder.summary(request.durationMs / 1000, dropped, unfinished);
}

export function runPhase(request: PhaseRequest): Promise<PhaseResult> {
  return request.mode === 'closed' ? closedLoop(request) : openLoop(request);
}

// As a child process: run phases on request.
serveRpc<{ type: string; id: number; phase: PhaseRequest }>((message) =>
  message.type === 'phase' ? runPhase(message.phase) : Promise.reject(new Error(`unknown command ${message.type}`)),
);
