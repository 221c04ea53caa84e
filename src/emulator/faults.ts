// Fault injection for the facade's tests and benchmarks. Standing faults (latency, error rates) are
// drawn for every /v2 request; scripted faults wait in a queue and are used up in order by the requests
// they match, for deterministic tests. This module only decides which fault a request gets;
// delivery.ts carries it out.
import { z } from 'zod';
import { globMatches } from './path-glob.ts';
import { seededRandom, type Random } from './prng.ts';

export type InjectedStatus = 429 | 500 | 502 | 503 | 504;

/** Standing faults. Rates are probabilities from 0 to 1; their sum must not exceed 1. */
export interface FaultConfig {
  latencyMs?: number;
  /** Latency is uniform in [latencyMs - jitterMs, latencyMs + jitterMs], never below 0. */
  jitterMs?: number;
  errorRates?: Partial<Record<InjectedStatus, number>>;
  /** Sent as Retry-After on injected error statuses. */
  retryAfterSeconds?: number;
  hangRate?: number;
  resetRate?: number;
  malformedRate?: number;
  /** Makes the draws repeat exactly from one run to the next. */
  seed?: number;
}

export type FaultAction =
  /** That status with a Twilio-shaped body (or `body`: a string is sent verbatim as text/plain, anything else as JSON). */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: unknown }
  /** Accepts the request and never answers, until the client gives up or the emulator closes. */
  | { kind: 'hang' }
  /** Resets the connection before any response. */
  | { kind: 'reset' }
  /** Sends the real status, headers and part of the real body, then resets the connection. */
  | { kind: 'resetMidBody' }
  /** 200 application/json whose body is not JSON. */
  | { kind: 'malformed' }
  /** 200 valid JSON matching no response schema of the document. */
  | { kind: 'wrongShape' }
  /** The real response with headers at once and the body in small chunks (`chunkBytes`, default 64). */
  | { kind: 'slowBody'; chunkDelayMs: number; chunkBytes?: number }
  /** 200 JSON body of exactly `bytes` bytes, streamed without Content-Length. */
  | { kind: 'oversized'; bytes: number }
  /** The real response, `ms` later (the operation itself happens at once). */
  | { kind: 'delay'; ms: number }
  /** The real list page, but its nextToken leads back to the first page (valid for the same pageSize and filters). */
  | { kind: 'cycleTokens' };

export interface FaultMatch {
  method?: string;
  /**
   * A glob for the request path (no query): `*` matches any run of characters, `/` included; every
   * other character matches itself, so a pattern without `*` is the exact path. Not a regular
   * expression: a pattern like `(a+)+$` could backtrack for seconds and freeze the whole process
   * (facade included, when embedded), and a glob cannot.
   */
  path?: string;
}

export type ScriptedFault = { match?: FaultMatch /** default 1 */; times?: number } & FaultAction;

export interface FaultController {
  /** Replaces the standing faults (`{}` for none). Throws a TypeError for an invalid config. */
  set(config: FaultConfig): void;
  /** Queues a scripted fault. Throws a TypeError for an invalid fault. */
  enqueue(fault: ScriptedFault): void;
  /** Removes the standing faults and every queued one. */
  clear(): void;
  /** How many more requests queued faults will still answer. */
  pending(): number;
}

/** What to do with one request. */
export interface FaultPlan {
  latencyMs: number;
  action?: FaultAction;
}

const rate = z.number().min(0).max(1);
const nonNegative = z.number().finite().min(0);

const faultConfigSchema = z
  .object({
    latencyMs: nonNegative.optional(),
    jitterMs: nonNegative.optional(),
    errorRates: z.object({ 429: rate, 500: rate, 502: rate, 503: rate, 504: rate }).partial().strict().optional(),
    retryAfterSeconds: nonNegative.optional(),
    hangRate: rate.optional(),
    resetRate: rate.optional(),
    malformedRate: rate.optional(),
    seed: z.number().int().optional(),
  })
  .strict()
  .refine((config) => standingOdds(config).reduce((sum, [odds]) => sum + odds, 0) <= 1 + 1e-9, 'the rates add up to more than 1');

/** Scripted faults waiting at once (each may answer `times` requests): the control endpoint cannot grow it without end. */
export const MAX_QUEUED_FAULTS = 100;
/** Longest `match.path`: paths of the API are far shorter, and matching stays cheap. */
export const MAX_PATH_PATTERN_LENGTH = 256;
/** Regular-expression syntax that a path never contains: a pattern with it was meant as a regex. */
const REGEX_SYNTAX = /[\\^$()[\]{}+?|]/;

const pathPattern = z
  .string()
  .min(1)
  .max(MAX_PATH_PATTERN_LENGTH)
  .refine((pattern) => !REGEX_SYNTAX.test(pattern), "must be a path glob ('*' matches any characters), not a regular expression");
const matchSchema = z.object({ method: z.string().max(16).optional(), path: pathPattern.optional() }).strict();
const common = { match: matchSchema.optional(), times: z.number().int().min(1).optional() };

const scriptedFaultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      ...common,
      kind: z.literal('status'),
      status: z.number().int().min(100).max(599),
      retryAfter: z.union([z.number(), z.string()]).optional(),
      body: z.unknown().optional(),
    })
    .strict(),
  z.object({ ...common, kind: z.literal('hang') }).strict(),
  z.object({ ...common, kind: z.literal('reset') }).strict(),
  z.object({ ...common, kind: z.literal('resetMidBody') }).strict(),
  z.object({ ...common, kind: z.literal('malformed') }).strict(),
  z.object({ ...common, kind: z.literal('wrongShape') }).strict(),
  z.object({ ...common, kind: z.literal('slowBody'), chunkDelayMs: nonNegative, chunkBytes: z.number().int().min(1).optional() }).strict(),
  z.object({ ...common, kind: z.literal('oversized'), bytes: z.number().int().min(2) }).strict(),
  z.object({ ...common, kind: z.literal('delay'), ms: nonNegative }).strict(),
  z.object({ ...common, kind: z.literal('cycleTokens') }).strict(),
]);

/** The standing faults as (probability, action) pairs, in a fixed order so seeded draws repeat. */
function standingOdds(config: FaultConfig): [number, FaultAction][] {
  const odds: [number, FaultAction][] = [];
  for (const [status, p] of Object.entries(config.errorRates ?? {})) {
    const action: FaultAction = { kind: 'status', status: Number(status) };
    if (config.retryAfterSeconds !== undefined) action.retryAfter = config.retryAfterSeconds;
    odds.push([p ?? 0, action]);
  }
  odds.push(
    [config.hangRate ?? 0, { kind: 'hang' }],
    [config.resetRate ?? 0, { kind: 'reset' }],
    [config.malformedRate ?? 0, { kind: 'malformed' }],
  );
  return odds.filter(([p]) => p > 0);
}

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new TypeError(`Invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

function matches(match: FaultMatch | undefined, method: string, path: string): boolean {
  if (match?.method !== undefined && match.method.toUpperCase() !== method) return false;
  return match?.path === undefined || globMatches(match.path, path);
}

interface Queued {
  fault: ScriptedFault;
  remaining: number;
}

export class Faults implements FaultController {
  #config: FaultConfig = {};
  #odds: [number, FaultAction][] = [];
  #random: Random = Math.random;
  #queue: Queued[] = [];

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  set(config: FaultConfig): void {
    this.#config = validate(faultConfigSchema, config, 'FaultConfig');
    this.#odds = standingOdds(this.#config);
    this.#random = this.#config.seed === undefined ? Math.random : seededRandom(this.#config.seed);
  }

  enqueue(fault: ScriptedFault): void {
    validate(scriptedFaultSchema, fault, 'scripted fault');
    if (this.#queue.length >= MAX_QUEUED_FAULTS) throw new TypeError(`Invalid scripted fault: ${MAX_QUEUED_FAULTS} are already queued`);
    this.#queue.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.set({});
    this.#queue = [];
  }

  pending(): number {
    return this.#queue.reduce((sum, queued) => sum + queued.remaining, 0);
  }

  /** Decides the fault for one request, using up a scripted one if it matches. */
  plan(method: string, path: string): FaultPlan {
    const plan: FaultPlan = { latencyMs: this.#latency() };
    const action = this.#takeScripted(method, path) ?? this.#drawStanding();
    if (action) plan.action = action;
    return plan;
  }

  #latency(): number {
    const { latencyMs = 0, jitterMs = 0 } = this.#config;
    if (jitterMs === 0) return latencyMs;
    return Math.max(0, latencyMs - jitterMs + this.#random() * 2 * jitterMs);
  }

  #takeScripted(method: string, path: string): FaultAction | undefined {
    const index = this.#queue.findIndex((queued) => matches(queued.fault.match, method, path));
    const queued = this.#queue[index];
    if (!queued) return undefined;
    if (--queued.remaining === 0) this.#queue.splice(index, 1);
    return queued.fault;
  }

  #drawStanding(): FaultAction | undefined {
    if (this.#odds.length === 0) return undefined;
    let draw = this.#random();
    for (const [p, action] of this.#odds) {
      if (draw < p) return action;
      draw -= p;
    }
    return undefined;
  }
}
