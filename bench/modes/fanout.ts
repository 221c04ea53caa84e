// `--fanout` (about 2 minutes; also the last part of the full run): the live-updates fan-out workload
// of issue 11 — 1,000 SSE and 1,000 WebSocket subscribers on one conversation, signed webhooks at
// 50/s — against the facade and against the zero-framework broadcaster (bench/fanout/trial.ts).
// Checks both servers deliver the same data over both transports and lose nothing they had time
// for, writes bench/results/fanout.json and prints the tables; BENCHMARKS.md picks it up
// (`--report`, or the next full run). `--cpu-prof` also profiles the facade under the target load.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS, startFanoutClients, type FanoutServerId } from '../fanout/processes.ts';
import { comparable, runTrial, type FanoutSettings } from '../fanout/trial.ts';
import { OUT, ROOT, writeResult } from '../files.ts';
import type { BenchOptions } from '../options.ts';
import { summariseProfile } from '../profile.ts';
import { printFanout } from '../report/fanout.ts';
import { machineInfo } from '../report/machine.ts';
import type { FanoutPhase, FanoutResult, FanoutServerResult } from '../report/types.ts';
import { startUpstream, type Upstream } from '../world.ts';

export const FANOUT_DEFAULTS: FanoutSettings = {
  sse: 1000,
  ws: 1000,
  rate: 50,
  seconds: 10,
  spaced: { rate: 2, events: 10 },
  warmEvents: 10,
  graceMs: 5000,
  waitForQuiet: true,
};

/** The smoke's fan-out: a few subscribers, a few webhooks; it checks the data, and that nothing is lost or repeated. */
export const FANOUT_SMOKE: FanoutSettings = {
  sse: 20,
  ws: 20,
  rate: 20,
  seconds: 0.5,
  spaced: { rate: 10, events: 3 },
  warmEvents: 0,
  graceMs: 5000,
  waitForQuiet: false,
};

/** Every server's payload for the same event, over each transport, must be the same data. */
function dataCheck(samples: Map<FanoutServerId, Record<string, unknown>>, conversationId: string): { ok: boolean; line: string } {
  const seen = [...samples].flatMap(([id, byTransport]) =>
    Object.entries(byTransport).map(([transport, payload]) => ({
      who: `${LABELS[id]} over ${transport}`,
      text: comparable(payload, conversationId),
    })),
  );
  const first = seen[0];
  const ok = seen.length === 4 && first?.text !== 'null' && seen.every((s) => s.text === first?.text);
  const line = ok
    ? `ok   fan-out: ${seen.map((s) => s.who).join(', ')} deliver the same data: ${first!.text.slice(0, 120)}…`
    : `FAIL fan-out: the payloads differ: ${seen.map((s) => `${s.who}: ${s.text.slice(0, 400)}`).join(' | ')}`;
  return { ok, line };
}

/**
 * Nothing repeated, no error, and in the spaced phase (and in `strict` mode, the smoke's small
 * load, every phase) nothing missed. At the target rate a server that cannot keep up misses the
 * window: that is a result (the tables show it), not a failure of the run.
 */
function deliveryCheck(s: FanoutServerResult, strict: boolean): { ok: boolean; line: string } {
  const mustHaveAll = (p: FanoutPhase) => strict || p.key === 'spaced';
  const problems = (p: FanoutPhase) =>
    p.transports.some((t) => t.duplicated || t.errors || (mustHaveAll(p) && t.missed)) || p.webhooks.failed > 0;
  const ok = !s.phases.some(problems);
  const detail = s.phases
    .map(
      (p) =>
        `${p.key}: ` +
        p.transports
          .map((t) => `${t.transport} ${t.delivered} delivered, ${t.missed} missed, ${t.duplicated} repeated, ` + `${t.errors} errors`)
          .join('; '),
    )
    .join(' | ');
  const firstError = s.phases.flatMap((p) => [...p.transports.map((t) => t.firstError), p.webhooks.firstError]).find(Boolean);
  const error = firstError ? ` (first error: ${firstError.slice(0, 300)})` : '';
  return { ok, line: `${ok ? 'ok  ' : 'FAIL'} fan-out ${s.label}: ${detail}${error}` };
}

export interface FanoutRun extends FanoutResult {
  ok: boolean;
}

/** Both servers under the workload, one after the other, against `upstream`. */
export async function runFanout(upstream: Upstream, settings: FanoutSettings, strict = false, profileDir?: string): Promise<FanoutRun> {
  const started = Date.now();
  const clients = await startFanoutClients(upstream);
  try {
    const servers: FanoutServerResult[] = [];
    const samples = new Map<FanoutServerId, Record<string, unknown>>();
    const checks: string[] = [];
    let ok = true;
    for (const id of ['facade', 'limit'] as const) {
      const facadeExecArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
      const outcome = await runTrial(id, upstream, clients, { ...settings, facadeExecArgv });
      servers.push(outcome.result);
      samples.set(id, outcome.samples);
      const check = deliveryCheck(outcome.result, strict);
      checks.push(check.line);
      ok &&= check.ok;
      if (profileDir && id === 'facade') printProfile(profileDir, outcome.targetWindow, outcome.result);
    }
    const data = dataCheck(samples, upstream.conversationId);
    checks.push(data.line);
    ok &&= data.ok;
    const target = (s: FanoutServerResult | undefined) => s?.phases.find((p) => p.key === 'target')?.deliveredPerCpuS ?? NaN;
    return {
      at: new Date().toISOString(),
      commit: machineInfo(ROOT).commit,
      rate: settings.rate,
      seconds: settings.seconds,
      graceS: settings.graceMs / 1000,
      servers,
      ratio: target(servers.find((s) => s.server === 'facade')) / target(servers.find((s) => s.server === 'limit')),
      checks,
      durationS: (Date.now() - started) / 1000,
      ok,
    };
  } finally {
    await clients.stop();
  }
}

/** Where the facade's time went during the target load (--cpu-prof). */
function printProfile(dir: string, window: { fromUs: number; toUs: number }, result: FanoutServerResult): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return console.log('no .cpuprofile written');
  const target = result.phases.find((p) => p.key === 'target')!;
  const measured = { requests: target.delivered, rps: target.delivered / target.windowS };
  const summary = summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), ROOT, measured, window);
  const share = (row: { share: number }) => `  ${row.share.toFixed(1).padStart(5)} %`;
  console.log(`\nthe facade's profile over the target load (${join(dir, file)}); self time by area:`);
  for (const row of summary.byCategory.slice(0, 20)) console.log(`${share(row)}  ${row.name}`);
  console.log('\ntop functions by self time:');
  for (const row of summary.topFunctions.slice(0, 25)) console.log(`${share(row)}  ${row.name}  ${row.where}`);
  console.log('\ninclusive:');
  for (const row of summary.inclusive.slice(0, 25)) console.log(`${share(row)}  ${row.name}  ${row.where}`);
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
    let profileDir: string | undefined;
    if (options.cpuProf) {
      profileDir = join(OUT, 'profile-fanout');
      rmSync(profileDir, { recursive: true, force: true });
      mkdirSync(profileDir, { recursive: true });
    }
    console.log(
      `fan-out: ${settings.sse} SSE + ${settings.ws} WebSocket subscribers; ${settings.spaced.events} webhooks at ` +
        `${settings.spaced.rate}/s, then ${settings.rate} webhooks/s for ${settings.seconds} s`,
    );
    const { ok, ...result } = await runFanout(upstream, settings, false, profileDir);
    for (const line of result.checks) console.log(line);
    printFanout(result);
    const took = result.durationS.toFixed(0);
    // A run whose checks failed measured something else than the workload: it does not replace the results.
    if (!ok) {
      console.log(`\nfan-out checks FAILED (${took} s): bench/results/fanout.json left as it was`);
      return 1;
    }
    writeResult('fanout.json', result);
    console.log(`\nwrote bench/results/fanout.json in ${took} s (npm run bench -- --report puts it in BENCHMARKS.md)`);
    return 0;
  } finally {
    await upstream.child.stop();
  }
}
