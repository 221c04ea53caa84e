// bench/results/chart.svg: the four contestants side by side in six panels (throughput, CPU per
// request, latency at two upstream latencies, the N+1 read, memory), drawn as plain SVG.
import { ORDER, SHORT } from '../contestants.ts';
import type { ContestantId } from '../workload.ts';
import { fmt, get, rateOf } from './tables.ts';
import type { RunResults } from './types.ts';

const COLORS: Record<ContestantId, string> = {
  direct: '#7f8c8d',
  limit: '#2e86de',
  facade: '#e67e22',
  mesh: '#8e44ad',
};
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Bar {
  contestant: ContestantId;
  values: { value: number; label: string; light?: boolean }[];
}

interface Panel {
  title: string;
  unit: string;
  note: string;
  /** Scale to the GraphQL contestants; a longer bar (direct REST) is cut and marked. */
  scaleWithoutDirect?: boolean;
  bars: Bar[];
}

/** One bar per contestant. */
const single = (value: (c: ContestantId) => number, label: (c: ContestantId) => string): Bar[] =>
  ORDER.map((c) => ({ contestant: c, values: [{ value: value(c), label: label(c) }] }));

/** Two bars per contestant: p50, and p99 lighter. */
const percentiles = (phase: (c: ContestantId) => { p50: number; p99: number } | undefined): Bar[] =>
  ORDER.map((c) => ({
    contestant: c,
    values: [
      { value: phase(c)?.p50 ?? 0, label: `p50 ${fmt(phase(c)?.p50, 1)}` },
      { value: phase(c)?.p99 ?? 0, label: `p99 ${fmt(phase(c)?.p99, 1)}`, light: true },
    ],
  }));

function panelsOf(results: RunResults): Panel[] {
  const t = (c: ContestantId) => get(results, 'tput0', c);
  const n1 = (c: ContestantId) => get(results, 'n1', c);
  const rss = (c: ContestantId) =>
    c === 'direct' ? 0 : Math.max(0, ...results.aggregates.filter((a) => a.contestant === c).map((a) => a.rssServerMB));
  const noServer = (c: ContestantId, label: string) => (c === 'direct' ? '—' : label);
  return [
    {
      title: 'Throughput, 0 ms upstream',
      unit: 'req/s',
      note: 'higher is better; direct REST cut short',
      scaleWithoutDirect: true,
      bars: single(
        (c) => t(c)?.rps ?? 0,
        (c) => fmt(t(c)?.rps, 0),
      ),
    },
    {
      title: 'Server CPU per request, 0 ms',
      unit: 'ms CPU / request',
      note: 'lower is better; direct REST has no server',
      bars: single(
        (c) => (c === 'direct' ? 0 : (t(c)?.cpuServer ?? 0)),
        (c) => noServer(c, fmt(t(c)?.cpuServer, 3)),
      ),
    },
    {
      title: `Latency, 0 ms upstream, ${rateOf(results)} req/s`,
      unit: 'ms (p50, p99 lighter)',
      note: 'lower is better',
      bars: percentiles((c) => get(results, 'rate0', c)),
    },
    {
      title: `Latency, 20 ± 5 ms per upstream call, ${rateOf(results)} req/s`,
      unit: 'ms (p50, p99 lighter)',
      note: 'lower is better',
      bars: percentiles((c) => get(results, 'rate20', c)),
    },
    {
      title: 'N+1-prone read, 0 ms upstream',
      unit: 'req/s',
      note: 'higher is better; direct REST cut short',
      scaleWithoutDirect: true,
      bars: single(
        (c) => n1(c)?.rps ?? 0,
        (c) => fmt(n1(c)?.rps, 0),
      ),
    },
    {
      title: 'Peak RSS of the server process',
      unit: 'MB',
      note: 'lower is better; direct REST has no server',
      bars: single(rss, (c) => noServer(c, fmt(rss(c), 0))),
    },
  ];
}

const WIDTH = 1000;
const PANEL_W = 470;
const LABEL_W = 150;
const BAR_AREA = PANEL_W - LABEL_W - 70;
const ROW_H = 22;
const PANEL_H = 40 + ORDER.length * (ROW_H * 2 + 6) + 20;
const COLS = 2;

function drawPanel(panel: Panel, x0: number, y0: number): string[] {
  const scaled = panel.scaleWithoutDirect ? panel.bars.filter((b) => b.contestant !== 'direct') : panel.bars;
  const longest = Math.max(1e-9, ...scaled.flatMap((b) => b.values.map((v) => v.value)));
  const max = longest * (panel.scaleWithoutDirect ? 1.15 : 1);
  const out = [
    `<g transform="translate(${x0},${y0})">`,
    `<rect width="${PANEL_W}" height="${PANEL_H}" fill="#fafafa" stroke="#ddd"/>`,
    `<text x="10" y="20" font-size="14" font-weight="600">${esc(panel.title)}</text>`,
    `<text x="10" y="35" fill="#777">${esc(`${panel.unit}; ${panel.note}`)}</text>`,
  ];
  panel.bars.forEach((bar, i) => {
    const y = 45 + i * (ROW_H * 2 + 6);
    out.push(`<text x="10" y="${y + 15}" fill="#222">${esc(SHORT[bar.contestant])}</text>`);
    bar.values.forEach((v, j) => {
      const cut = v.value > max;
      const w = Math.max(0, (Math.min(v.value, max) / max) * BAR_AREA);
      const by = y + j * ROW_H;
      const fill = `fill="${COLORS[bar.contestant]}" opacity="${v.light ? 0.45 : 1}"`;
      out.push(`<rect x="${LABEL_W}" y="${by + 2}" width="${w.toFixed(1)}" height="${ROW_H - 6}" ${fill}/>`);
      if (cut) {
        const slash = (x: number) => `M${x.toFixed(1)} ${by + 1} l6 ${ROW_H - 4}`;
        out.push(`<path d="${slash(LABEL_W + w - 14)} ${slash(LABEL_W + w - 8)}" stroke="#fff" stroke-width="3"/>`);
      }
      out.push(`<text x="${(LABEL_W + w + 5).toFixed(1)}" y="${by + 14}" fill="#222">${esc(v.label)}</text>`);
    });
  });
  out.push('</g>');
  return out;
}

export function chartSvg(results: RunResults): string {
  const panels = panelsOf(results);
  const height = 70 + Math.ceil(panels.length / COLS) * (PANEL_H + 10) + 20;
  const { machine } = results;
  const subtitle =
    `${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}, ` + `${results.at.slice(0, 10)}, commit ${machine.commit}`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `font-family="${FONT}" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    '<text x="20" y="28" font-size="17" font-weight="600">' +
      `One page of 50 communications, four ways (medians of ${results.rounds} interleaved rounds)</text>`,
    `<text x="20" y="48" fill="#555">${esc(subtitle)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const x0 = 20 + (index % COLS) * (PANEL_W + 20);
    const y0 = 70 + Math.floor(index / COLS) * (PANEL_H + 10);
    out.push(...drawPanel(panel, x0, y0));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
