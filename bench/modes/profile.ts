// `--profile`: the facade (or, with --target limit, the zero-framework limit) under the 0 ms
// workload with node --cpu-prof; prints where the time goes and, for the facade, writes
// bench/results/profile.json for BENCHMARKS.md. Only samples taken under the measured load count.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswers } from '../checks.ts';
import { LABELS } from '../contestants.ts';
import { OUT, ROOT, writeResult } from '../files.ts';
import type { PhaseResult } from '../loadgen.ts';
import type { BenchOptions } from '../options.ts';
import { summariseProfile } from '../profile.ts';
import { machineInfo } from '../report/machine.ts';
import { setLatency, startWorld, stopWorld, targetFor, warmUp } from '../world.ts';

const PROFILE_DIR = join(OUT, 'profile');
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export async function profile(options: BenchOptions): Promise<number> {
  const id = options.target;
  if (id !== 'facade' && id !== 'limit') throw new Error('--target is facade or limit');
  rmSync(PROFILE_DIR, { recursive: true, force: true });
  mkdirSync(PROFILE_DIR, { recursive: true });
  const execArgv = { [id]: ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] };
  const world = await startWorld({ only: [id], pin: options.pin, execArgv });
  const server = world.servers.find((s) => s.id === id)!;
  let result: PhaseResult;
  const window = { fromUs: 0, toUs: 0 };
  try {
    await setLatency(world.upstream, 0, 0);
    await warmUp(world, 3000);
    await checkAnswers(world);
    window.fromUs = monotonicUs();
    result = await world.loadgen.run({
      target: targetFor(server, 'page', world.upstream),
      mode: 'closed',
      concurrency: 32,
      durationMs: (options.seconds ?? 15) * 1000,
    });
    window.toUs = monotonicUs();
  } finally {
    // The profile is written when the server exits.
    await stopWorld(world);
  }
  const files = readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(PROFILE_DIR, f));
  if (!files.length) throw new Error('no .cpuprofile written');
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const measured = { requests: result.completed, rps: result.rps };
  const summary = {
    ...summariseProfile(JSON.parse(readFileSync(newest, 'utf8')), ROOT, measured, window),
    commit: machineInfo(ROOT).commit,
  };
  if (id === 'facade') writeResult('profile.json', summary);
  else writeFileSync(join(OUT, `profile-${id}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  const load = `${result.completed} requests at ${result.rps.toFixed(0)} req/s (profiler on)`;
  console.log(`profile of ${LABELS[id]}: ${load}; ${newest}`);
  const share = (row: { share: number }) => `  ${row.share.toFixed(1).padStart(5)} %`;
  console.log('\nwhere the time goes (inclusive, % of busy time):');
  for (const row of summary.buckets) console.log(`${share(row)}  ${row.name}`);
  console.log('\nself time by area:');
  for (const row of summary.byCategory.slice(0, 25)) console.log(`${share(row)}  ${row.name}`);
  console.log('\ntop functions by self time:');
  for (const row of summary.topFunctions.slice(0, 20)) console.log(`${share(row)}  ${row.name}  ${row.where}`);
  console.log('\nwrote bench/results/profile.json (BENCHMARKS.md picks it up on the next full run)');
  return 0;
}
