// The fan-out workload's processes, each its own child so the server's CPU, read from /proc, is the
// server's alone: the webhook generator (webhooks.ts), two subscriber processes (subscribers.ts: the
// SSE subscribers in one, the WebSocket ones in the other), and the server under test — the facade
// (bench/servers/facade.ts with live updates from webhooks, configured as an operator would) or the
// zero-framework broadcaster (bench/servers/fanout-limit.ts). The upstream is the bench's own.
import { join } from 'node:path';
import { PRODUCTION_NODE_FLAGS, ROOT } from '../files.ts';
import { forkNode, freePort, type Child } from '../lib/proc.ts';
import { rpc, type Rpc } from '../lib/rpc.ts';
import type { Upstream } from '../world.ts';
import { FANOUT_WEBHOOK_TOKEN, WEBHOOK_PATH, type Transport } from './shared.ts';

export const LABELS = { facade: 'this facade', limit: 'zero-framework limit' } as const;
export type FanoutServerId = keyof typeof LABELS;

/** The generator and the two subscriber processes, started once and shared by the trials. */
export interface FanoutClients {
  webhooks: Rpc;
  subscribers: Record<Transport, Rpc>;
  conversationId: string;
  pids(): number[];
  /** The generator's and the subscriber processes' pids by name. */
  named(): Record<'webhooks' | Transport, number>;
  stop(): Promise<void>;
}

export async function startFanoutClients(upstream: Upstream): Promise<FanoutClients> {
  const fork = async (name: string, file: string) => rpc((await forkNode(name, join(ROOT, 'bench', 'fanout', file))).child);
  const [webhooks, sse, ws] = await Promise.all([
    fork('fanout-webhooks', 'webhooks.ts'),
    fork('fanout-sse', 'subscribers.ts'),
    fork('fanout-ws', 'subscribers.ts'),
  ]);
  const all = [webhooks, sse, ws];
  return {
    webhooks,
    subscribers: { sse, ws },
    conversationId: upstream.conversationId,
    pids: () => all.map((p) => p.child.pid),
    named: () => ({ webhooks: webhooks.child.pid, sse: sse.child.pid, ws: ws.child.pid }),
    async stop() {
      for (const process of all) await process.child.stop();
    },
  };
}

export interface FanoutServer {
  id: FanoutServerId;
  child: Child;
  /** Its /graphql URL. */
  url: string;
  /** Where webhooks are posted and what they are signed for: PUBLIC_URL + /webhooks/conversations. */
  webhookUrl: string;
}

export async function startFanoutServer(id: FanoutServerId, upstream: Upstream, execArgv: string[] = []): Promise<FanoutServer> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  // Both servers run with the allocator setting of the production image (Dockerfile: MALLOC_ARENA_MAX).
  const env: Record<string, string> = { BENCH_UPSTREAM_URL: upstream.url, BENCH_PORT: String(port), MALLOC_ARENA_MAX: '2' };
  if (id === 'facade') {
    // As an operator configures webhooks. One credential opens all the subscribers, so the
    // per-caller limit (default 1000) is raised above the workload's 2000; nothing else changes.
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
  const { child, ready } = await forkNode<{ type: string; url: string }>(`fanout-${id}`, script, {
    env,
    // And with the V8 flags of the production image (Dockerfile CMD, npm start: --no-maglev).
    execArgv: ['--expose-gc', ...PRODUCTION_NODE_FLAGS, ...execArgv],
  });
  return { id, child, url: ready.url, webhookUrl: publicUrl + WEBHOOK_PATH };
}

/** Asks the server (over IPC) for a message of `type` and waits (bounded) for its answer. */
function ask<T>(server: FanoutServer, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.child.process.off('message', onMessage);
      reject(new Error(`${server.child.name} did not answer ${type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      clearTimeout(timer);
      server.child.process.off('message', onMessage);
      resolve(message as T);
    };
    server.child.process.on('message', onMessage);
    server.child.process.send({ type });
  });
}

/** The server's memory after a forced full GC (it runs with --expose-gc). */
export const memoryOf = (server: FanoutServer) => ask<NodeJS.MemoryUsage>(server, 'heap');

/** Subscriptions the server holds (the facade: its bus listeners). */
export const subscribersOf = async (server: FanoutServer, timeoutMs?: number) =>
  (await ask<{ subscribers: number }>(server, 'stats', timeoutMs)).subscribers;
