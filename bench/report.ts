// The bench's output: the table printed at the end of a run, BENCHMARKS.md (method, machine, the
// latest numbers, targets) and bench/results/chart.svg (the four contestants side by side, drawn
// here as plain SVG).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ProfileSummary } from './profile.ts';
import type { ContestantId, Workload } from './workload.ts';

export interface Aggregate {
  phase: string;
  title: string;
  contestant: ContestantId;
  label: string;
  rounds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  dropped: number;
  unfinished: number;
  firstError?: string | undefined;
  /** CPU seconds per 1000 requests, median over rounds. */
  cpuServer: number;
  cpuUpstream: number;
  cpuLoadgen: number;
  rssServerMB: number;
  rssUpstreamMB: number;
  rpsRounds: number[];
  /** Per round: CPU used by other processes on the machine during the phase, in cores. */
  foreignCores: number[];
}

export interface CallCount {
  workload: Workload;
  contestant: ContestantId;
  perQuery: number;
  byOperation: Record<string, number>;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  commit: string;
  versions: Record<string, string>;
}

export interface RunResults {
  at: string;
  machine: Machine;
  rounds: number;
  phases: { key: string; title: string; mode: string; concurrency?: number | undefined; rate?: number | undefined; durationMs: number; latencyMs: number; jitterMs: number; workload: Workload }[];
  aggregates: Aggregate[];
  calls: CallCount[];
  checks: string[];
  hwmMB: Record<string, number>;
  durationS: number;
}

export interface SoakResult {
  at: string;
  commit?: string;
  seconds: number;
  warmUpSeconds: number;
  concurrency: number;
  requests: number;
  errors: number;
  rps: number;
  cpuPer1000: number;
  baselineMB: number;
  endMB: number;
  peakAfterWarmUpMB: number;
  growth: number;
  peakGrowth: number;
  samples: { t: number; rssMB: number }[];
  /** heapUsed after a forced full GC: after the warm-up (under load) and at the end (load stopped). */
  liveHeap?: { t: number; heapUsedMB: number; externalMB: number }[];
}

const ORDER: ContestantId[] = ['direct', 'limit', 'facade', 'mesh'];
const SHORT: Record<ContestantId, string> = { direct: 'direct REST', limit: 'zero-framework limit', facade: 'this facade', mesh: 'GraphQL Mesh' };
const COLORS: Record<ContestantId, string> = { direct: '#7f8c8d', limit: '#2e86de', facade: '#e67e22', mesh: '#8e44ad' };

export function machineInfo(root: string): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const version = (pkg: string) => {
    try {
      return (JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes in src/';
  } catch {
    // not a git checkout
  }
  return {
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    commit,
    versions: Object.fromEntries(
      ['graphql', 'graphql-yoga', '@pothos/core', 'dataloader', 'undici', 'zod', '@graphql-hive/gateway', '@graphql-mesh/compose-cli', '@omnigraph/openapi'].map((p) => [p, version(p)]),
    ),
  };
}

// ---- numbers ----

const fmt = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? NaN : a / b);

function get(results: RunResults, phase: string, contestant: ContestantId): Aggregate | undefined {
  return results.aggregates.find((a) => a.phase === phase && a.contestant === contestant);
}

export interface Target {
  name: string;
  measured: string;
  met: boolean | null;
}

export function targets(results: RunResults, soak: SoakResult | null): Target[] {
  const t = (c: ContestantId) => get(results, 'tput0', c)?.rps;
  const r20 = (c: ContestantId) => get(results, 'rate20x500', c);
  const facadeN1 = results.calls.find((c) => c.workload === 'authors' && c.contestant === 'facade');
  const facadePage = results.calls.find((c) => c.workload === 'page' && c.contestant === 'facade');
  const vsLimit = ratio(t('facade'), t('limit'));
  const vsMesh = ratio(t('facade'), t('mesh'));
  const p50Gap = (r20('facade')?.p50 ?? NaN) - (r20('direct')?.p50 ?? NaN);
  const p99Gap = (r20('facade')?.p99 ?? NaN) - (r20('direct')?.p99 ?? NaN);
  const ops = (c: CallCount | undefined) => (c ? Object.entries(c.byOperation).map(([op, n]) => `${fmt(n, 2)} ${op}`).join(' + ') : '—');
  return [
    { name: '0 ms upstream: facade throughput ≥ 0.5 × zero-framework limit', measured: `${fmt(vsLimit, 2)} ×`, met: Number.isNaN(vsLimit) ? null : vsLimit >= 0.5 },
    { name: '0 ms upstream: facade throughput ≥ 2 × GraphQL Mesh', measured: `${fmt(vsMesh, 2)} ×`, met: Number.isNaN(vsMesh) ? null : vsMesh >= 2 },
    { name: '20 ms upstream @ 500 req/s: facade p50 ≤ direct REST p50 + 2 ms', measured: `+${fmt(p50Gap, 2)} ms`, met: Number.isNaN(p50Gap) ? null : p50Gap <= 2 },
    { name: '20 ms upstream @ 500 req/s: facade p99 ≤ direct REST p99 + 10 ms', measured: `+${fmt(p99Gap, 2)} ms`, met: Number.isNaN(p99Gap) ? null : p99Gap <= 10 },
    { name: 'page read: 2 upstream calls per query (conversation + list)', measured: `${fmt(facadePage?.perQuery, 2)} (${ops(facadePage)})`, met: facadePage ? facadePage.perQuery === 2 : null },
    { name: 'N+1 read: exactly 3 upstream calls per query (conversation + list + participants)', measured: `${fmt(facadeN1?.perQuery, 2)} (${ops(facadeN1)})`, met: facadeN1 ? facadeN1.perQuery === 3 : null },
    {
      name: 'memory flat: ≤ 10 % RSS growth after warm-up over a 3-minute soak',
      measured: soak ? `${fmt(soak.growth * 100, 1)} % (${fmt(soak.baselineMB)} → ${fmt(soak.endMB)} MB; peak +${fmt(soak.peakGrowth * 100, 1)} %)` : 'not run (npm run bench -- --soak)',
      met: soak ? soak.growth <= 0.1 : null,
    },
  ];
}

const rateOf = (results: RunResults) => results.phases.find((p) => p.key === 'rate0')?.rate ?? '?';
const latency = (a: Aggregate | undefined) => (a ? `${a.unfinished ? '≥ ' : ''}${fmt(a.p50, 1)} / ${a.unfinished ? '≥ ' : ''}${fmt(a.p99, 1)}` : '—');

function mainRows(results: RunResults): string[][] {
  const header = [
    'contestant',
    'req/s, 0 ms (32 users)',
    `p50 / p99 ms, 0 ms @ ${rateOf(results)}/s`,
    `p50 / p99 ms, 20±5 ms @ ${rateOf(results)}/s`,
    'p50 / p99 ms, 20±5 ms @ 500/s (achieved req/s)',
    'server CPU s / 1000 req (saturated)',
    `server CPU s / 1000 req (@ ${rateOf(results)}/s)`,
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

function ratioRows(results: RunResults): string[][] {
  const t = (c: ContestantId) => get(results, 'tput0', c);
  const r = rateOf(results);
  const rows = [['facade minus / over', 'throughput (0 ms)', 'server CPU per request (0 ms, saturated)', `p50 / p99, 0 ms @ ${r}/s`, `p50 / p99, 20 ms @ ${r}/s`, 'p50 / p99, 20 ms @ 500/s']];
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

const signed = (v: number) => (Number.isNaN(v) ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);

function n1Rows(results: RunResults): string[][] {
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
      calls ? Object.entries(calls.byOperation).map(([op, n]) => `${op} ${fmt(n, 2)}`).join(', ') : '—',
    ]);
  }
  return rows;
}

function otherCostRows(results: RunResults): string[][] {
  const rows = [['phase', 'contestant', 'req/s per round', 'p50 / p90 / p99 ms', 'errors', 'unfinished', 'dropped', 'upstream CPU s/1000', 'load generator CPU s/1000', 'upstream peak RSS MB', 'other work, cores, per round']];
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

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `|${head!.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')).join('\n');
}

export function printTables(results: RunResults, soak: SoakResult | null, profile: ProfileSummary | null): void {
  console.log(`\n== The page read: one page of 50 communications with author, content and pageInfo (medians of ${results.rounds} interleaved rounds) ==`);
  console.log(textTable(mainRows(results)));
  console.log('\n== Ratios ==');
  console.log(textTable(ratioRows(results)));
  console.log('\n== N+1-prone read: 50 communications with their author participants and the conversation ==');
  console.log(textTable(n1Rows(results)));
  console.log('\n== Targets ==');
  for (const t of targets(results, soak)) console.log(`${t.met === null ? ' n/a ' : t.met ? ' MET ' : ' MISS'}  ${t.name}: ${t.measured}`);
  if (profile) console.log(`\n(latest facade profile: ${profile.at}; see BENCHMARKS.md)`);
}

// ---- the chart ----

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Panel {
  title: string;
  unit: string;
  note: string;
  /** Scale to the GraphQL contestants; a longer bar (direct REST) is cut and marked. */
  scaleWithoutDirect?: boolean;
  bars: { contestant: ContestantId; values: { value: number; label: string; light?: boolean }[] }[];
}

export function chartSvg(results: RunResults): string {
  const t = (c: ContestantId) => get(results, 'tput0', c);
  const r20 = (c: ContestantId) => get(results, 'rate20', c);
  const r0 = (c: ContestantId) => get(results, 'rate0', c);
  const n1 = (c: ContestantId) => get(results, 'n1', c);
  const panels: Panel[] = [
    {
      title: 'Throughput, 0 ms upstream',
      unit: 'req/s',
      note: 'higher is better; direct REST cut short',
      scaleWithoutDirect: true,
      bars: ORDER.map((c) => ({ contestant: c, values: [{ value: t(c)?.rps ?? 0, label: fmt(t(c)?.rps, 0) }] })),
    },
    {
      title: 'Server CPU per request, 0 ms',
      unit: 'ms CPU / request',
      note: 'lower is better; direct REST has no server',
      bars: ORDER.map((c) => ({ contestant: c, values: [{ value: c === 'direct' ? 0 : (t(c)?.cpuServer ?? 0), label: c === 'direct' ? '—' : fmt(t(c)?.cpuServer, 3) }] })),
    },
    {
      title: `Latency, 0 ms upstream, ${rateOf(results)} req/s`,
      unit: 'ms (p50, p99 lighter)',
      note: 'lower is better',
      bars: ORDER.map((c) => ({
        contestant: c,
        values: [
          { value: r0(c)?.p50 ?? 0, label: `p50 ${fmt(r0(c)?.p50, 1)}` },
          { value: r0(c)?.p99 ?? 0, label: `p99 ${fmt(r0(c)?.p99, 1)}`, light: true },
        ],
      })),
    },
    {
      title: `Latency, 20 ± 5 ms per upstream call, ${rateOf(results)} req/s`,
      unit: 'ms (p50, p99 lighter)',
      note: 'lower is better',
      bars: ORDER.map((c) => ({
        contestant: c,
        values: [
          { value: r20(c)?.p50 ?? 0, label: `p50 ${fmt(r20(c)?.p50, 1)}` },
          { value: r20(c)?.p99 ?? 0, label: `p99 ${fmt(r20(c)?.p99, 1)}`, light: true },
        ],
      })),
    },
    {
      title: 'N+1-prone read, 0 ms upstream',
      unit: 'req/s',
      note: 'higher is better; direct REST cut short',
      scaleWithoutDirect: true,
      bars: ORDER.map((c) => ({ contestant: c, values: [{ value: n1(c)?.rps ?? 0, label: fmt(n1(c)?.rps, 0) }] })),
    },
    {
      title: 'Peak RSS of the server process',
      unit: 'MB',
      note: 'lower is better; direct REST has no server',
      bars: ORDER.map((c) => {
        const rss = c === 'direct' ? 0 : Math.max(0, ...results.aggregates.filter((a) => a.contestant === c).map((a) => a.rssServerMB));
        return { contestant: c, values: [{ value: rss, label: c === 'direct' ? '—' : fmt(rss, 0) }] };
      }),
    },
  ];

  const width = 1000;
  const panelW = 470;
  const labelW = 150;
  const barArea = panelW - labelW - 70;
  const rowH = 22;
  const panelH = 40 + ORDER.length * (rowH * 2 + 6) + 20;
  const cols = 2;
  const height = 70 + Math.ceil(panels.length / cols) * (panelH + 10) + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="17" font-weight="600">One page of 50 communications, four ways (medians of ${results.rounds} interleaved rounds)</text>`,
    `<text x="20" y="48" fill="#555">${esc(`${results.machine.nproc} cores, ${results.machine.cpuModel}, Node ${results.machine.node}, ${results.at.slice(0, 10)}, commit ${results.machine.commit}`)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const x0 = 20 + (index % cols) * (panelW + 20);
    const y0 = 70 + Math.floor(index / cols) * (panelH + 10);
    const scaled = panel.scaleWithoutDirect ? panel.bars.filter((b) => b.contestant !== 'direct') : panel.bars;
    const max = Math.max(1e-9, ...scaled.flatMap((b) => b.values.map((v) => v.value))) * (panel.scaleWithoutDirect ? 1.15 : 1);
    out.push(`<g transform="translate(${x0},${y0})">`);
    out.push(`<rect width="${panelW}" height="${panelH}" fill="#fafafa" stroke="#ddd"/>`);
    out.push(`<text x="10" y="20" font-size="14" font-weight="600">${esc(panel.title)}</text>`);
    out.push(`<text x="10" y="35" fill="#777">${esc(`${panel.unit}; ${panel.note}`)}</text>`);
    panel.bars.forEach((bar, i) => {
      const y = 45 + i * (rowH * 2 + 6);
      out.push(`<text x="10" y="${y + 15}" fill="#222">${esc(SHORT[bar.contestant])}</text>`);
      bar.values.forEach((v, j) => {
        const cut = v.value > max;
        const w = Math.max(0, (Math.min(v.value, max) / max) * barArea);
        const by = y + j * rowH;
        out.push(`<rect x="${labelW}" y="${by + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLORS[bar.contestant]}" opacity="${v.light ? 0.45 : 1}"/>`);
        if (cut) out.push(`<path d="M${(labelW + w - 14).toFixed(1)} ${by + 1} l6 ${rowH - 4} M${(labelW + w - 8).toFixed(1)} ${by + 1} l6 ${rowH - 4}" stroke="#fff" stroke-width="3"/>`);
        out.push(`<text x="${(labelW + w + 5).toFixed(1)}" y="${by + 14}" fill="#222">${esc(v.label)}</text>`);
      });
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ---- BENCHMARKS.md ----

export interface OtelResult {
  at: string;
  commit?: string;
  rounds: number;
  spansExported?: number;
  rows: { phase: string; tracing: string; rps: number; p50: number; p99: number; cpuPer1000: number }[];
}

export function writeReport(root: string, results: RunResults, soak: SoakResult | null, profile: ProfileSummary | null, otel: OtelResult | null = null): void {
  writeFileSync(join(root, 'bench', 'results', 'chart.svg'), chartSvg(results));
  const m = results.machine;
  const phase = (key: string) => results.phases.find((p) => p.key === key);
  const lines: string[] = [];
  const add = (...text: string[]) => lines.push(...text);
  add(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts): edit the generator, not this file. -->',
    '',
    'The same logical read served four ways against the same upstream, to see what this facade costs',
    'on top of the upstream and how close it gets to the physical limit of a Node facade.',
    '',
    '![The four contestants side by side](bench/results/chart.svg)',
    '',
    `Latest run: ${results.at} (commit ${m.commit}), ${results.rounds} interleaved rounds per workload, ${results.durationS.toFixed(0)} s in all.`,
    '',
    '## How to run',
    '',
    '```sh',
    'npm run bench                 # full run, < 10 min: prints the tables, rewrites this file and bench/results/',
    'npm run bench -- --smoke      # < 60 s: each contestant briefly; checks they return the same 50 sids; exit 1 if not',
    'npm run bench -- --soak       # 3 minutes of load on the facade: RSS growth after warm-up (bench/results/soak.json)',
    'npm run bench -- --profile    # node --cpu-prof on the facade under the 0 ms workload (bench/results/profile.json)',
    'npm run bench -- --otel       # the facade with OpenTelemetry tracing off and on (bench/results/otel.json)',
    'npm run bench -- --report     # rewrite this file and the chart from bench/results/*.json (no measuring)',
    '```',
    '',
    'Options: `--rounds N` (default 3), `--seconds S` (per phase), `--rate R` (the moderate fixed rate, default 50),',
    '`--soak-seconds S` (default 180), `--only direct,limit,facade,mesh`, `--phases tput0,rate0,…`,',
    '`--pin` (taskset: every server under test on CPU 1, upstream and load generator on CPU 0).',
    '',
    '## Machine',
    '',
    `- ${m.nproc} cores: ${m.cpuModel}; ${m.memoryGiB} GiB memory; Linux ${m.kernel}`,
    `- Node ${m.node}`,
    `- ${Object.entries(m.versions).map(([p, v]) => `${p} ${v}`).join(', ')}`,
    '',
    '## The read, and the four contestants',
    '',
    'The logical read, the same for all four: conversation *sid* (one upstream fetch) and the first',
    'page of 50 of its communications (one upstream list call), each with id, sid, occurredAt, author',
    '(address, channel, participant sid) and text content, and the page\'s hasNextPage/endCursor. So every',
    'contestant makes **2 upstream calls** per read. The seeded conversation has 120 communications by',
    '6 authors (5 over SMS with text content, 1 over voice with transcriptions).',
    '',
    '- **(a) direct REST**: no facade; the client makes the two upstream GETs itself, in parallel, and',
    '  reads both bodies. What a client pays without any facade.',
    '- **(b) zero-framework limit** (`bench/servers/limit.ts`): a hand-written `node:http` handler that does',
    '  exactly the data work a facade must do: parse the POSTed GraphQL request, the same undici `Pool`',
    '  calls (in parallel), `JSON.parse`, reshaping into the GraphQL response (global ids, the facade\'s',
    '  cursor format and HMAC, content `__typename`, enum fallbacks), `JSON.stringify`. No GraphQL parsing,',
    '  validation or execution. Its answer\'s `data` is checked equal to the facade\'s on every run.',
    '- **(c) this facade** (`bench/servers/facade.ts`): `createFacade` with `src/config.ts` defaults,',
    '  served by `node:http` as `src/main.ts` does; the caller\'s Basic credentials are passed through.',
    '- **(d) GraphQL Mesh**: `@omnigraph/openapi` over `../shared/upstream/conversations-v2.openapi.json`,',
    '  composed by `mesh-compose` (on every run, into the gitignored `bench/.out/`) and served by',
    '  `hive-gateway supergraph --fork 1`. Its generated schema has one root field per REST operation',
    '  and no links, so the closest query is two root fields, `FetchConversation` and',
    '  `ListCommunicationByConversation(pageSize: 50)` (which it runs in parallel), with the page\'s',
    '  `meta.nextToken` instead of Relay cursors.',
    '',
    'The N+1-prone read adds, for each of the 50 communications, its author participant (id, sid,',
    'name, type) and its conversation (sid, name, status). Done right that is **3 upstream calls**:',
    'the conversation, the communications page, and one participants list. Direct REST, the limit and',
    'Mesh make the same three calls (for Mesh a third root field, `ListParticipantByConversation`, that',
    'the client joins itself, since the generated schema has no link from author to participant).',
    '',
    '## Method',
    '',
    '- **Upstream**: the project\'s emulator (`src/emulator`), seeded with the benchmark conversation,',
    '  behind a replay front (`bench/upstream.ts`) that keeps each distinct GET\'s answer bytes after the',
    '  first and serves them from memory: the upstream\'s own cost is near zero and the same for everyone,',
    '  so the measurement isolates the contestants\' own cost. For the latency workload the front delays',
    '  every upstream call by 20 ± 5 ms (uniform). The front counts calls per operation.',
    '- **Processes**: the upstream, each server under test and the load generator run in separate child',
    '  processes (all on Node ' + m.node + '). CPU time (utime + stime) and RSS are read from `/proc` for each',
    '  process (and any it forks); RSS is sampled every 200 ms for the peak.',
    '- **Load generator** (`bench/loadgen.ts`, undici): a closed loop of 32 users for throughput; an open loop',
    `  at a fixed rate (${rateOf(results)} req/s, which every contestant sustains here, and the target\'s 500 req/s) for latency,`,
    '  each latency measured from the request\'s *scheduled* start (no coordinated omission, unlike a rate',
    '  cap on a closed loop such as autocannon\'s `-R`). All percentiles are exact (every latency kept).',
    '  Loopback only; every phase is bounded in time.',
    `- **Rounds**: a ${4000 / 1000} s warm-up per contestant, then for each workload ${results.rounds} rounds interleaved`,
    '  A B C D A B C D…; the tables show the median of the rounds. Phases last ' +
      results.phases.map((p) => `${p.durationMs / 1000} s (${p.key})`).join(', ') +
      '.',
    '- **Correctness first**: before measuring, each contestant\'s answer is checked: the same 50 sids as',
    '  direct REST (and the same author names in the N+1 read), and the facade\'s `data` equal to the',
    '  limit\'s. A failed check stops the run. Any GraphQL error during load counts as an error.',
    '- **Other work on the machine**: the machine is shared (other sessions run tests on it). Before each',
    `  phase the bench waits (up to 15 s) until other processes use under ${0.25} cores, and it records the CPU`,
    '  they used during each phase (last column of the table at the end); rounds with a lot of it are',
    '  less trustworthy, and the median of 3 rounds is there to absorb one bad round.',
    '- **Caveat, 2 cores**: the server under test, the upstream and the load generator share 2 cores. At',
    '  saturation the cheap contestants (direct REST, the limit) are held back by the load generator',
    '  and upstream competing for the CPU, so their throughput is understated and the facade/limit',
    '  throughput ratio flatters the facade. The CPU-per-request ratio (server process only) is the',
    '  contention-free measure of intrinsic cost.',
    '',
    '## Results',
    '',
    `### The page read (medians of ${results.rounds} rounds)`,
    '',
    markdownTable(mainRows(results)),
    '',
    'CPU is the server process\'s own CPU seconds per 1000 requests; peak RSS is the highest sample over',
    'all its phases. A "≥" marks latencies of a phase where the contestant could not keep up with the',
    'rate: requests still unanswered 3 s after the last was scheduled were aborted and count with their',
    'latency so far (a lower bound). Workloads: ' + ['tput0', 'rate0', 'rate20', 'rate20x500'].map((k) => `\`${k}\`: ${phase(k)?.title ?? ''}`).join('; ') + '.',
    '',
    '### Ratios',
    '',
    markdownTable(ratioRows(results)),
    '',
    '### N+1-prone read',
    '',
    markdownTable(n1Rows(results)),
    '',
    '### Targets',
    '',
    markdownTable([['target', 'measured', 'status'], ...targets(results, soak).map((t) => [t.name, t.measured, t.met === null ? 'not measured' : t.met ? 'met' : '**not met**'])]),
    '',
    // Written by hand as each optimisation lands (it cites runs at earlier commits).
    readFileSync(join(root, 'bench', 'optimisations.md'), 'utf8').trimEnd(),
    '',
  );
  if (soak) {
    add(
      '### Soak',
      '',
      `Latest \`--soak\`: ${soak.at} (commit ${soak.commit ?? '?'}). The facade under a closed loop of ${soak.concurrency} users for ${soak.seconds} s (0 ms upstream):`,
      `${soak.requests} requests (${soak.rps.toFixed(0)} req/s, ${soak.errors} errors, ${soak.cpuPer1000.toFixed(3)} CPU s / 1000 req).`,
      `RSS after the ${soak.warmUpSeconds.toFixed(0)} s warm-up (median of its last 10 s): ${soak.baselineMB.toFixed(1)} MB; at the end (median of the`,
      `last 10 s): ${soak.endMB.toFixed(1)} MB, **${(soak.growth * 100).toFixed(1)} %**; highest sample after warm-up ${soak.peakAfterWarmUpMB.toFixed(1)} MB (${(soak.peakGrowth * 100).toFixed(1)} %).`,
      '',
      'RSS over time (MB, every 5 s): ' + soak.samples.map((s) => s.rssMB.toFixed(0)).join(' '),
      '',
      soak.liveHeap?.length
        ? `Live heap after a forced full GC (\`--expose-gc\`): ${soak.liveHeap.map((h) => `${h.heapUsedMB.toFixed(1)} MB at ${h.t.toFixed(0)} s`).join(', ')}. RSS is mostly V8 heap the GC has not given back yet; the live heap says whether anything accumulates.`
        : '',
      '',
    );
  }
  if (otel) {
    const off = otel.rows.find((r) => r.phase === 'tput0' && r.tracing === 'off');
    const on = otel.rows.find((r) => r.phase === 'tput0' && r.tracing === 'on');
    add(
      '### OpenTelemetry',
      '',
      `Latest \`--otel\`: ${otel.at} (commit ${otel.commit ?? '?'}), medians of ${otel.rounds} interleaved rounds. Tracing is off by default (\`TRACING=none\`):`,
      'then no tracer exists and the hot path makes no tracing calls (src/observability/tracing.ts), so "off" is',
      'the facade as measured above, and what off costs against no instrumentation at all is what its',
      `\`@opentelemetry/*\` frames take in the off profile: ${profile?.opentelemetryShare !== undefined ? `${profile.opentelemetryShare.toFixed(2)} % of busy CPU` : 'see `--profile`'}. "On" is a NodeTracerProvider with a`,
      `BatchSpanProcessor whose exporter drops the spans: the price of making the spans (${otel.spansExported ?? '?'} spans were exported in that run).`,
      '',
      markdownTable([
        ['phase', 'tracing', 'req/s', 'p50 ms', 'p99 ms', 'server CPU s / 1000 req'],
        ...otel.rows.map((r) => [r.phase, r.tracing, fmt(r.rps, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.cpuPer1000, 3)]),
      ]),
      '',
      off && on ? `Tracing on costs ${fmt(((on.cpuPer1000 - off.cpuPer1000) / off.cpuPer1000) * 100, 0)} % more CPU per request at saturation (${fmt(on.cpuPer1000 - off.cpuPer1000, 3)} s per 1000 requests).` : '',
      '',
    );
  }
  if (profile) {
    add(
      '### Where the facade\'s time goes (0 ms workload, `--profile`)',
      '',
      `Latest \`--profile\`: ${profile.at} (commit ${profile.commit ?? '?'}); ${profile.requests} requests at ${profile.rps.toFixed(0)} req/s with the profiler on;`,
      `${profile.busyMsPerRequest.toFixed(3)} ms of busy CPU per request on the main thread (the profiler adds some). Where it goes, callees`,
      'included (a sample counts once per row; rows overlap: execute contains the cursors, HTTP contains everything):',
      '',
      markdownTable([['area', 'where', '% of busy time'], ...(profile.buckets ?? []).map((r) => [r.name, r.where, r.share.toFixed(1)])]),
      '',
      'Self time by package or module:',
      '',
      markdownTable([['area', 'self %', 'ms'], ...profile.byCategory.slice(0, 18).map((r) => [r.name, r.share.toFixed(1), String(r.ms)])]),
      '',
      'Inclusive time of the functions that matter (a function counts once per sample, callees included):',
      '',
      markdownTable([['function', 'where', 'inclusive %'], ...profile.inclusive.slice(0, 20).map((r) => [`\`${r.name}\``, r.where, r.share.toFixed(1)])]),
      '',
    );
  }
  add(
    '### Other processes and every round',
    '',
    markdownTable(otherCostRows(results)),
    '',
    'Correctness checks of this run:',
    '',
    ...results.checks.map((c) => `- ${c}`),
    '',
  );
  writeFileSync(join(root, 'BENCHMARKS.md'), lines.join('\n'));
}
