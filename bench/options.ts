// `npm run bench` command line: the modes and options, parsed once in run.ts and handed to the mode.
import { parseArgs } from 'node:util';
import type { ContestantId } from './workload.ts';

export const USAGE = `npm run bench -- [mode] [options]

Modes (one; none: the full run):
  (none)        the full run (< 10 min): prints the tables, writes BENCHMARKS.md,
                bench/results/latest.json, fanout.json and chart.svg
  --smoke       < 60 s: every contestant briefly; checks each returns the same 50 sids (and the
                facade the limit's exact data), and the fan-out with 20 + 20 subscribers; exit 1 on a mismatch
  --soak        3 minutes of load on the facade; RSS growth after warm-up
  --profile     --cpu-prof on the facade under the 0 ms workload; top self time
                (--target limit profiles the zero-framework limit instead)
  --otel        the facade with tracing off (default) and on: what tracing costs
  --fanout      live updates: 1,000 SSE + 1,000 WebSocket subscribers, 50 signed webhooks/s for 10 s,
                the facade and a zero-framework broadcaster (bench/results/fanout.json)
  --report      rewrite BENCHMARKS.md and the chart from bench/results/*.json

Options:
  --rounds N          rounds per phase (default 3)
  --seconds S         length of each phase (--fanout: of the load at the target rate, default 10)
  --rate R            the moderate fixed rate in req/s (default 50); --fanout: webhooks/s
  --subscribers N     --fanout: subscribers per transport (default 1000)
  --cpu-prof          --fanout: also profile the facade under the target load (prints where the time goes)
  --soak-seconds S    length of --soak (default 180)
  --pin               taskset: every server under test on CPU 1, upstream and load generator on CPU 0
  --only a,b          contestants: direct, limit, facade, mesh
  --phases a,b        phases: tput0, rate0, rate20, rate20x500, n1, fanout
  --target T          what --profile profiles: facade (default) or limit
  --help              this text`;

export type Mode = 'full' | 'smoke' | 'soak' | 'profile' | 'otel' | 'report' | 'fanout';

export interface BenchOptions {
  mode: Mode;
  rounds: number;
  /** Per phase; undefined: each phase's own default. */
  seconds: number | undefined;
  rate: number;
  /** --fanout: subscribers per transport. */
  subscribers: number;
  /** --fanout: profile the facade (node --cpu-prof) under the target load. */
  cpuProf: boolean;
  soakSeconds: number;
  pin: boolean;
  target: string;
  only: ContestantId[] | undefined;
  phases: string[] | undefined;
}

/** The options, or 'help' when --help asks for the usage. Unknown options throw (as parseArgs does). */
export function parseOptions(args: string[]): BenchOptions | 'help' {
  const { values: flags } = parseArgs({
    args,
    options: {
      smoke: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      otel: { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
      fanout: { type: 'boolean', default: false },
      subscribers: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      pin: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      'soak-seconds': { type: 'string' },
      rate: { type: 'string' },
      target: { type: 'string', default: 'facade' },
      only: { type: 'string' },
      phases: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (flags.help) return 'help';
  // The first mode named wins, in this order, as it always has.
  const mode: Mode = flags.smoke
    ? 'smoke'
    : flags.soak
      ? 'soak'
      : flags.profile
        ? 'profile'
        : flags.otel
          ? 'otel'
          : flags.report
            ? 'report'
            : flags.fanout
              ? 'fanout'
              : 'full';
  return {
    mode,
    rounds: Number(flags.rounds ?? 3),
    seconds: flags.seconds ? Number(flags.seconds) : undefined,
    rate: Number(flags.rate ?? 50),
    subscribers: Number(flags.subscribers ?? 1000),
    cpuProf: flags['cpu-prof'],
    soakSeconds: Number(flags['soak-seconds'] ?? 180),
    pin: flags.pin,
    target: flags.target,
    only: flags.only ? (flags.only.split(',') as ContestantId[]) : undefined,
    phases: flags.phases ? flags.phases.split(',') : undefined,
  };
}
