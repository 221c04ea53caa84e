// `--otel`: the facade with tracing off (the default: no tracer at all) against tracing on with
// spans dropped at export, interleaved rounds on the 0 ms phases: what making the spans costs.
// Writes bench/results/otel.json for BENCHMARKS.md.
import { ROOT, writeResult } from '../files.ts';
import { measure, median } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { phasesFor } from '../phases.ts';
import { machineInfo } from '../report/machine.ts';
import type { OtelResult } from '../report/types.ts';
import { setLatency, sleep, startGraphqlServer, startWorld, stopWorld, warmUp, type Server } from '../world.ts';

interface Rounds {
  rps: number[];
  p50: number[];
  p99: number[];
  cpu: number[];
}

/** Asks the tracing facade how many spans it exported; NaN when it does not answer in 5 s. */
function spansExported(server: Server): Promise<number> {
  return new Promise<number>((resolve) => {
    server.child!.process.once('message', (m: { count: number }) => resolve(m.count));
    server.child!.process.send({ type: 'spans' });
    setTimeout(() => resolve(NaN), 5000);
  });
}

export async function otel(options: BenchOptions): Promise<number> {
  const world = await startWorld({ only: ['facade'], pin: options.pin });
  const on = await startGraphqlServer('facade', world.upstream, [], { BENCH_TRACING: '1' });
  world.servers.push(on);
  const off = world.servers[0]!;
  const tracing = (server: Server) => (server === on ? 'on' : 'off');
  const specs = phasesFor(options).filter((p) => p.key === 'tput0' || p.key === 'rate0');
  try {
    await warmUp(world, 3000);
    const rows: ({ phase: string; tracing: string } & Rounds)[] = [];
    for (const spec of specs) {
      await setLatency(world.upstream, spec.latencyMs, spec.jitterMs);
      const acc = new Map<Server, Rounds>();
      for (let round = 1; round <= options.rounds; round++) {
        for (const server of [off, on]) {
          const m = await measure(spec, server, round, world);
          const a = acc.get(server) ?? { rps: [], p50: [], p99: [], cpu: [] };
          a.rps.push(m.result.rps);
          a.p50.push(m.result.latencyMs.p50);
          a.p99.push(m.result.latencyMs.p99);
          a.cpu.push(m.cpuPer1000.server);
          acc.set(server, a);
          const latency = `p50 ${m.result.latencyMs.p50.toFixed(2)} p99 ${m.result.latencyMs.p99.toFixed(2)} ms`;
          console.log(
            `  ${spec.key.padEnd(6)} round ${round} tracing ${tracing(server).padEnd(3)} ` +
              `${m.result.rps.toFixed(0).padStart(5)} req/s  ${latency}  cpu ${m.cpuPer1000.server.toFixed(3)} s/1000`,
          );
          await sleep(400);
        }
      }
      for (const server of [off, on]) rows.push({ phase: spec.key, tracing: tracing(server), ...acc.get(server)! });
    }
    const spans = await spansExported(on);
    const requests = rows.filter((r) => r.tracing === 'on').length;
    const explained = requests ? 'a request span plus one per upstream call' : '';
    console.log(`spans exported by the tracing-on facade: ${spans} (${explained})`);
    const result: OtelResult = {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      rounds: options.rounds,
      spansExported: spans,
      rows: rows.map((r) => ({
        phase: r.phase,
        tracing: r.tracing,
        rps: median(r.rps),
        p50: median(r.p50),
        p99: median(r.p99),
        cpuPer1000: median(r.cpu),
      })),
    };
    writeResult('otel.json', result);
    for (const r of result.rows) {
      console.log(
        `${r.phase.padEnd(6)} tracing ${r.tracing.padEnd(3)} ${r.rps.toFixed(0).padStart(5)} req/s  ` +
          `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} ms  cpu ${r.cpuPer1000.toFixed(3)} s/1000`,
      );
    }
    console.log('wrote bench/results/otel.json (BENCHMARKS.md picks it up on the next full run)');
    return 0;
  } finally {
    await stopWorld(world);
  }
}
