// Child processes and their cost, read from /proc (Linux): CPU time (utime + stime of the process
// and of any process it forked) and resident memory (VmRSS now, VmHWM the peak).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcSample {
  cpuS: number;
  rssBytes: number;
  hwmBytes: number;
}

function readStat(pid: number): { ppid: number; cpuTicks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start past the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function readMemory(pid: number): { rss: number; hwm: number } {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** The process and its descendants (a server that forks workers is measured whole). */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(name));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

export function sample(pid: number): ProcSample {
  let cpuTicks = 0;
  let rssBytes = 0;
  let hwmBytes = 0;
  for (const member of tree(pid)) {
    cpuTicks += readStat(member)?.cpuTicks ?? 0;
    const memory = readMemory(member);
    rssBytes += memory.rss;
    hwmBytes += memory.hwm;
  }
  return { cpuS: cpuTicks / CLOCK_TICKS, rssBytes, hwmBytes };
}

/** Busy CPU seconds of the whole machine (all cores) since boot, from /proc/stat. */
export function machineBusyS(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Samples RSS every `everyMs` and keeps the peak, for the processes being watched. */
export class RssWatcher {
  readonly #timer: NodeJS.Timeout;
  readonly peaks = new Map<string, number>();
  readonly #pids: Map<string, number>;

  constructor(pids: Map<string, number>, everyMs = 200) {
    this.#pids = pids;
    this.#timer = setInterval(() => this.poll(), everyMs);
    this.#timer.unref();
  }

  poll(): void {
    for (const [name, pid] of this.#pids) {
      const { rssBytes } = sample(pid);
      if (rssBytes > (this.peaks.get(name) ?? 0)) this.peaks.set(name, rssBytes);
    }
  }

  reset(): void {
    this.peaks.clear();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Ends every child this process started (each by its own pid), e.g. on SIGINT or a crash. */
export function stopAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function stopper(child: ChildProcess, graceful: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      graceful();
    });
}

/** A Node child (this same Node binary) with an IPC channel; resolves on its first `ready` message. */
export async function forkNode<T extends { type: string }>(
  name: string,
  modulePath: string,
  options: { env?: Record<string, string>; execArgv?: string[]; timeoutMs?: number; quiet?: boolean } = {},
): Promise<{ child: Child; ready: T }> {
  const child = fork(modulePath, [], {
    execPath: process.execPath,
    execArgv: options.execArgv ?? [],
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', options.quiet === false ? 'inherit' : 'ignore', 'pipe', 'ipc'],
  });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await new Promise<T>((resolve, reject) => {
    const late = () => reject(new Error(`${name} did not start in time:\n${stderr}`));
    const timer = setTimeout(late, options.timeoutMs ?? 30_000);
    child.on('message', (message: T) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  return {
    child: { name, process: child, pid: child.pid!, stop: stopper(child, () => child.disconnect()) },
    ready,
  };
}

/** A Node program run by its own CLI (no IPC); stopped with SIGTERM. */
export function spawnNode(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Child & { output: () => string } {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = stopper(child, () => child.kill('SIGTERM'));
  return { name, process: child, pid: child.pid!, stop, output: () => output };
}

/** Runs a Node program to completion; rejects with its output when it fails or overruns. */
export function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs: number, cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${script} exited with ${code}:\n${output.slice(-3000)}`));
    });
  });
}
