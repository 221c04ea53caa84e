// Where the bench reads and writes: the repository, the gitignored scratch directory, the results
// the report is made from, and the upstream's OpenAPI document (GraphQL Mesh is composed from it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProfileSummary } from './profile.ts';
import type { FanoutResult, OtelResult, RunResults, SoakResult } from './report/types.ts';

export const ROOT = resolve(import.meta.dirname, '..');
/** Scratch (gitignored): the Mesh supergraph, CPU profiles. */
export const OUT = join(ROOT, 'bench', '.out');

/** The Node flags the service runs with in production: those of `npm start` (the Dockerfile's CMD has the same, a test checks). */
export const PRODUCTION_NODE_FLAGS: string[] = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((argument) => argument.startsWith('--'));
export const RESULTS = join(ROOT, 'bench', 'results');
/**
 * Twilio's OpenAPI document, from ../shared (reference material every developer and CI run has
 * next to the repository; see the README). BENCH_OPENAPI_PATH points elsewhere.
 */
export const OPENAPI = process.env.BENCH_OPENAPI_PATH ?? resolve(ROOT, '..', 'shared', 'upstream', 'conversations-v2.openapi.json');

export function readResult<T>(name: string): T | null {
  const path = join(RESULTS, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;
}

export function writeResult(name: string, value: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, name), `${JSON.stringify(value, null, 2)}\n`);
}

export interface SideResults {
  soak: SoakResult | null;
  profile: ProfileSummary | null;
  otel: OtelResult | null;
  fanout: FanoutResult | null;
}

/** What BENCHMARKS.md is made of besides the full run's latest.json: the latest soak, profile, otel and fan-out runs. */
export function readSideResults(): SideResults {
  return {
    soak: readResult<SoakResult>('soak.json'),
    profile: readResult<ProfileSummary>('profile.json'),
    otel: readResult<OtelResult>('otel.json'),
    fanout: readResult<FanoutResult>('fanout.json'),
  };
}

export const readLatest = () => readResult<RunResults>('latest.json');
