// `--fanout` (about 2 minutes; also the last part of the full run): the live-updates fan-out workload
// of issue 11 — 1,000 SSE and 1,000 WebSocket subscribers on one conversation, signed webhooks at
// 50/s — against the facade and against the zero-framework broadcaster (bench/fanout/harness.ts).
// Checks both servers deliver the same data over both transports, writes bench/results/fanout.json
// and prints the tables; BENCHMARKS.md picks it up (`--report`, or the next full run).
import { comparable, LABELS, runTrial, startFanoutClients, type FanoutServerId, type FanoutSettings } from '../fanout/harness.ts';
import { ROOT, writeResult } from '../files.ts';
import type { BenchOptions } from '../options.ts';
import { printFanout } from '../report/fanout.ts';
import { machineInfo } from '../report/machine.ts';
import type { FanoutResult, FanoutServerResult } from '../report/types.ts';
import { startUpstream, type Upstream } from '../world.ts';

export const FANOUT_DEFAULTS: FanoutSettings = { sse: 1000, ws: 1000, rate: 50, seconds: 20, warmSeconds: 3, waitForQuiet: true };

/** The smoke's fan-out: a few subscribers, a few webhooks; what it checks is the data and that nothing is lost. */
export const FANOUT_SMOKE: FanoutSettings = { sse: 20, ws: 20, rate: 20, seconds: 0.5, warmSeconds: 0, waitForQuiet: false };

/** Every server's payload for the same event, over each transport, must be the same data. */
function dataCheck(samples: Map<FanoutServerId, Record<string, unknown>>): { ok: boolean; line: string } {
  const seen = [...samples].flatMap(([id, byTransport]) =>
    Object.entries(byTransport).map(([transport, payload]) => ({ who: `${LABELS[id]} over ${transport}`, text: comparable(payload) })),
  );
  const first = seen[0];
  const differing = seen.filter((s) => s.text !== first?.text);
  const ok = seen.length > 0 && first?.text !== 'null' && differing.length === 0;
  const line = ok
    ? `ok   fan-out: ${seen.map((s) => s.who).join(', ')} deliver the same data: ${first!.text.slice(0, 160)}…`
    : `FAIL fan-out: payloads differ: ${seen.map((s) => `${s.who}: ${s.text.slice(0, 400)}`).join(' | ')}`;
  return { ok, line };
}

/** Completeness: every subscriber received every measured event once, in order, without errors. */
function deliveryCheck(s: FanoutServerResult): { ok: boolean; line: string } {
  const trouble = s.transports.filter((t) => t.missed || t.duplicated || t.outOfOrder || t.errors);
  const ok = trouble.length === 0 && s.delivered === s.expected && s.webhooks.failed === 0;
  const detail = s.transports
    .map((t) => `${t.transport} ${t.delivered} delivered, ${t.missed} missed, ${t.duplicated} repeated, ${t.outOfOrder} out of order, ${t.errors} errors`)
    .join('; ');
  const error = s.transports.find((t) => t.firstError)?.firstError ?? s.webhooks.firstError;
  return { ok, line: `${ok ? 'ok  ' : 'FAIL'} fan-out ${s.label}: ${detail}${error ? ` (first error: ${error.slice(0, 300)})` : ''}` };
}

/** Both servers under the workload, one after the other, against `upstream`. */
export async function runFanout(upstream: Upstream, settings: FanoutSettings): Promise<FanoutResult & { ok: boolean }> {
  const started = Date.now();
  const clients = await startFanoutClients(upstream);
  try {
    const servers: FanoutServerResult[] = [];
    const samples = new Map<FanoutServerId, Record<string, unknown>>();
    const checks: string[] = [];
    let ok = true;
    for (const id of ['facade', 'limit'] as const) {
      const { result, samples: delivered } = await runTrial(id, upstream, clients, settings);
      servers.push(result);
      samples.set(id, delivered);
      const check = deliveryCheck(result);
      checks.push(check.line);
      ok &&= check.ok;
    }
    const data = dataCheck(samples);
    checks.push(data.line);
    ok &&= data.ok;
    const [facade, limit] = servers;
    return {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      rate: settings.rate,
      seconds: settings.seconds,
      servers,
      ratio: facade!.deliveredPerCpuS / limit!.deliveredPerCpuS,
      checks,
      durationS: (Date.now() - started) / 1000,
      ok,
    };
  } finally {
    await clients.stop();
  }
}

export async function fanout(options: BenchOptions): Promise<number> {
  const upstream = await startUpstream();
  try {
    const settings: FanoutSettings = {
      ...FANOUT_DEFAULTS,
      ...(options.seconds !== undefined && { seconds: options.seconds }),
      rate: options.rate,
      sse: options.subscribers,
      ws: options.subscribers,
    };
    console.log(`fan-out: ${settings.sse} SSE + ${settings.ws} WebSocket subscribers, ${settings.rate} webhooks/s for ${settings.seconds} s`);
    const { ok, ...result } = await runFanout(upstream, settings);
    for (const line of result.checks) console.log(line);
    printFanout(result);
    writeResult('fanout.json', result);
    console.log(`\nwrote bench/results/fanout.json in ${result.durationS.toFixed(0)} s (npm run bench -- --report puts it in BENCHMARKS.md)`);
    return ok ? 0 : 1;
  } finally {
    await upstream.child.stop();
  }
}
