// Writes BENCHMARKS.md and bench/results/chart.svg from a run's results: the prose is template.md,
// this fills in the numbers and tables (render.ts does the filling).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QUIET_CORES, WARM_UP_MS } from '../phases.ts';
import type { ProfileSummary } from '../profile.ts';
import { chartSvg } from './chart.ts';
import { fanoutValues } from './fanout.ts';
import { render, type TemplateValues } from './render.ts';
import { fmt, mainRows, markdownTable, n1Rows, otherCostRows, rateOf, ratioRows, targetRows } from './tables.ts';
import type { FanoutResult, OtelResult, RunResults, SoakResult } from './types.ts';

const TEMPLATE = join(import.meta.dirname, 'template.md');

function runValues(root: string, results: RunResults): TemplateValues {
  const m = results.machine;
  const phase = (key: string) => results.phases.find((p) => p.key === key);
  const workloads = ['tput0', 'rate0', 'rate20', 'rate20x500'].map((k) => `\`${k}\`: ${phase(k)?.title ?? ''}`);
  return {
    at: results.at,
    commit: m.commit,
    rounds: results.rounds,
    durationS: results.durationS.toFixed(0),
    nproc: m.nproc,
    cpuModel: m.cpuModel,
    memoryGiB: m.memoryGiB,
    kernel: m.kernel,
    node: m.node,
    versions: Object.entries(m.versions)
      .map(([p, v]) => `${p} ${v}`)
      .join(', '),
    rate: rateOf(results),
    warmUpSeconds: WARM_UP_MS / 1000,
    phaseDurations: results.phases.map((p) => `${p.durationMs / 1000} s (${p.key})`).join(', '),
    quietCores: QUIET_CORES,
    mainTable: markdownTable(mainRows(results)),
    workloads: workloads.join('; '),
    ratioTable: markdownTable(ratioRows(results)),
    n1Table: markdownTable(n1Rows(results)),
    // Written by hand as each optimisation lands (it cites runs at earlier commits).
    optimisations: readFileSync(join(root, 'bench', 'optimisations.md'), 'utf8').trimEnd(),
    otherTable: markdownTable(otherCostRows(results)),
    checks: results.checks.map((c) => `- ${c}`).join('\n'),
  };
}

function soakValues(soak: SoakResult | null): TemplateValues {
  if (!soak) return { soak: false };
  const heap = soak.liveHeap ?? [];
  return {
    soak: true,
    soakAt: soak.at,
    soakCommit: soak.commit ?? '?',
    soakConcurrency: soak.concurrency,
    soakSeconds: soak.seconds,
    soakRequests: soak.requests,
    soakRps: soak.rps.toFixed(0),
    soakErrors: soak.errors,
    soakCpuPer1000: soak.cpuPer1000.toFixed(3),
    soakWarmUpSeconds: soak.warmUpSeconds.toFixed(0),
    soakBaselineMB: soak.baselineMB.toFixed(1),
    soakEndMB: soak.endMB.toFixed(1),
    soakGrowth: (soak.growth * 100).toFixed(1),
    soakPeakMB: soak.peakAfterWarmUpMB.toFixed(1),
    soakPeakGrowth: (soak.peakGrowth * 100).toFixed(1),
    soakSamples: soak.samples.map((s) => s.rssMB.toFixed(0)).join(' '),
    liveHeap: heap.map((h) => `${h.heapUsedMB.toFixed(1)} MB at ${h.t.toFixed(0)} s`).join(', '),
  };
}

function otelValues(otel: OtelResult | null, profile: ProfileSummary | null): TemplateValues {
  if (!otel) return { otel: false };
  const off = otel.rows.find((r) => r.phase === 'tput0' && r.tracing === 'off');
  const on = otel.rows.find((r) => r.phase === 'tput0' && r.tracing === 'on');
  const share = profile?.opentelemetryShare;
  return {
    otel: true,
    otelAt: otel.at,
    otelCommit: otel.commit ?? '?',
    otelRounds: otel.rounds,
    otelProfileShare: share !== undefined ? `${share.toFixed(2)} % of busy CPU` : 'see `--profile`',
    otelSpans: otel.spansExported ?? '?',
    otelTable: markdownTable([
      ['phase', 'tracing', 'req/s', 'p50 ms', 'p99 ms', 'server CPU s / 1000 req'],
      ...otel.rows.map((r) => [r.phase, r.tracing, fmt(r.rps, 0), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.cpuPer1000, 3)]),
    ]),
    otelCost: Boolean(off && on),
    ...(off && on
      ? {
          otelCostPercent: fmt(((on.cpuPer1000 - off.cpuPer1000) / off.cpuPer1000) * 100, 0),
          otelCostPer1000: fmt(on.cpuPer1000 - off.cpuPer1000, 3),
        }
      : {}),
  };
}

function profileValues(profile: ProfileSummary | null): TemplateValues {
  if (!profile) return { profile: false };
  return {
    profile: true,
    profileAt: profile.at,
    profileCommit: profile.commit ?? '?',
    profileRequests: profile.requests,
    profileRps: profile.rps.toFixed(0),
    profileBusyMs: profile.busyMsPerRequest.toFixed(3),
    profileBuckets: markdownTable([
      ['area', 'where', '% of busy time'],
      ...(profile.buckets ?? []).map((r) => [r.name, r.where, r.share.toFixed(1)]),
    ]),
    profileCategories: markdownTable([
      ['area', 'self %', 'ms'],
      ...profile.byCategory.slice(0, 18).map((r) => [r.name, r.share.toFixed(1), String(r.ms)]),
    ]),
    profileInclusive: markdownTable([
      ['function', 'where', 'inclusive %'],
      ...profile.inclusive.slice(0, 20).map((r) => [`\`${r.name}\``, r.where, r.share.toFixed(1)]),
    ]),
  };
}

export function writeReport(
  root: string,
  results: RunResults,
  soak: SoakResult | null,
  profile: ProfileSummary | null,
  otel: OtelResult | null = null,
  fanout: FanoutResult | null = null,
): void {
  writeFileSync(join(root, 'bench', 'results', 'chart.svg'), chartSvg(results));
  const values = {
    ...runValues(root, results),
    targetTable: markdownTable(targetRows(results, soak)),
    ...soakValues(soak),
    ...otelValues(otel, profile),
    ...profileValues(profile),
    ...fanoutValues(fanout),
  };
  writeFileSync(join(root, 'BENCHMARKS.md'), render(readFileSync(TEMPLATE, 'utf8'), values));
}
