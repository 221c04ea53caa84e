// `--soak` (3 minutes): the facade under steady load; does its memory stay flat after the warm-up?
// RSS every second, and the live heap after a forced full GC (the facade runs with --expose-gc) after
// the warm-up and at the end. Writes bench/results/soak.json for BENCHMARKS.md.
import { ROOT, writeResult } from '../files.ts';
import { sample } from '../lib/proc.ts';
import { median } from '../measure.ts';
import type { BenchOptions } from '../options.ts';
import { machineInfo } from '../report/machine.ts';
import type { SoakResult } from '../report/types.ts';
import { setLatency, startWorld, stopWorld, targetFor, type Server } from '../world.ts';

const CONCURRENCY = 16;
const MB = 2 ** 20;

interface HeapStats {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
}

/** Asks the facade (bench/servers/facade.ts) to run a full GC and report its heap. */
function heapOf(facade: Server): Promise<HeapStats> {
  return new Promise((resolve) => {
    facade.child!.process.once('message', (m: HeapStats) => resolve(m));
    facade.child!.process.send({ type: 'heap' });
  });
}

export async function soak(options: BenchOptions): Promise<number> {
  const total = options.soakSeconds * 1000;
  const warmMs = Math.min(30_000, total / 6);
  const world = await startWorld({ only: ['facade'], pin: options.pin, execArgv: { facade: ['--expose-gc'] } });
  const facade = world.servers.find((s) => s.id === 'facade')!;
  try {
    await setLatency(world.upstream, 0, 0);
    const samples: { t: number; rssMB: number }[] = [];
    const t0 = Date.now();
    const since = () => (Date.now() - t0) / 1000;
    const rssMB = () => sample(facade.child!.pid).rssBytes / MB;
    const timer = setInterval(() => samples.push({ t: since(), rssMB: rssMB() }), 1000);
    const heaps: NonNullable<SoakResult['liveHeap']> = [];
    const keepHeap = (h: HeapStats) => {
      heaps.push({ t: since(), heapUsedMB: h.heapUsed / MB, externalMB: h.external / MB });
    };
    const heapTimer = setTimeout(() => void heapOf(facade).then(keepHeap), warmMs);
    const cpuBefore = sample(facade.child!.pid).cpuS;
    const target = targetFor(facade, 'page', world.upstream);
    const result = await world.loadgen.run({ target, mode: 'closed', concurrency: CONCURRENCY, durationMs: total });
    clearInterval(timer);
    clearTimeout(heapTimer);
    // The load has ended: one more full GC measures what stayed live.
    keepHeap(await heapOf(facade));
    const cpu = sample(facade.child!.pid).cpuS - cpuBefore;
    const warm = samples.filter((s) => s.t * 1000 >= warmMs - 10_000 && s.t * 1000 <= warmMs);
    const lastSamples = samples.filter((s) => s.t >= samples.at(-1)!.t - 10);
    const baseline = median(warm.map((s) => s.rssMB));
    const end = median(lastSamples.map((s) => s.rssMB));
    const peak = Math.max(...samples.filter((s) => s.t * 1000 > warmMs).map((s) => s.rssMB));
    const soakResult: SoakResult = {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      seconds: total / 1000,
      warmUpSeconds: warmMs / 1000,
      concurrency: CONCURRENCY,
      requests: result.completed,
      errors: result.errors,
      rps: result.rps,
      cpuPer1000: (cpu / Math.max(1, result.completed)) * 1000,
      baselineMB: baseline,
      endMB: end,
      peakAfterWarmUpMB: peak,
      growth: end / baseline - 1,
      peakGrowth: peak / baseline - 1,
      samples: samples.filter((_, i) => i % 5 === 0),
      liveHeap: heaps,
    };
    writeResult('soak.json', soakResult);
    const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
    console.log(
      `soak: ${soakResult.requests} requests in ${soakResult.seconds} s ` +
        `(${soakResult.rps.toFixed(0)} req/s, ${soakResult.errors} errors); ` +
        `RSS after ${soakResult.warmUpSeconds.toFixed(0)} s warm-up ${baseline.toFixed(1)} MB, ` +
        `at the end ${end.toFixed(1)} MB (${percent(soakResult.growth)}), ` +
        `peak ${peak.toFixed(1)} MB (${percent(soakResult.peakGrowth)}): ` +
        `target ≤ 10 % ${soakResult.growth <= 0.1 ? 'met' : 'NOT met'}`,
    );
    const live = heaps.map((h) => `${h.heapUsedMB.toFixed(1)} MB at ${h.t.toFixed(0)} s`).join(', ');
    console.log(`live heap after a full GC: ${live}`);
    console.log('wrote bench/results/soak.json (BENCHMARKS.md picks it up on the next full run)');
    return 0;
  } finally {
    await stopWorld(world);
  }
}
