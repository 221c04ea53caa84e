// The machine a run measured on (cores, CPU, memory, Node, kernel, commit, package versions),
// recorded in latest.json and printed in BENCHMARKS.md: numbers mean little without it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Machine } from './types.ts';

const PACKAGES = [
  'graphql',
  'graphql-yoga',
  '@pothos/core',
  'dataloader',
  'undici',
  'zod',
  '@graphql-hive/gateway',
  '@graphql-mesh/compose-cli',
  '@omnigraph/openapi',
];

function versionOf(root: string, pkg: string): string {
  try {
    const manifest = readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8');
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** The short commit, marked when src/ has uncommitted changes (what was measured is not that commit). */
function commitOf(root: string): string {
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) commit += ' + uncommitted changes in src/';
  } catch {
    // not a git checkout
  }
  return commit;
}

export function machineInfo(root: string): Machine {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    nproc: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    commit: commitOf(root),
    versions: Object.fromEntries(PACKAGES.map((pkg) => [pkg, versionOf(root, pkg)])),
  };
}
