// The run's numbers as tables: the rows of BENCHMARKS.md's tables and of the summary printed at the
// end of a run, the targets with their verdicts, and the two ways of drawing a table (Markdown, text).
import { ORDER, SHORT } from '../contestants.ts';
import type { ProfileSummary } from '../profile.ts';
import type { ContestantId } from '../workload.ts';
import type { Aggregate, CallCount, RunResults, SoakResult } from './types.ts';

export const fmt = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
export const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? NaN : a / b);
const signed = (v: number) => (Number.isNaN(v) ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);

export function get(results: RunResults, phase: string, contestant: ContestantId): Aggregate | undefined {
  return results.aggregates.find((a) => a.phase === phase && a.contestant === contestant);
}

/** The moderate fixed rate of the run (`--rate`). */
export const rateOf = (results: RunResults) => results.phases.find((p) => p.key === 'rate0')?.rate ?? '?';

/** p50 / p99; "≥" when the contestant could not keep up and some latencies are lower bounds. */
const latency = (a: Aggregate | undefined) => {
  if (!a) return '—';
  const atLeast = a.unfinished ? '≥ ' : '';
  return `${atLeast}${fmt(a.p50, 1)} / ${atLeast}${fmt(a.p99, 1)}`;
};

const callsByOperation = (c: CallCount | undefined) =>
  c
    ? Object.entries(c.byOperation)
        .map(([op, n]) => `${fmt(n, 2)} ${op}`)
        .join(' + ')
    : '—';

export interface Target {
  name: string;
  measured: string;
  met: boolean | null;
}

/** The project's performance targets, each with what this run measured and whether it met it. */
export function targets(results: RunResults, soak: SoakResult | null): Target[] {
  const t = (c: ContestantId) => get(results, 'tput0', c)?.rps;
  const r20 = (c: ContestantId) => get(results, 'rate20x500', c);
  const facadeN1 = results.calls.find((c) => c.workload === 'authors' && c.contestant === 'facade');
  const facadePage = results.calls.find((c) => c.workload === 'page' && c.contestant === 'facade');
  const vsLimit = ratio(t('facade'), t('limit'));
  const vsMesh = ratio(t('facade'), t('mesh'));
  const p50Gap = (r20('facade')?.p50 ?? NaN) - (r20('direct')?.p50 ?? NaN);
  const p99Gap = (r20('facade')?.p99 ?? NaN) - (r20('direct')?.p99 ?? NaN);
  const check = (value: number, met: (v: number) => boolean) => (Number.isNaN(value) ? null : met(value));
  return [
    {
      name: '0 ms upstream: facade throughput ≥ 0.5 × zero-framework limit',
      measured: `${fmt(vsLimit, 2)} ×`,
      met: check(vsLimit, (v) => v >= 0.5),
    },
    {
      name: '0 ms upstream: facade throughput ≥ 2 × GraphQL Mesh',
      measured: `${fmt(vsMesh, 2)} ×`,
      met: check(vsMesh, (v) => v >= 2),
    },
    {
      name: '20 ms upstream @ 500 req/s: facade p50 ≤ direct REST p50 + 2 ms',
      measured: `+${fmt(p50Gap, 2)} ms`,
      met: check(p50Gap, (v) => v <= 2),
    },
    {
      name: '20 ms upstream @ 500 req/s: facade p99 ≤ direct REST p99 + 10 ms',
      measured: `+${fmt(p99Gap, 2)} ms`,
      met: check(p99Gap, (v) => v <= 10),
    },
    {
      name: 'page read: 2 upstream calls per query (conversation + list)',
      measured: `${fmt(facadePage?.perQuery, 2)} (${callsByOperation(facadePage)})`,
      met: facadePage ? facadePage.perQuery === 2 : null,
    },
    {
      name: 'N+1 read: exactly 3 upstream calls per query (conversation + list + participants)',
      measured: `${fmt(facadeN1?.perQuery, 2)} (${callsByOperation(facadeN1)})`,
      met: facadeN1 ? facadeN1.perQuery === 3 : null,
    },
    {
      name: 'memory flat: ≤ 10 % RSS growth after warm-up over a 3-minute soak',
      measured: soak
        ? `${fmt(soak.growth * 100, 1)} % (${fmt(soak.baselineMB)} → ${fmt(soak.endMB)} MB; ` + `peak +${fmt(soak.peakGrowth * 100, 1)} %)`
        : 'not run (npm run bench -- --soak)',
      met: soak ? soak.growth <= 0.1 : null,
    },
  ];
}

export function targetRows(results: RunResults, soak: SoakResult | null): string[][] {
  const status = (t: Target) => (t.met === null ? 'not measured' : t.met ? 'met' : '**not met**');
  return [['target', 'measured', 'status'], ...targets(results, soak).map((t) => [t.name, t.measured, status(t)])];
}

/** The page read: one row per contestant. */
export function mainRows(results: RunResults): string[][] {
  const rate = rateOf(results);
  const header = [
    'contestant',
    'req/s, 0 ms (32 users)',
    `p50 / p99 ms, 0 ms @ ${rate}/s`,
    `p50 / p99 ms, 20±5 ms @ ${rate}/s`,
    'p50 / p99 ms, 20±5 ms @ 500/s (achieved req/s)',
    'server CPU s / 1000 req (saturated)',
    `server CPU s / 1000 req (@ ${rate}/s)`,
    'server peak RSS MB',
    'upstream calls / query',
  ];
  const rows = [header];
  for (const c of ORDER) {
    const tput = get(results, 'tput0', c);
    const rate0 = get(results, 'rate0', c);
    const rate20 = get(results, 'rate20', c);
    const rate500 = get(results, 'rate20x500', c);
    if (!tput) continue;
    const rss = Math.max(...results.aggregates.filter((a) => a.contestant === c).map((a) => a.rssServerMB));
    const calls = results.calls.find((x) => x.contestant === c && x.workload === 'page');
    const server = c !== 'direct';
    rows.push([
      tput.label,
      fmt(tput.rps, 0),
      latency(rate0),
      latency(rate20),
      rate500 ? `${latency(rate500)} (${fmt(rate500.rps, 0)})` : '—',
      server ? fmt(tput.cpuServer, 3) : '— (no server)',
      server && rate0 ? fmt(rate0.cpuServer, 3) : '—',
      server ? fmt(rss, 0) : '—',
      fmt(calls?.perQuery, 2),
    ]);
  }
  return rows;
}

/** The facade against each other contestant. */
export function ratioRows(results: RunResults): string[][] {
  const t = (c: ContestantId) => get(results, 'tput0', c);
  const r = rateOf(results);
  const rows = [
    [
      'facade minus / over',
      'throughput (0 ms)',
      'server CPU per request (0 ms, saturated)',
      `p50 / p99, 0 ms @ ${r}/s`,
      `p50 / p99, 20 ms @ ${r}/s`,
      'p50 / p99, 20 ms @ 500/s',
    ],
  ];
  const both = (phase: string, other: ContestantId) => {
    const f = get(results, phase, 'facade');
    const o = get(results, phase, other);
    return `${signed((f?.p50 ?? NaN) - (o?.p50 ?? NaN))} / ${signed((f?.p99 ?? NaN) - (o?.p99 ?? NaN))} ms`;
  };
  for (const other of ['limit', 'mesh', 'direct'] as ContestantId[]) {
    rows.push([
      `facade vs ${SHORT[other]}`,
      `${fmt(ratio(t('facade')?.rps, t(other)?.rps), 2)} ×`,
      other === 'direct' ? '—' : `${fmt(ratio(t('facade')?.cpuServer, t(other)?.cpuServer), 2)} ×`,
      both('rate0', other),
      both('rate20', other),
      both('rate20x500', other),
    ]);
  }
  return rows;
}

/** The N+1-prone read: throughput and upstream calls. */
export function n1Rows(results: RunResults): string[][] {
  const rows = [['contestant', 'req/s, 0 ms (32 users)', 'server CPU s / 1000 req', 'upstream calls / query', 'calls by operation']];
  for (const c of ORDER) {
    const a = get(results, 'n1', c);
    const calls = results.calls.find((x) => x.contestant === c && x.workload === 'authors');
    if (!a && !calls) continue;
    rows.push([
      a?.label ?? c,
      fmt(a?.rps, 0),
      c === 'direct' ? '—' : fmt(a?.cpuServer, 3),
      fmt(calls?.perQuery, 2),
      calls
        ? Object.entries(calls.byOperation)
            .map(([op, n]) => `${op} ${fmt(n, 2)}`)
            .join(', ')
        : '—',
    ]);
  }
  return rows;
}

/** Every phase and contestant: rounds, the other processes' cost, errors, the machine's other work. */
export function otherCostRows(results: RunResults): string[][] {
  const header = [
    'phase',
    'contestant',
    'req/s per round',
    'p50 / p90 / p99 ms',
    'errors',
    'unfinished',
    'dropped',
    'upstream CPU s/1000',
    'load generator CPU s/1000',
    'upstream peak RSS MB',
    'other work, cores, per round',
  ];
  const rows = [header];
  for (const a of results.aggregates) {
    rows.push([
      a.phase,
      a.label,
      a.rpsRounds.map((v) => v.toFixed(0)).join(', '),
      `${fmt(a.p50, 1)} / ${fmt(a.p90, 1)} / ${fmt(a.p99, 1)}`,
      String(a.errors),
      String(a.unfinished),
      String(a.dropped),
      fmt(a.cpuUpstream, 3),
      fmt(a.cpuLoadgen, 3),
      fmt(a.rssUpstreamMB, 0),
      a.foreignCores.map((v) => v.toFixed(2)).join(', '),
    ]);
  }
  return rows;
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const align = `|${head!.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [`| ${head!.join(' | ')} |`, align, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)));
  return rows.map((r) => line(r).join('  ')).join('\n');
}

/** The summary printed at the end of a full run and by --report. */
export function printTables(results: RunResults, soak: SoakResult | null, profile: ProfileSummary | null): void {
  console.log(
    '\n== The page read: one page of 50 communications with author, content and pageInfo ' +
      `(medians of ${results.rounds} interleaved rounds) ==`,
  );
  console.log(textTable(mainRows(results)));
  console.log('\n== Ratios ==');
  console.log(textTable(ratioRows(results)));
  console.log('\n== N+1-prone read: 50 communications with their author participants and the conversation ==');
  console.log(textTable(n1Rows(results)));
  console.log('\n== Targets ==');
  for (const t of targets(results, soak)) {
    console.log(`${t.met === null ? ' n/a ' : t.met ? ' MET ' : ' MISS'}  ${t.name}: ${t.measured}`);
  }
  if (profile) console.log(`\n(latest facade profile: ${profile.at}; see BENCHMARKS.md)`);
}
