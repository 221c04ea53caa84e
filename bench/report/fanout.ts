// The fan-out workload's tables (bench/results/fanout.json): per server and load, latency per
// transport and deliveries per CPU second; memory per idle subscriber; the three targets.
import { availableParallelism } from 'node:os';
import type { TemplateValues } from './render.ts';
import { fmt, markdownTable, ratio, textTable, type Target } from './tables.ts';
import type { FanoutPhase, FanoutResult, FanoutServerResult } from './types.ts';

const phaseOf = (s: FanoutServerResult | undefined, key: FanoutPhase['key']) => s?.phases.find((p) => p.key === key);

/** p50 / p99; "≥" when some deliveries had not arrived by the end (their latencies are lower bounds). */
const latency = (p: FanoutPhase, transport: 'sse' | 'ws') => {
  const t = p.transports.find((x) => x.transport === transport);
  if (!t) return '—';
  const atLeast = t.missed ? '≥ ' : '';
  return `${atLeast}${fmt(t.latencyMs.p50, 1)} / ${atLeast}${fmt(t.latencyMs.p99, 1)}`;
};

const sum = (p: FanoutPhase, field: 'missed' | 'duplicated') => p.transports.reduce((total, t) => total + t[field], 0);

const load = (p: FanoutPhase) => `${p.key}: ${p.events} webhooks at ${p.rate}/s`;

export function fanoutRows(result: FanoutResult): string[][] {
  const rows = [
    [
      'server',
      'load',
      'p50 / p99 ms, SSE',
      'p50 / p99 ms, WebSocket',
      'delivered',
      'missed / repeated',
      'deliveries / CPU s',
      'CPU µs / delivery',
      'webhook answer p50 / p99 ms',
    ],
  ];
  for (const key of ['spaced', 'target'] as const) {
    for (const s of result.servers) {
      const p = phaseOf(s, key);
      if (!p) continue;
      rows.push([
        s.label,
        load(p),
        latency(p, 'sse'),
        latency(p, 'ws'),
        `${p.delivered} of ${p.expected}`,
        `${sum(p, 'missed')} / ${sum(p, 'duplicated')}`,
        fmt(p.deliveredPerCpuS, 0),
        fmt(p.cpuUsPerDelivery, 1),
        `${fmt(p.webhooks.answerP50, 1)} / ${fmt(p.webhooks.answerP99, 1)}` +
          (p.webhooks.unanswered ? ` (${p.webhooks.unanswered} unanswered)` : ''),
      ]);
    }
  }
  return rows;
}

export function fanoutMemoryRows(result: FanoutResult): string[][] {
  const rows = [
    [
      'server',
      'subscribers open in s',
      'upstream calls / subscription',
      'RSS / heap MB: none, cycled, all open',
      'KB RSS / idle sub',
      'KB heap / idle sub',
      'KB RSS / idle sub, marginal',
    ],
  ];
  const mb = (m: { rssMB: number; heapMB: number }) => `${fmt(m.rssMB, 0)} / ${fmt(m.heapMB, 0)}`;
  for (const s of result.servers) {
    const m = s.memory;
    rows.push([
      s.label,
      fmt(s.subscribe.seconds, 1),
      fmt(s.subscribe.upstreamCallsPerSubscription, 2),
      `${mb(m.fresh)}, ${mb(m.cycled)}, ${mb(m.idle)}`,
      fmt(m.rssPerSubscriberKB, 1),
      fmt(m.heapPerSubscriberKB, 1),
      fmt(m.marginalRssPerSubscriberKB, 1),
    ]);
  }
  return rows;
}

/** Where each phase's CPU went and how long it took: the server, the clients, the rest of the machine. */
export function fanoutDetailRows(result: FanoutResult): string[][] {
  const rows = [
    [
      'server',
      'load',
      'window s',
      'CPU s: server',
      'SSE subs',
      'WS subs',
      'webhooks',
      'upstream',
      'drain s',
      'upstream calls / event',
      'other work (cores)',
    ],
  ];
  for (const s of result.servers) {
    for (const p of s.phases) {
      rows.push([
        s.label,
        p.key,
        fmt(p.windowS, 1),
        fmt(p.cpuS, 2),
        fmt(p.processCpuS.sse, 2),
        fmt(p.processCpuS.ws, 2),
        fmt(p.processCpuS.webhooks, 2),
        fmt(p.processCpuS.upstream, 2),
        fmt(p.drainS ?? NaN, 2),
        fmt(p.upstreamCallsPerEvent, 2),
        fmt(p.foreignCores, 2),
      ]);
    }
  }
  return rows;
}

export function fanoutTargets(result: FanoutResult): Target[] {
  const facade = result.servers.find((s) => s.server === 'facade');
  const limit = result.servers.find((s) => s.server === 'limit');
  const target = phaseOf(facade, 'target');
  const p99 = target ? Math.max(...target.transports.map((t) => t.latencyMs.p99)) : NaN;
  const missed = target ? sum(target, 'missed') : 0;
  const vsLimit = ratio(target?.deliveredPerCpuS, phaseOf(limit, 'target')?.deliveredPerCpuS);
  const perSubscriber = facade?.memory.rssPerSubscriberKB ?? NaN;
  const check = (value: number, met: (v: number) => boolean) => (Number.isNaN(value) ? null : met(value));
  return [
    {
      name: `fan-out at ${result.rate} webhooks/s: p99 latency ≤ 50 ms (webhook → subscriber, both transports)`,
      measured:
        `${missed ? '≥ ' : ''}${fmt(p99, 1)} ms` +
        (missed ? ` (${missed} deliveries missed the ${target?.windowS.toFixed(0)} s window)` : ''),
      met: check(p99, (v) => v <= 50 && missed === 0),
    },
    {
      name: `fan-out at ${result.rate} webhooks/s: ≥ 0.5 × the limit’s delivered events per CPU second`,
      measured: `${fmt(vsLimit, 2)} ×`,
      met: check(vsLimit, (v) => v >= 0.5),
    },
    {
      name: 'fan-out: ≤ 20 KB RSS per idle subscriber',
      measured: `${fmt(perSubscriber, 1)} KB (heap ${fmt(facade?.memory.heapPerSubscriberKB, 1)} KB)`,
      met: check(perSubscriber, (v) => v <= 20),
    },
  ];
}

/** The console summary of a fan-out run (its mode, and the end of a full run). */
export function printFanout(result: FanoutResult): void {
  const s = result.servers[0];
  const who = s ? `${s.subscribers.sse} SSE + ${s.subscribers.ws} WebSocket subscribers, one conversation` : '';
  console.log(`\n== Fan-out: ${who} ==`);
  console.log(textTable(fanoutRows(result)));
  console.log('');
  console.log(textTable(fanoutMemoryRows(result)));
  console.log('');
  console.log(textTable(fanoutDetailRows(result)));
  console.log('');
  for (const t of fanoutTargets(result)) {
    console.log(`${t.met === null ? ' n/a ' : t.met ? ' MET ' : ' MISS'}  ${t.name}: ${t.measured}`);
  }
  for (const note of fanoutNotes(result)) console.log(`\n${note}`);
}

/**
 * What the numbers imply, computed from them (so it never goes stale): how long one event's fan-out
 * takes on one event loop, and how many cores the target load needs.
 */
export function fanoutNotes(result: FanoutResult): string[] {
  const notes: string[] = [];
  const first = result.servers[0];
  if (!first) return notes;
  const subscribers = first.subscribers.sse + first.subscribers.ws;
  const perDelivery = (s: FanoutServerResult, key: FanoutPhase['key']) => phaseOf(s, key)?.cpuUsPerDelivery ?? NaN;
  const fanOut = result.servers.map((s) => `${s.label} ${fmt((perDelivery(s, 'spaced') * subscribers) / 1000, 0)} ms`);
  notes.push(
    `One event fans out to ${subscribers} subscribers on one event loop. At each server's CPU per delivery in the ` +
      `spaced load that is, per event: ${fanOut.join(', ')} (webhook intake and any upstream read included): ` +
      `the last subscribers wait about that long. A p99 ≤ 50 ms needs ≤ ${fmt((50 / subscribers) * 1000, 0)} µs ` +
      'per delivery.',
  );
  const perSecond = result.rate * subscribers;
  const cores = result.servers.map((s) => `${s.label} ${fmt((perDelivery(s, 'target') * perSecond) / 1e6, 2)}`);
  const limitTarget = phaseOf(
    result.servers.find((s) => s.server === 'limit'),
    'target',
  );
  const clientCpuS = (p: FanoutPhase) => (p.processCpuS.sse ?? 0) + (p.processCpuS.ws ?? 0);
  const clientUs = limitTarget ? (clientCpuS(limitTarget) / Math.max(1, limitTarget.delivered)) * 1e6 : NaN;
  notes.push(
    `The target load is ${perSecond.toLocaleString('en-US')} deliveries a second. At the CPU per delivery measured ` +
      `under it, that takes cores: ${cores.join(', ')}; and the subscriber processes reading them another ` +
      `${fmt((clientUs * perSecond) / 1e6, 2)} (${fmt(clientUs, 1)} µs per delivery), on a machine of ` +
      `${availableParallelism()} cores shared with other work. What a server cannot keep up with shows as missed ` +
      'deliveries and latencies that grow with the length of the load.',
  );
  return notes;
}

/** A paragraph as lines of at most 120 characters (BENCHMARKS.md's prose is kept that narrow). */
function wrap(paragraph: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ')) {
    if (line && line.length + 1 + word.length > 120) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

const status = (t: Target) => (t.met === null ? 'not measured' : t.met ? 'met' : '**not met**');

export function fanoutValues(fanout: FanoutResult | null): TemplateValues {
  if (!fanout) return { fanout: false };
  const first = fanout.servers[0];
  const subscribers = first ? first.subscribers.sse + first.subscribers.ws : 0;
  return {
    fanout: true,
    fanoutAt: fanout.at,
    fanoutCommit: fanout.commit ?? '?',
    fanoutDurationS: fanout.durationS.toFixed(0),
    fanoutSse: (first?.subscribers.sse ?? 0).toLocaleString('en-US'),
    fanoutWs: (first?.subscribers.ws ?? 0).toLocaleString('en-US'),
    fanoutGraceS: fanout.graceS,
    fanoutRate: fanout.rate,
    fanoutSeconds: fanout.seconds,
    fanoutDeliveriesPerS: (fanout.rate * subscribers).toLocaleString('en-US'),
    fanoutTable: markdownTable(fanoutRows(fanout)),
    fanoutMemoryTable: markdownTable(fanoutMemoryRows(fanout)),
    fanoutDetailTable: markdownTable(fanoutDetailRows(fanout)),
    fanoutTargetTable: markdownTable([
      ['target', 'measured', 'status'],
      ...fanoutTargets(fanout).map((t) => [t.name, t.measured, status(t)]),
    ]),
    fanoutNotes: fanoutNotes(fanout).map(wrap).join('\n\n'),
    fanoutChecks: fanout.checks.map((c) => `- ${c}`).join('\n'),
  };
}
