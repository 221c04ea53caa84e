// Fault injection for status-callback deliveries, so the facade's webhook intake can be tested against
// what "at least once, in no guaranteed order" really means: a delivery dropped, duplicated (the same
// I-Twilio-Idempotency-Token twice), delayed (later ones overtake it) or a group held and released in
// reverse or shuffled order. Standing faults are drawn for every delivery (seeded for repeatability);
// scripted ones are used up in order by the deliveries they match. This module only decides; the
// dispatcher (webhook-dispatch.ts) carries the decision out.
import { z } from 'zod';
import { globMatches } from './path-glob.ts';
import { seededRandom, type Random } from './prng.ts';

/** Standing faults. Rates are probabilities from 0 to 1; their sum must not exceed 1. */
export interface WebhookFaultConfig {
  dropRate?: number;
  duplicateRate?: number;
  delayRate?: number;
  /** A delayed delivery waits a uniform draw from 0 to delayMs. Default 100. */
  delayMs?: number;
  /** Makes the draws (and `shuffle` orders) repeat exactly from one run to the next. */
  seed?: number;
}

export interface WebhookFaultMatch {
  /** e.g. 'COMMUNICATION_CREATED' */
  eventType?: string;
  /** A glob for the callback URL as configured (`*`: any run of characters), as in request faults. */
  url?: string;
}

export type WebhookFaultAction =
  /** Never delivered: "at least once" fails, which is the point. */
  | { kind: 'drop' }
  /** Delivered, then delivered again `copies` more times (default 1), each with the same token, signature and body. */
  | { kind: 'duplicate'; copies?: number }
  /** Sent `ms` later; deliveries made meanwhile overtake it. */
  | { kind: 'delay'; ms: number }
  /**
   * This delivery and the next `count - 1` matching ones are held, then released together in reverse
   * (default) or shuffled order; whatever is held after `holdMs` (default 5,000) is released anyway, so
   * nothing is lost.
   */
  | { kind: 'reorder'; count: number; order?: 'reverse' | 'shuffle'; holdMs?: number };

/** `times` (default 1): how many matching deliveries it applies to (reorder takes `count` instead). */
export type ScriptedWebhookFault = { match?: WebhookFaultMatch; times?: number } & WebhookFaultAction;

export interface WebhookFaultController {
  /** Replaces the standing faults (`{}` for none). Throws a TypeError for an invalid config. */
  set(config: WebhookFaultConfig): void;
  /** Queues a scripted fault. Throws a TypeError for an invalid fault. */
  enqueue(fault: ScriptedWebhookFault): void;
  /** Removes the standing faults and every queued one. */
  clear(): void;
  /** How many more deliveries queued faults will still take (a reorder counts once). */
  pending(): number;
}

export const MAX_QUEUED_WEBHOOK_FAULTS = 100;
const MAX_MS = 60_000;
const REGEX_SYNTAX = /[\\^$()[\]{}+?|]/;

const rate = z.number().min(0).max(1);
const configSchema = z
  .object({
    dropRate: rate.optional(),
    duplicateRate: rate.optional(),
    delayRate: rate.optional(),
    delayMs: z.number().int().min(0).max(MAX_MS).optional(),
    seed: z.number().int().optional(),
  })
  .strict()
  .refine((c) => (c.dropRate ?? 0) + (c.duplicateRate ?? 0) + (c.delayRate ?? 0) <= 1 + 1e-9, 'the rates add up to more than 1');

const match = z
  .object({
    eventType: z.string().max(64).optional(),
    url: z
      .string()
      .min(1)
      .max(256)
      .refine((p) => !REGEX_SYNTAX.test(p), "must be a URL glob ('*' matches any characters), not a regular expression")
      .optional(),
  })
  .strict();
const common = { match: match.optional(), times: z.number().int().min(1).max(10_000).optional() };
const scriptedSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('drop') }).strict(),
  z.object({ ...common, kind: z.literal('duplicate'), copies: z.number().int().min(1).max(10).optional() }).strict(),
  z.object({ ...common, kind: z.literal('delay'), ms: z.number().int().min(0).max(MAX_MS) }).strict(),
  z
    .object({
      match: match.optional(),
      kind: z.literal('reorder'),
      count: z.number().int().min(2).max(100),
      order: z.enum(['reverse', 'shuffle']).optional(),
      holdMs: z.number().int().min(1).max(MAX_MS).optional(),
    })
    .strict(),
]);

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new TypeError(`Invalid ${what}: ${z.prettifyError(result.error)}`);
  return result.data;
}

export function faultMatches(m: WebhookFaultMatch | undefined, eventType: string, url: string): boolean {
  if (m?.eventType !== undefined && m.eventType !== eventType) return false;
  return m?.url === undefined || globMatches(m.url, url);
}

interface Queued {
  fault: ScriptedWebhookFault;
  remaining: number;
}

export class WebhookFaults implements WebhookFaultController {
  #config: WebhookFaultConfig = {};
  #random: Random = Math.random;
  #queue: Queued[] = [];

  set(config: WebhookFaultConfig): void {
    this.#config = validate(configSchema, config, 'webhook FaultConfig');
    this.#random = this.#config.seed === undefined ? Math.random : seededRandom(this.#config.seed);
  }

  enqueue(fault: ScriptedWebhookFault): void {
    validate(scriptedSchema, fault, 'scripted webhook fault');
    if (this.#queue.length >= MAX_QUEUED_WEBHOOK_FAULTS)
      throw new TypeError(`Invalid scripted webhook fault: ${MAX_QUEUED_WEBHOOK_FAULTS} are already queued`);
    this.#queue.push({ fault, remaining: fault.kind === 'reorder' ? 1 : (fault.times ?? 1) });
  }

  clear(): void {
    this.set({});
    this.#queue = [];
  }

  pending(): number {
    return this.#queue.reduce((sum, queued) => sum + queued.remaining, 0);
  }

  /** Uniform in [0, 1): also used to shuffle a reorder group, so a seed fixes that order too. */
  random(): number {
    return this.#random();
  }

  /** The fault one delivery gets: the first matching scripted one (used up), else a standing draw. */
  plan(eventType: string, url: string): (WebhookFaultAction & { match?: WebhookFaultMatch }) | undefined {
    const index = this.#queue.findIndex((queued) => faultMatches(queued.fault.match, eventType, url));
    const queued = this.#queue[index];
    if (queued) {
      if (--queued.remaining === 0) this.#queue.splice(index, 1);
      return queued.fault;
    }
    const { dropRate = 0, duplicateRate = 0, delayRate = 0, delayMs = 100 } = this.#config;
    if (dropRate + duplicateRate + delayRate === 0) return undefined;
    const draw = this.#random();
    if (draw < dropRate) return { kind: 'drop' };
    if (draw < dropRate + duplicateRate) return { kind: 'duplicate' };
    if (draw < dropRate + duplicateRate + delayRate) return { kind: 'delay', ms: Math.round(this.#random() * delayMs) };
    return undefined;
  }
}
