// The fan-out workload's tables (bench/results/fanout.json): per server, latency per transport,
// deliveries per CPU second, memory per idle subscriber; and the issue's three targets.
import { fmt, ratio, textTable, type Target } from './tables.ts';
import type { FanoutResult, FanoutServerResult } from './types.ts';

const latency = (s: FanoutServerResult, transport: 'sse' | 'ws') => {
  const t = s.transports.find((x) => x.transport === transport);
  return t ? `${fmt(t.latencyMs.p50, 1)} / ${fmt(t.latencyMs.p99, 1)}` : '—';
};

const lost = (s: FanoutServerResult) => {
  const missed = s.transports.reduce((sum, t) => sum + t.missed, 0);
  const duplicated = s.transports.reduce((sum, t) => sum + t.duplicated, 0);
  return `${missed} / ${duplicated}`;
};

export function fanoutRows(result: FanoutResult): string[][] {
  const rows = [
    [
      'server',
      'p50 / p99 ms, SSE',
      'p50 / p99 ms, WebSocket',
      'delivered',
      'missed / repeated',
      'deliveries / CPU s',
      'CPU µs / delivery',
      'KB RSS / idle sub',
      'KB heap / idle sub',
      'webhook answer p50 / p99 ms',
    ],
  ];
  for (const s of result.servers) {
    rows.push([
      s.label,
      latency(s, 'sse'),
      latency(s, 'ws'),
      `${s.delivered} of ${s.expected}`,
      lost(s),
      fmt(s.deliveredPerCpuS, 0),
      fmt(s.cpuUsPerDelivery, 1),
      fmt(s.memory.rssPerSubscriberKB, 1),
      fmt(s.memory.heapPerSubscriberKB, 1),
      `${fmt(s.webhooks.answerP50, 1)} / ${fmt(s.webhooks.answerP99, 1)}`,
    ]);
  }
  return rows;
}

/** What else each trial measured: opening the subscribers, upstream calls, the drain, the machine. */
export function fanoutDetailRows(result: FanoutResult): string[][] {
  const rows = [
    [
      'server',
      'subscribers open in s',
      'upstream calls / subscription',
      'upstream calls / event',
      'server CPU s',
      'drain s',
      'RSS MB: none → idle subs',
      'other work (cores)',
    ],
  ];
  for (const s of result.servers) {
    rows.push([
      s.label,
      fmt(s.subscribe.seconds, 1),
      fmt(s.subscribe.upstreamCallsPerSubscription, 2),
      fmt(s.upstreamCallsPerEvent, 2),
      fmt(s.cpuS, 2),
      fmt(s.drainS, 2),
      `${fmt(s.memory.baselineRssMB)} → ${fmt(s.memory.idleRssMB)}`,
      fmt(s.foreignCores, 2),
    ]);
  }
  return rows;
}

export function fanoutTargets(result: FanoutResult): Target[] {
  const facade = result.servers.find((s) => s.server === 'facade');
  const limit = result.servers.find((s) => s.server === 'limit');
  const p99 = facade ? Math.max(...facade.transports.map((t) => t.latencyMs.p99)) : NaN;
  const vsLimit = ratio(facade?.deliveredPerCpuS, limit?.deliveredPerCpuS);
  const perSubscriber = facade?.memory.rssPerSubscriberKB ?? NaN;
  const check = (value: number, met: (v: number) => boolean) => (Number.isNaN(value) ? null : met(value));
  const complete = facade ? facade.delivered === facade.expected : false;
  return [
    {
      name: 'fan-out: delivery latency p99 ≤ 50 ms (webhook → subscriber, both transports)',
      measured: `${fmt(p99, 1)} ms${complete ? '' : ` (${facade?.delivered} of ${facade?.expected} delivered)`}`,
      met: check(p99, (v) => v <= 50 && complete),
    },
    {
      name: 'fan-out: ≥ 0.5 × the limit’s delivered events per CPU second',
      measured: `${fmt(vsLimit, 2)} × (${fmt(facade?.deliveredPerCpuS, 0)} vs ${fmt(limit?.deliveredPerCpuS, 0)})`,
      met: check(vsLimit, (v) => v >= 0.5),
    },
    {
      name: 'fan-out: ≤ 20 KB RSS per idle subscriber',
      measured: `${fmt(perSubscriber, 1)} KB`,
      met: check(perSubscriber, (v) => v <= 20),
    },
  ];
}

/** The console summary of a fan-out run (its mode, and the end of a full run). */
export function printFanout(result: FanoutResult): void {
  const s = result.servers[0];
  const who = s ? `${s.subscribers.sse} SSE + ${s.subscribers.ws} WebSocket subscribers` : 'no server';
  console.log(`\n== Fan-out: ${who}, ${result.rate} webhooks/s for ${result.seconds} s ==`);
  console.log(textTable(fanoutRows(result)));
  console.log('');
  console.log(textTable(fanoutDetailRows(result)));
  for (const t of fanoutTargets(result)) {
    console.log(`${t.met === null ? ' n/a ' : t.met ? ' MET ' : ' MISS'}  ${t.name}: ${t.measured}`);
  }
}
