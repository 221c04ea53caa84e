// The processes of a run, each its own child: the upstream (bench/upstream.ts), the load generator
// (bench/loadgen.ts, driven over IPC) and the servers under test (bench/servers/*, and GraphQL Mesh
// composed and served by its own CLIs). Started together as a World, stopped together.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS } from './contestants.ts';
import { OPENAPI, OUT, PRODUCTION_NODE_FLAGS, ROOT } from './files.ts';
import { forkNode, freePort, runNode, spawnNode, type Child } from './lib/proc.ts';
import { rpc } from './lib/rpc.ts';
import type { PhaseRequest, PhaseResult, Target } from './loadgen.ts';
import { AUTHORIZATION, directPaths, graphqlBody, type ContestantId, type Workload } from './workload.ts';

export interface Upstream {
  child: Child;
  url: string;
  conversationId: string;
}

export interface Server {
  id: ContestantId;
  /** Null for direct REST: the load generator calls the upstream itself. */
  child: Child | null;
  url: string;
}

export interface LoadGen {
  child: Child;
  run(phase: PhaseRequest): Promise<PhaseResult>;
}

export interface World {
  upstream: Upstream;
  loadgen: LoadGen;
  servers: Server[];
}

export interface WorldOptions {
  /** The contestants to start (all four when absent). */
  only?: ContestantId[] | undefined;
  /** taskset: servers under test on CPU 1, the upstream and the load generator on CPU 0. */
  pin?: boolean;
  /** Node flags for a server's process (--cpu-prof, --expose-gc). */
  execArgv?: Partial<Record<'limit' | 'facade', string[]>>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bin(name: string): string {
  return realpathSync(join(ROOT, 'node_modules', '.bin', name));
}

function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

export async function startUpstream(): Promise<Upstream> {
  const { child, ready } = await forkNode<{ type: string; url: string; conversationId: string }>(
    'upstream',
    join(ROOT, 'bench', 'upstream.ts'),
  );
  return { child, url: ready.url, conversationId: ready.conversationId };
}

/** The upstream's /__bench control endpoints: call counts, latency. */
export async function control(upstream: Upstream, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${upstream.url}${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return response.json();
}

export async function setLatency(upstream: Upstream, latencyMs: number, jitterMs: number): Promise<void> {
  await control(upstream, 'PUT', '/__bench/latency', { latencyMs, jitterMs });
}

async function composeMesh(upstreamUrl: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const output = join(OUT, 'supergraph.graphql');
  rmSync(output, { force: true });
  await runNode(
    bin('mesh-compose'),
    ['-c', join('bench', 'mesh', 'mesh.config.ts'), '-o', output],
    { BENCH_UPSTREAM_URL: upstreamUrl, BENCH_OPENAPI_PATH: OPENAPI },
    120_000,
    ROOT,
  );
  if (!existsSync(output)) throw new Error('mesh-compose wrote no supergraph');
  return output;
}

async function waitForGraphql(url: string, body: string, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const headers = { 'content-type': 'application/json', authorization: AUTHORIZATION };
      const response = await fetch(url, { method: 'POST', headers, body });
      last = await response.text();
      if (response.status === 200 && !last.includes('"errors"')) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(250);
  }
  throw new Error(`no good answer from ${url} in time; last: ${last.slice(0, 500)}\n${describe()}`);
}

async function startMesh(supergraph: string, conversationId: string): Promise<Server> {
  const port = await freePort();
  const args = ['supergraph', supergraph, '--host', '127.0.0.1', '--port', String(port), '--fork', '1'];
  // The gateway's own logs would only cost it time; errors still show in the answers.
  const child = spawnNode('mesh', bin('hive-gateway'), args, { LOG_LEVEL: 'error' });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForGraphql(url, graphqlBody('mesh', 'page', conversationId), 60_000, child.output);
  return { id: 'mesh', child, url };
}

/** The zero-framework limit or the facade (bench/servers/<id>.ts) against the upstream. */
export async function startGraphqlServer(
  id: 'limit' | 'facade',
  upstream: Upstream,
  execArgv: string[] = [],
  env: Record<string, string> = {},
): Promise<Server> {
  const script = join(ROOT, 'bench', 'servers', `${id}.ts`);
  const { child, ready } = await forkNode<{ type: string; url: string }>(id, script, {
    env: { BENCH_UPSTREAM_URL: upstream.url, ...env },
    execArgv: [...PRODUCTION_NODE_FLAGS, ...execArgv],
  });
  return { id, child, url: ready.url };
}

async function startLoadGen(): Promise<LoadGen> {
  const { child } = await forkNode('loadgen', join(ROOT, 'bench', 'loadgen.ts'));
  const loadgen = rpc(child);
  return { child, run: (phase) => loadgen.call<PhaseResult>({ type: 'phase', phase }) };
}

/** What the load generator sends to a contestant for a workload. */
export function targetFor(server: Server, workload: Workload, upstream: Upstream): Target {
  const headers = { authorization: AUTHORIZATION };
  if (server.id === 'direct') {
    const paths = directPaths(upstream.conversationId, workload === 'authors');
    return { kind: 'rest', origin: upstream.url, paths, headers };
  }
  return { kind: 'graphql', url: server.url, body: graphqlBody(server.id, workload, upstream.conversationId), headers };
}

/**
 * Mesh needs the OpenAPI document from ../shared. Without it a contributor outside CI still gets
 * the other three contestants, with one line saying why Mesh is missing; CI always has ../shared,
 * so there its absence is an error.
 */
function meshAvailable(): boolean {
  if (existsSync(OPENAPI)) return true;
  const why = `${OPENAPI} not found (the OpenAPI document GraphQL Mesh is composed from; see README › Working on it)`;
  if (process.env.CI) throw new Error(`GraphQL Mesh cannot run: ${why}`);
  console.log(`skipping ${LABELS.mesh}: ${why}`);
  return false;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const t0 = Date.now();
  const upstream = await startUpstream();
  const loadgen = await startLoadGen();
  const want = (id: ContestantId) => !options.only || options.only.includes(id);
  const servers: Server[] = [];
  if (want('direct')) servers.push({ id: 'direct', child: null, url: upstream.url });
  if (want('limit')) servers.push(await startGraphqlServer('limit', upstream, options.execArgv?.limit));
  if (want('facade')) servers.push(await startGraphqlServer('facade', upstream, options.execArgv?.facade));
  if (want('mesh') && meshAvailable()) {
    process.stdout.write('composing the Mesh supergraph (mesh-compose)… ');
    const supergraph = await composeMesh(upstream.url);
    servers.push(await startMesh(supergraph, upstream.conversationId));
    console.log('done');
  }
  if (options.pin) {
    for (const server of servers) if (server.child) pin(server.child.pid, 1);
    pin(upstream.child.pid, 0);
    pin(loadgen.child.pid, 0);
  }
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`started upstream, load generator and ${servers.length - 1} servers in ${took} s`);
  return { upstream, loadgen, servers };
}

export async function stopWorld(world: World): Promise<void> {
  for (const server of world.servers) await server.child?.stop();
  await world.loadgen.child.stop();
  await world.upstream.child.stop();
}

/** Load on every server, both workloads, at 0 ms upstream; returns how many requests each answered. */
export async function warmUp(world: World, ms: number): Promise<Map<ContestantId, number>> {
  await setLatency(world.upstream, 0, 0);
  const answered = new Map<ContestantId, number>();
  for (const server of world.servers) {
    for (const workload of ['page', 'authors'] as Workload[]) {
      const result = await world.loadgen.run({
        target: targetFor(server, workload, world.upstream),
        mode: 'closed',
        concurrency: 16,
        durationMs: workload === 'page' ? ms : ms / 2,
      });
      answered.set(server.id, (answered.get(server.id) ?? 0) + result.completed + result.errors);
    }
  }
  return answered;
}
