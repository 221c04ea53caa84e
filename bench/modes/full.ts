// The full run (`npm run bench`, < 10 min): check the contestants agree, warm up, then every phase
// in interleaved rounds (A B C D A B C D …), then the live-updates fan-out (modes/fanout.ts); write
// bench/results/latest.json and fanout.json, print the tables and rewrite BENCHMARKS.md and the chart.
import { checkAnswers } from '../checks.ts';
import { LABELS } from '../contestants.ts';
import { readSideResults, ROOT, writeResult } from '../files.ts';
import { sample } from '../lib/proc.ts';
import { aggregate, measure, type Measured } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { phasesFor, QUIET_CORES, WARM_UP_MS } from '../phases.ts';
import { writeReport } from '../report/document.ts';
import { printFanout } from '../report/fanout.ts';
import { machineInfo } from '../report/machine.ts';
import { printTables } from '../report/tables.ts';
import type { RunResults } from '../report/types.ts';
import { setLatency, sleep, startWorld, stopWorld, warmUp } from '../world.ts';
import { FANOUT_DEFAULTS, runFanout } from './fanout.ts';

/** One measured round as a console line: throughput, latency, CPU, and whatever went wrong. */
function describe(m: Measured): string {
  const r = m.result;
  const trouble = [
    r.errors ? `  errors ${r.errors}` : '',
    r.dropped ? `  dropped ${r.dropped}` : '',
    r.unfinished ? `  unfinished ${r.unfinished}` : '',
    m.foreignCores >= QUIET_CORES ? `  (other work on the machine: ${m.foreignCores.toFixed(2)} cores)` : '',
  ].join('');
  const who = `${m.spec.key.padEnd(10)} round ${m.round} ${LABELS[m.contestant].padEnd(26)}`;
  const latency = `p50 ${r.latencyMs.p50.toFixed(2)} p99 ${r.latencyMs.p99.toFixed(2)} ms`;
  const cpu = `cpu ${m.cpuPer1000.server.toFixed(3)} s/1000`;
  return `  ${who} ${r.rps.toFixed(0).padStart(6)} req/s  ${latency}  ${cpu}${trouble}`;
}

export async function full(options: BenchOptions): Promise<number> {
  const started = Date.now();
  const phases = phasesFor(options);
  const world = await startWorld({ only: options.only, pin: options.pin });
  try {
    const checked = await checkAnswers(world);
    for (const line of checked.lines) console.log(line);
    if (!checked.ok) throw new Error('the contestants do not return the same data; not measuring');
    console.log('warming up…');
    await warmUp(world, WARM_UP_MS);
    const measured: Measured[] = [];
    for (const spec of phases.filter((p) => !options.phases || options.phases.includes(p.key))) {
      await setLatency(world.upstream, spec.latencyMs, spec.jitterMs);
      for (let round = 1; round <= options.rounds; round++) {
        for (const server of world.servers) {
          const m = await measure(spec, server, round, world);
          measured.push(m);
          console.log(describe(m));
          // Let an overloaded server drain what it still holds before the next contestant's turn.
          await sleep(m.result.unfinished || m.result.dropped ? 2000 : 400);
        }
      }
    }
    await setLatency(world.upstream, 0, 0);
    const hwm = Object.fromEntries(world.servers.filter((s) => s.child).map((s) => [s.id, sample(s.child!.pid).hwmBytes / 2 ** 20]));
    const results: RunResults = {
      at: new Date().toISOString(),
      machine: machineInfo(ROOT),
      rounds: options.rounds,
      phases: phases.map(({ key, title, mode, concurrency, rate, durationMs, latencyMs, jitterMs, workload }) => ({
        key,
        title,
        mode,
        concurrency,
        rate,
        durationMs,
        latencyMs,
        jitterMs,
        workload,
      })),
      aggregates: aggregate(measured, phases),
      calls: checked.calls,
      checks: checked.lines,
      hwmMB: hwm,
      durationS: (Date.now() - started) / 1000,
    };
    let fanoutOk = true;
    if (!options.phases || options.phases.includes('fanout')) {
      console.log('\nlive-updates fan-out: 1,000 SSE + 1,000 WebSocket subscribers, the facade and the limit');
      const { ok, ...fanout } = await runFanout(world.upstream, FANOUT_DEFAULTS);
      for (const line of fanout.checks) console.log(line);
      // A run whose checks failed does not replace the results (the report shows the last good one).
      if (ok) writeResult('fanout.json', fanout);
      fanoutOk = ok;
    }
    results.durationS = (Date.now() - started) / 1000;
    writeResult('latest.json', results);
    const { soak, profile, otel, fanout } = readSideResults();
    printTables(results, soak, profile);
    if (fanout) printFanout(fanout);
    writeReport(ROOT, results, soak, profile, otel, fanout);
    const took = results.durationS.toFixed(0);
    console.log(`\nwrote BENCHMARKS.md, bench/results/latest.json, fanout.json and chart.svg in ${took} s`);
    return fanoutOk ? 0 : 1;
  } finally {
    await stopWorld(world);
  }
}
