// `npm run bench -- --smoke`: every contestant of the benchmark (direct REST, the zero-framework
// limit, this facade, GraphQL Mesh) starts and returns the same data, and the live-updates fan-out
// runs in miniature (20 SSE + 20 WebSocket subscribers: every event delivered once, the facade's data
// equal to the zero-framework broadcaster's), so the benchmark cannot rot unnoticed between full
// runs. (The full benchmark is not part of the tests: `npm run bench`.)
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the benchmark', () => {
  it('smoke run: all four contestants answer the same 50 communications; the fan-out delivers every event once', () => {
    const result = spawnSync(new URL('../node_modules/.bin/node', import.meta.url).pathname, ['bench/run.ts', '--smoke'], {
      cwd: new URL('..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 150_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/smoke passed/);
  }, 180_000);
});
