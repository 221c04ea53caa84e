// `npm run bench`: the same logical read served four ways against the same cheap upstream, each
// server in its own child process, the load generator in another, interleaved rounds, medians.
// This file is the command line only (`npm run bench -- --help`); the parts are:
//   options.ts, phases.ts      the modes and options; what a full run measures
//   world.ts                   the processes: upstream, load generator, the servers under test
//   checks.ts, measure.ts      every contestant answers the same data; measuring one phase
//   modes/*.ts                 full, smoke, soak, profile, otel, report, fanout
//   fanout/                    the live-updates fan-out workload: generator, subscribers, harness
//   report/                    BENCHMARKS.md (template.md + document.ts), chart, tables
import { stopAll } from './lib/proc.ts';
import { fanout } from './modes/fanout.ts';
import { full } from './modes/full.ts';
import { otel } from './modes/otel.ts';
import { profile } from './modes/profile.ts';
import { report } from './modes/report.ts';
import { smoke } from './modes/smoke.ts';
import { soak } from './modes/soak.ts';
import { parseOptions, USAGE, type BenchOptions, type Mode } from './options.ts';

const MODES: Record<Mode, (options: BenchOptions) => Promise<number>> = { full, smoke, soak, profile, otel, report, fanout };

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAll();
    process.exit(130);
  });
}

try {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
  } else {
    process.exitCode = await MODES[options.mode](options);
  }
} catch (error) {
  const badArguments = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (badArguments) console.error(`${(error as Error).message}\n\n${USAGE}`);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
} finally {
  stopAll();
}
