// The fan-out workload (issue 11 item 10), run against one server at a time: N SSE and M WebSocket
// subscribers on the bench conversation, signed COMMUNICATION_CREATED webhooks at a fixed rate, and
// what it cost. Processes: the upstream (bench/upstream.ts, shared with the rest of the bench), the
// server under test (the facade, bench/servers/facade.ts with live updates from webhooks, or the
// zero-framework limit, bench/servers/fanout-limit.ts), the webhook generator (webhooks.ts) and two
// subscriber processes (subscribers.ts: SSE in one, WebSocket in the other), so the server's CPU,
// read from /proc, is its own.
//
// One trial: start the server → warm its code paths with 2 subscribers → full GC, memory with no
// subscriber → open the subscribers → a barrier (webhooks until every subscriber got one) → full
// GC, memory with every subscriber idle → a warm-up load and a barrier → the measured load →
// wait until every delivery arrived (or stopped arriving) → collect → close → stop the server.
import { join } from 'node:path';
import { ROOT } from '../files.ts';
import { forkNode, freePort, machineBusyS, sample, type Child } from '../lib/proc.ts';
import { waitForQuiet } from '../measure.ts';
import type { FanoutServerResult } from '../report/types.ts';
import { control, sleep, type Upstream } from '../world.ts';
import { AUTHORIZATION } from '../workload.ts';
import {
  FANOUT_WEBHOOK_TOKEN,
  WEBHOOK_PATH,
  type OpenRequest,
  type OpenResult,
  type SendRequest,
  type SendResult,
  type SubscriberStatus,
  type Transport,
  type TransportResult,
} from './shared.ts';

export interface FanoutSettings {
  sse: number;
  ws: number;
  /** Webhooks per second. */
  rate: number;
  /** Length of the measured load. */
  seconds: number;
  /** Length of the warm-up load (same rate). */
  warmSeconds: number;
  /** Wait for the machine to be quiet before measuring (the full mode; not the smoke). */
  waitForQuiet: boolean;
}

export const LABELS = { facade: 'this facade', limit: 'zero-framework limit' } as const;
export type FanoutServerId = keyof typeof LABELS;

/** A child process that answers `{type, id, …}` commands with `{type: 'result', id, result | error}`. */
export interface Rpc {
  child: Child;
  call<T>(message: Record<string, unknown>): Promise<T>;
}

function rpc(child: Child): Rpc {
  let next = 0;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  child.process.on('message', (message: { type?: string; id: number; result?: unknown; error?: string }) => {
    if (message?.type !== 'result') return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${child.name}: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  child.process.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${child.name} exited (${code})`));
    pending.clear();
  });
  return {
    child,
    call<T>(message: Record<string, unknown>) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.process.send({ ...message, id });
      });
    },
  };
}

/** The generator and the two subscriber processes, started once and shared by the trials. */
export interface FanoutClients {
  webhooks: Rpc;
  subscribers: Record<Transport, Rpc>;
  /** A communication of the bench conversation, the template of every webhook's data. */
  template: Record<string, unknown>;
  conversationId: string;
  stop(): Promise<void>;
}

export async function startFanoutClients(upstream: Upstream): Promise<FanoutClients> {
  const fork = async (name: string, file: string) => rpc((await forkNode(name, join(ROOT, 'bench', 'fanout', file))).child);
  const [webhooks, sse, ws] = await Promise.all([
    fork('fanout-webhooks', 'webhooks.ts'),
    fork('fanout-sse', 'subscribers.ts'),
    fork('fanout-ws', 'subscribers.ts'),
  ]);
  const response = await fetch(`${upstream.url}/v2/Conversations/${upstream.conversationId}/Communications?pageSize=1`, {
    headers: { authorization: AUTHORIZATION },
  });
  const template = ((await response.json()) as { communications: Record<string, unknown>[] }).communications[0];
  if (!template) throw new Error('the bench conversation has no communication to use as a template');
  return {
    webhooks,
    subscribers: { sse, ws },
    template,
    conversationId: upstream.conversationId,
    async stop() {
      for (const process of [webhooks, sse, ws]) await process.child.stop();
    },
  };
}

interface FanoutServer {
  id: FanoutServerId;
  child: Child;
  url: string;
  webhookUrl: string;
}

async function startServer(id: FanoutServerId, upstream: Upstream): Promise<FanoutServer> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { BENCH_UPSTREAM_URL: upstream.url, BENCH_PORT: String(port) };
  if (id === 'facade') {
    // As an operator would configure it for webhooks. One credential opens all the subscribers, so
    // the per-caller limit (default 1000) is raised above the workload's 2000.
    env.BENCH_FACADE_CONFIG = JSON.stringify({
      PUBLIC_URL: publicUrl,
      WEBHOOK_AUTH_TOKEN: FANOUT_WEBHOOK_TOKEN,
      LIVE_SOURCE: 'webhook',
      MAX_SUBSCRIPTIONS_PER_CALLER: '10000',
    });
  } else {
    env.BENCH_PUBLIC_URL = publicUrl;
  }
  const script = join(ROOT, 'bench', 'servers', id === 'facade' ? 'facade.ts' : 'fanout-limit.ts');
  const { child, ready } = await forkNode<{ type: string; url: string }>(`fanout-${id}`, script, { env, execArgv: ['--expose-gc'] });
  return { id, child, url: ready.url, webhookUrl: publicUrl + WEBHOOK_PATH };
}

/** The server's memory after a forced full GC (it runs with --expose-gc). */
function memoryOf(server: FanoutServer): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; rss: number; heapUsed: number }) => {
      if (message?.type !== 'heap') return;
      server.child.process.off('message', onMessage);
      resolve(message);
    };
    server.child.process.on('message', onMessage);
    server.child.process.send({ type: 'heap' });
  });
}

const TRANSPORTS: Transport[] = ['sse', 'ws'];

class Trial {
  readonly #clients: FanoutClients;
  readonly #server: FanoutServer;
  /** Per tag, the next event's seq: a batch's events are 0 … n-1, each its own communication. */
  readonly #nextSeq = new Map<string, number>();

  constructor(clients: FanoutClients, server: FanoutServer) {
    this.#clients = clients;
    this.#server = server;
  }

  send(tag: string, count: number, rate: number): Promise<SendResult> {
    const startSeq = this.#nextSeq.get(tag) ?? 0;
    this.#nextSeq.set(tag, startSeq + count);
    const request: SendRequest = { url: this.#server.webhookUrl, template: this.#clients.template, tag, startSeq, count, rate };
    return this.#clients.webhooks.call<SendResult>({ type: 'send', request });
  }

  async open(counts: Record<Transport, number>): Promise<OpenResult[]> {
    return Promise.all(
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
  }

  status(tag: string): Promise<SubscriberStatus[]> {
    return Promise.all(TRANSPORTS.map((t) => this.#clients.subscribers[t].call<SubscriberStatus>({ type: 'status', tag })));
  }

  /** Webhooks tagged `tag`, a few a second, until every subscriber has received one (bounded). */
  async barrier(tag: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: SubscriberStatus[] = [];
    while (Date.now() < deadline) {
      const sent = await this.send(tag, 1, 1);
      if (sent.accepted !== 1) throw new Error(`barrier webhook refused: ${sent.firstError}`);
      for (let poll = 0; poll < 10; poll++) {
        last = await this.status(tag);
        if (last.every((s) => s.reached === s.subscribers)) return;
        await sleep(50);
      }
    }
    const reached = last.map((s) => `${s.reached}/${s.subscribers}`).join(', ');
    throw new Error(`barrier ${tag}: not every subscriber received an event in time (${reached}); ${last.find((s) => s.firstError)?.firstError ?? ''}`);
  }

  /** Until every measured delivery arrived, or none arrived for 5 s (bounded: 60 s); the time of the last progress. */
  async drain(expected: number): Promise<{ at: number; received: number }> {
    const deadline = Date.now() + 60_000;
    let received = -1;
    let progressAt = performance.now();
    while (Date.now() < deadline) {
      const now = (await this.status('')).reduce((sum, s) => sum + s.measuredReceived, 0);
      if (now !== received) {
        received = now;
        progressAt = performance.now();
      }
      if (received >= expected || performance.now() - progressAt > 5000) break;
      await sleep(100);
    }
    return { at: progressAt, received };
  }

  async close(): Promise<void> {
    await Promise.all(TRANSPORTS.map((t) => this.#clients.subscribers[t].call({ type: 'close' })));
  }
}

const MB = 2 ** 20;

export async function runTrial(
  id: FanoutServerId,
  upstream: Upstream,
  clients: FanoutClients,
  settings: FanoutSettings,
  log: (line: string) => void = console.log,
): Promise<{ result: FanoutServerResult; samples: Record<Transport, unknown> }> {
  const server = await startServer(id, upstream);
  const trial = new Trial(clients, server);
  try {
    // Load the delivery path's code with two subscribers, so the baseline below holds it already.
    await trial.open({ sse: 1, ws: 1 });
    await trial.barrier('pre');
    await trial.close();
    const baseline = await memoryOf(server);

    await control(upstream, 'POST', '/__bench/reset-counts');
    const opened = await trial.open({ sse: settings.sse, ws: settings.ws });
    const openFailed = opened.reduce((sum, o) => sum + o.failed, 0);
    const openError = opened.find((o) => o.firstError)?.firstError;
    if (openFailed) throw new Error(`${openFailed} subscriptions failed to open on the ${LABELS[id]}: ${openError}`);
    const subscribeSeconds = Math.max(...opened.map((o) => o.elapsedS));
    await trial.barrier('ready');
    const subscribeCalls = ((await control(upstream, 'GET', '/__bench/stats')) as { total: number }).total;
    const idle = await memoryOf(server);
    const subscribers = settings.sse + settings.ws;
    log(
      `  ${LABELS[id]}: ${subscribers} subscribers open in ${subscribeSeconds.toFixed(1)} s ` +
        `(${subscribeCalls} upstream calls); RSS ${(baseline.rss / MB).toFixed(1)} → ${(idle.rss / MB).toFixed(1)} MB`,
    );

    if (settings.warmSeconds > 0) {
      await trial.send('warm', Math.round(settings.rate * settings.warmSeconds), settings.rate);
      await trial.barrier('sync', 60_000);
    }

    const events = Math.round(settings.rate * settings.seconds);
    const expected = events * subscribers;
    await Promise.all(TRANSPORTS.map((t) => clients.subscribers[t].call({ type: 'measure', tag: 'run', count: events })));
    const everyone = [server.child.pid, upstream.child.pid, process.pid, clients.webhooks.child.pid, ...TRANSPORTS.map((t) => clients.subscribers[t].child.pid)];
    if (settings.waitForQuiet) await waitForQuiet(everyone);
    await control(upstream, 'POST', '/__bench/reset-counts');
    const ours = () => everyone.reduce((sum, pid) => sum + sample(pid).cpuS, 0);
    const cpu0 = sample(server.child.pid).cpuS;
    const ours0 = ours();
    const machine0 = machineBusyS();
    const t0 = performance.now();
    const sent = await trial.send('run', events, settings.rate);
    const sentAt = performance.now();
    const drained = await trial.drain(expected);
    const cpuS = sample(server.child.pid).cpuS - cpu0;
    const windowS = (performance.now() - t0) / 1000;
    const foreignCores = Math.max(0, (machineBusyS() - machine0 - (ours() - ours0)) / windowS);
    const eventCalls = ((await control(upstream, 'GET', '/__bench/stats')) as { total: number }).total;
    const transports = (await Promise.all(TRANSPORTS.map((t) => clients.subscribers[t].call<TransportResult[]>({ type: 'collect' })))).flat();
    const delivered = transports.reduce((sum, t) => sum + t.delivered, 0);
    const result: FanoutServerResult = {
      server: id,
      label: LABELS[id],
      subscribers: { sse: settings.sse, ws: settings.ws },
      subscribe: {
        seconds: subscribeSeconds,
        failed: openFailed,
        ...(openError !== undefined && { firstError: openError }),
        upstreamCallsPerSubscription: subscribeCalls / subscribers,
      },
      webhooks: {
        sent: sent.sent,
        accepted: sent.accepted,
        failed: sent.failed,
        ...(sent.firstError !== undefined && { firstError: sent.firstError }),
        answerP50: sent.answerMs.p50,
        answerP99: sent.answerMs.p99,
      },
      transports: transports.map(({ sample: _sample, ended: _ended, ...rest }) => rest),
      expected,
      delivered,
      cpuS,
      deliveredPerCpuS: delivered / cpuS,
      cpuUsPerDelivery: (cpuS / delivered) * 1e6,
      drainS: Math.max(0, (drained.at - sentAt) / 1000),
      upstreamCallsPerEvent: eventCalls / events,
      memory: {
        baselineRssMB: baseline.rss / MB,
        idleRssMB: idle.rss / MB,
        rssPerSubscriberKB: (idle.rss - baseline.rss) / subscribers / 1024,
        heapPerSubscriberKB: (idle.heapUsed - baseline.heapUsed) / subscribers / 1024,
      },
      foreignCores,
    };
    const samples = Object.fromEntries(transports.map((t) => [t.transport, t.sample])) as Record<Transport, unknown>;
    return { result, samples };
  } finally {
    await trial.close().catch(() => {});
    await server.child.stop();
  }
}

/** A payload with the send time taken out of its text, so two servers' payloads for the same event compare equal. */
export function comparable(payload: unknown): string {
  return JSON.stringify(payload).replace(/(fanout \S+ \d+) \d+(\.\d+)?/g, '$1 <sentAt>');
}
