// `--smoke` (< 60 s, run by test/bench-smoke.test.ts): every contestant starts, answers the same
// data (checks.ts), survives a brief load, and the facade's N+1 read costs exactly 3 upstream calls;
// and the live-updates fan-out in miniature (20 SSE + 20 WebSocket subscribers, a few webhooks):
// the facade and the zero-framework broadcaster deliver every event once, with the same data.
// Exit 1 on any failure, so the benchmark cannot rot unnoticed between full runs.
import { checkAnswers } from '../checks.ts';
import { LABELS } from '../contestants.ts';
import type { BenchOptions } from '../options.ts';
import { FANOUT_SMOKE, runFanout } from './fanout.ts';
import { startWorld, stopWorld, targetFor } from '../world.ts';

export async function smoke(options: BenchOptions): Promise<number> {
  const started = Date.now();
  const world = await startWorld({ pin: options.pin });
  try {
    const checked = await checkAnswers(world);
    for (const line of checked.lines) console.log(line);
    console.log('\nupstream calls per query:');
    for (const call of checked.calls) {
      const who = `${call.workload.padEnd(8)} ${LABELS[call.contestant].padEnd(26)}`;
      console.log(`  ${who} ${call.perQuery.toFixed(2)}  ${JSON.stringify(call.byOperation)}`);
    }
    console.log('\nbrief load (1.5 s each, 8 users, 0 ms upstream):');
    let loadOk = true;
    for (const server of world.servers) {
      const target = targetFor(server, 'page', world.upstream);
      const result = await world.loadgen.run({ target, mode: 'closed', concurrency: 8, durationMs: 1500 });
      if (result.errors || result.completed === 0) loadOk = false;
      const firstError = result.firstError ? ` (${result.firstError.slice(0, 120)})` : '';
      // With no request answered there is no latency (NaN, which arrives over IPC as null).
      const p50 = result.latencyMs.p50 === null ? '—' : result.latencyMs.p50.toFixed(1);
      console.log(
        `  ${LABELS[server.id].padEnd(26)} ${result.rps.toFixed(0).padStart(6)} req/s  ` +
          `p50 ${p50} ms  errors ${result.errors}${firstError}`,
      );
    }
    const n1 = checked.calls.find((c) => c.contestant === 'facade' && c.workload === 'authors');
    const n1Ok = n1?.perQuery === 3;
    console.log(`${n1Ok ? 'ok  ' : 'FAIL'} facade N+1 read: ${n1?.perQuery} upstream calls per query (want 3)`);
    const { sse, ws } = FANOUT_SMOKE;
    console.log(`\nlive-updates fan-out in miniature (${sse} SSE + ${ws} WebSocket subscribers):`);
    const fanout = await runFanout(world.upstream, FANOUT_SMOKE, true);
    for (const line of fanout.checks) console.log(line);
    const ok = checked.ok && loadOk && n1Ok && fanout.ok;
    console.log(`\nsmoke ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ok ? 0 : 1;
  } finally {
    await stopWorld(world);
  }
}
