// One server under the fan-out workload (issue 11 item 10): N SSE and M WebSocket subscribers on the
// bench conversation, signed COMMUNICATION_CREATED webhooks, and what each delivery cost.
//
// 1. Start the server; one subscriber per transport, a barrier (webhooks until each has received
//    one), close them: the code paths have run once. Full GC: memory with no subscriber ('fresh').
// 2. Open every subscriber, a barrier, close them all and wait until the server let go of them.
//    Full GC: memory with none again ('cycled': what opening them left behind, or kept).
// 3. Open them again, a barrier, full GC: memory with every subscriber idle. RSS per idle
//    subscriber is (idle − fresh) / their number; heapUsed likewise; (idle − cycled) / their number
//    is the marginal RSS once the heap has grown to what opening them takes.
//    Upstream calls per subscription are counted once the server holds them all, before any event.
// 4. A short warm-up load, then a barrier (every earlier event has then been delivered).
// 5. 'spaced': a few events, far enough apart that each fans out alone: what one event's fan-out
//    to every subscriber takes when nothing else waits.
// 6. 'target': the rate for the measured time, then a grace period; what has not arrived
//    by then counts as missed, with its time so far in the latencies (a lower bound).
// Each measured phase reads the server's CPU from /proc over its window: delivered events per CPU second.
import { CursorCodec, scopeTag } from '../../src/connections/cursor.ts';
import { encodeNodeId } from '../../src/schema/node-id.ts';
import { machineBusyS, sample } from '../lib/proc.ts';
import { waitForQuiet } from '../measure.ts';
import type { FanoutPhase, FanoutServerResult } from '../report/types.ts';
import { control, sleep, type Upstream } from '../world.ts';
import { AUTHORIZATION } from '../workload.ts';
import {
  LABELS,
  memoryOf,
  startFanoutServer,
  subscribersOf,
  type FanoutClients,
  type FanoutServer,
  type FanoutServerId,
} from './processes.ts';
import type { OpenRequest, OpenResult, SendRequest, SendResult, SubscriberStatus, Transport, TransportResult } from './shared.ts';

export interface FanoutSettings {
  sse: number;
  ws: number;
  /** The target phase: webhooks per second, for `seconds`. */
  rate: number;
  seconds: number;
  /** The spaced phase: a few events at a low rate. */
  spaced: { rate: number; events: number };
  /** Warm-up events before the measured phases (at the spaced rate × 5). */
  warmEvents: number;
  /** How long after the last webhook deliveries may still arrive. */
  graceMs: number;
  /** Wait for the machine to be quiet before each measured phase (the full mode; not the smoke). */
  waitForQuiet: boolean;
  /** Extra Node flags for the facade (--cpu-prof). */
  facadeExecArgv?: string[];
}

const TRANSPORTS: Transport[] = ['sse', 'ws'];
const MB = 2 ** 20;
const mb = (m: { rss: number; heapUsed: number }) => `${(m.rss / MB).toFixed(1)} / ${(m.heapUsed / MB).toFixed(1)} MB`;
const outside = (m: NodeJS.MemoryUsage) => [m.heapTotal, m.external, m.arrayBuffers].map((bytes) => (bytes / MB).toFixed(1)).join(' / ');
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/** The servers' cursor secret (their default, BENCH_CURSOR_SECRET unset): reads their cursors. */
const codec = new CursorCodec(process.env.BENCH_CURSOR_SECRET ?? 'bench cursor secret');

class Trial {
  readonly #clients: FanoutClients;
  readonly #server: FanoutServer;
  readonly #upstream: Upstream;
  /** Per tag, the next event's seq: a batch's events are 0 … n-1, each its own communication. */
  readonly #nextSeq = new Map<string, number>();

  constructor(clients: FanoutClients, server: FanoutServer, upstream: Upstream) {
    this.#clients = clients;
    this.#server = server;
    this.#upstream = upstream;
  }

  send(tag: string, count: number, rate: number, graceMs = 10_000): Promise<SendResult> {
    const startSeq = this.#nextSeq.get(tag) ?? 0;
    this.#nextSeq.set(tag, startSeq + count);
    const urls = { url: this.#server.webhookUrl, upstreamUrl: this.#upstream.url };
    const request: SendRequest = { ...urls, tag, startSeq, count, rate, graceMs };
    return this.#clients.webhooks.call<SendResult>({ type: 'send', request });
  }

  async open(counts: Record<Transport, number>): Promise<number> {
    const started = performance.now();
    const results = await Promise.all(
      TRANSPORTS.filter((t) => counts[t] > 0).map((transport) => {
        const request: OpenRequest = {
          transport,
          count: counts[transport],
          url: this.#server.url,
          conversationSid: this.#clients.conversationId,
          authorization: AUTHORIZATION,
        };
        return this.#clients.subscribers[transport].call<OpenResult>({ type: 'open', request });
      }),
    );
    const failed = results.reduce((sum, r) => sum + r.failed, 0);
    const firstError = results.find((r) => r.firstError)?.firstError;
    if (failed) throw new Error(`${failed} subscriptions did not open: ${firstError}`);
    return (performance.now() - started) / 1000;
  }

  status(tag: string): Promise<SubscriberStatus[]> {
    const ask = (t: Transport) => this.#clients.subscribers[t].call<SubscriberStatus>({ type: 'status', tag });
    return Promise.all(TRANSPORTS.map(ask));
  }

  /** Webhooks tagged `tag`, one at a time, until every subscriber has received one (bounded). */
  async barrier(tag: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: SubscriberStatus[] = [];
    while (Date.now() < deadline) {
      const sent = await this.send(tag, 1, 1);
      if (sent.accepted !== 1) throw new Error(`barrier webhook refused: ${sent.firstError}`);
      for (let poll = 0; poll < 20; poll++) {
        last = await this.status(tag);
        if (last.every((s) => s.reached === s.subscribers)) return;
        await sleep(50);
      }
    }
    const reached = last.map((s) => `${s.reached}/${s.subscribers}`).join(', ');
    const error = last.find((s) => s.firstError)?.firstError ?? '';
    throw new Error(`barrier ${tag}: not every subscriber received an event in time (${reached}) ${error}`);
  }

  /** Until every expected delivery arrived or the deadline (performance.now() time) passed. */
  async drain(expected: number, deadline: number): Promise<void> {
    while (performance.now() < deadline) {
      const received = (await this.status('')).reduce((sum, s) => sum + s.measuredReceived, 0);
      if (received >= expected) return;
      await sleep(50);
    }
  }

  /** Waits (bounded) until the server holds `count` subscriptions (a WebSocket subscribe is not acknowledged). */
  async held(count: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await subscribersOf(this.#server, 30_000)) < count) {
      if (Date.now() > deadline) throw new Error(`the server did not hold ${count} subscriptions in time`);
      await sleep(50);
    }
  }

  /** Closes every subscriber and waits (bounded) until the server holds none. */
  async close(): Promise<void> {
    await Promise.all(TRANSPORTS.map((t) => this.#clients.subscribers[t].call({ type: 'close' })));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await subscribersOf(this.#server, deadline - Date.now())) > 0) await sleep(50);
  }
}

interface TrialContext {
  trial: Trial;
  server: FanoutServer;
  upstream: Upstream;
  clients: FanoutClients;
  settings: FanoutSettings;
}

interface PhaseOutcome {
  phase: FanoutPhase;
  samples: Record<string, unknown>;
  window: { fromUs: number; toUs: number };
}

async function measurePhase(
  key: FanoutPhase['key'],
  { trial, server, upstream, clients, settings }: TrialContext,
  events: number,
  rate: number,
): Promise<PhaseOutcome> {
  const subscribers = settings.sse + settings.ws;
  const expected = events * subscribers;
  await Promise.all(TRANSPORTS.map((t) => clients.subscribers[t].call({ type: 'measure', tag: key, count: events })));
  const everyone = [server.child.pid, upstream.child.pid, process.pid, ...clients.pids()];
  if (settings.waitForQuiet) await waitForQuiet(everyone);
  await control(upstream, 'POST', '/__bench/reset-counts');
  const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + sample(pid).cpuS, 0);
  const processes: Record<string, number> = {
    server: server.child.pid,
    ...clients.named(),
    upstream: upstream.child.pid,
    harness: process.pid,
  };
  const cpuByProcess = () => Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, sample(pid).cpuS]));
  const before = cpuByProcess();
  const ours0 = cpuOf(everyone);
  const machine0 = machineBusyS();
  const t0 = performance.now();
  const fromUs = monotonicUs();
  const sent = await trial.send(key, events, rate, settings.graceMs);
  await trial.drain(expected, t0 + ((events - 1) / rate) * 1000 + settings.graceMs);
  const toUs = monotonicUs();
  const after = cpuByProcess();
  const cpuS = after.server! - before.server!;
  const processCpuS = Object.fromEntries(Object.keys(processes).map((name) => [name, after[name]! - before[name]!]));
  const windowS = (performance.now() - t0) / 1000;
  const foreignCores = Math.max(0, (machineBusyS() - machine0 - (cpuOf(everyone) - ours0)) / windowS);
  const upstreamCalls = ((await control(upstream, 'GET', '/__bench/stats')) as { total: number }).total;
  const collect = (t: Transport) => clients.subscribers[t].call<TransportResult[]>({ type: 'collect', sentAt: sent.sentAt });
  const collected = (await Promise.all(TRANSPORTS.map(collect))).flat();
  const delivered = collected.reduce((sum, t) => sum + t.delivered, 0);
  const lastAt = Math.max(...collected.map((t) => t.lastAt));
  const phase: FanoutPhase = {
    key,
    rate,
    events,
    expected,
    delivered,
    webhooks: {
      sent: sent.sent,
      accepted: sent.accepted,
      failed: sent.failed,
      unanswered: sent.unanswered,
      ...(sent.firstError !== undefined && { firstError: sent.firstError }),
      answerP50: sent.answerMs.p50,
      answerP99: sent.answerMs.p99,
    },
    transports: collected.map(({ sample: _sample, lastAt: _lastAt, ...rest }) => rest),
    cpuS,
    deliveredPerCpuS: delivered / cpuS,
    cpuUsPerDelivery: (cpuS / delivered) * 1e6,
    processCpuS,
    windowS,
    drainS: lastAt > 0 ? Math.max(0, (lastAt - sent.sentAt.at(-1)!) / 1000) : NaN,
    upstreamCallsPerEvent: upstreamCalls / events,
    foreignCores,
  };
  const samples = Object.fromEntries(collected.map((t) => [t.transport, t.sample]));
  return { phase, samples, window: { fromUs, toUs } };
}

export interface TrialOutcome {
  result: FanoutServerResult;
  /** The first payload of the target phase, per transport (for the data check). */
  samples: Record<string, unknown>;
  /** The target phase's window on the monotonic clock (µs), to cut a CPU profile to it. */
  targetWindow: { fromUs: number; toUs: number };
}

export async function runTrial(
  id: FanoutServerId,
  upstream: Upstream,
  clients: FanoutClients,
  settings: FanoutSettings,
  log: (line: string) => void = console.log,
): Promise<TrialOutcome> {
  const server = await startFanoutServer(id, upstream, id === 'facade' ? settings.facadeExecArgv : []);
  const trial = new Trial(clients, server, upstream);
  const counts = { sse: settings.sse, ws: settings.ws };
  const subscribers = settings.sse + settings.ws;
  try {
    await trial.open({ sse: 1, ws: 1 });
    await trial.barrier('first');
    await trial.close();
    const fresh = await memoryOf(server);
    await trial.open(counts);
    await trial.barrier('pre');
    await trial.close();
    const cycled = await memoryOf(server);

    await control(upstream, 'POST', '/__bench/reset-counts');
    const subscribeS = await trial.open(counts);
    await trial.held(subscribers);
    const subscribeCalls = ((await control(upstream, 'GET', '/__bench/stats')) as { total: number }).total;
    await trial.barrier('ready');
    const idle = await memoryOf(server);
    log(
      `  ${LABELS[id]}: ${subscribers} subscribers open in ${subscribeS.toFixed(1)} s ` +
        `(${subscribeCalls} upstream calls); after a full GC, RSS / heap used: ${mb(fresh)} with none, ` +
        `${mb(cycled)} once all were opened and closed, ${mb(idle)} with all open`,
    );
    log(`    (heap total / external / array buffers MB: ${[fresh, cycled, idle].map(outside).join(', ')})`);
    if (settings.warmEvents > 0) {
      await trial.send('warm', settings.warmEvents, settings.spaced.rate * 5);
      await trial.barrier('sync', 60_000);
    }
    const context = { trial, server, upstream, clients, settings };
    const spaced = await measurePhase('spaced', context, settings.spaced.events, settings.spaced.rate);
    const target = await measurePhase('target', context, Math.round(settings.rate * settings.seconds), settings.rate);
    for (const { phase } of [spaced, target]) {
      const latency = phase.transports.map((t) => `${t.transport} p50 ${t.latencyMs.p50.toFixed(1)} p99 ${t.latencyMs.p99.toFixed(1)} ms`);
      log(
        `  ${LABELS[id]} ${phase.key.padEnd(6)} ${phase.rate}/s: ${phase.delivered}/${phase.expected} delivered, ` +
          `${latency.join(', ')}, ${phase.deliveredPerCpuS.toFixed(0)} deliveries per CPU s`,
      );
    }
    const result: FanoutServerResult = {
      server: id,
      label: LABELS[id],
      subscribers: counts,
      subscribe: { seconds: subscribeS, upstreamCallsPerSubscription: subscribeCalls / subscribers },
      memory: {
        fresh: { rssMB: fresh.rss / MB, heapMB: fresh.heapUsed / MB },
        cycled: { rssMB: cycled.rss / MB, heapMB: cycled.heapUsed / MB },
        idle: { rssMB: idle.rss / MB, heapMB: idle.heapUsed / MB },
        rssPerSubscriberKB: (idle.rss - fresh.rss) / subscribers / 1024,
        heapPerSubscriberKB: (idle.heapUsed - fresh.heapUsed) / subscribers / 1024,
        marginalRssPerSubscriberKB: (idle.rss - cycled.rss) / subscribers / 1024,
      },
      phases: [spaced.phase, target.phase],
    };
    return { result, samples: target.samples, targetWindow: target.window };
  } finally {
    // Bounded: a server still working off a backlog lets go of its subscribers late (or never).
    await trial.close().catch(() => {});
    await server.child.stop();
  }
}

/**
 * A payload as data to compare across servers and transports. Each server's event is its own
 * communication (created upstream for it), so what names it is checked and then replaced by
 * placeholders: the global id must be exactly the facade's encoding of it, and the cursor must
 * verify (signature, list: the bench conversation's communications) and name it. The facade's
 * live edges carry the page they were read on and the limit's none (found by id when used): both
 * resume right after the same communication. Everything else must be byte-for-byte the same.
 */
export function comparable(payload: unknown, conversationId: string): string {
  type Edge = { cursor?: unknown; node?: { id?: unknown; sid?: unknown } };
  const edge = (payload as { data?: { communicationAdded?: Edge } } | null)?.data?.communicationAdded;
  const sid = edge?.node?.sid;
  if (!edge || typeof sid !== 'string') return JSON.stringify(payload);
  const tag = scopeTag(JSON.stringify(['communications', conversationId, null]));
  let cursor: string;
  try {
    const names = codec.decode(tag, String(edge.cursor), 'after').id;
    cursor = names === sid ? '<a cursor after this communication>' : `<a cursor after another communication: ${names}>`;
  } catch (error) {
    cursor = `<a cursor that does not verify: ${(error as Error).message}>`;
  }
  const globalId = encodeNodeId('Communication', `${conversationId}/${sid}`);
  const id = edge.node!.id === globalId ? '<its global id>' : edge.node!.id;
  const node = { ...edge.node, id, sid: '<its sid>' };
  return JSON.stringify({ ...(payload as object), data: { communicationAdded: { ...edge, cursor, node } } });
}
