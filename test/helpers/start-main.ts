// Runs `node src/main.ts` (what `npm start` runs) to completion with only the given environment,
// for the tests of start-up refusals: a bad setting must stop the process in one line.
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';

const ROOT = new URL('../..', import.meta.url).pathname;
const NODE = new URL('../../node_modules/.bin/node', import.meta.url).pathname;

export function startMainWith(env: Record<string, string>, timeoutMs = 20_000): SpawnSyncReturns<string> {
  return spawnSync(NODE, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}
