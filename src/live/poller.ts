// LIVE_SOURCE=poll: where webhooks cannot reach the facade, it asks the upstream itself, but only
// for what someone is subscribed to. One poll loop per account and conversation (or per account,
// for an inbox), shared by all its subscribers and stopped the moment the last one leaves. A steady
// tick is ONE upstream call (the newest page of the list, poll-window.ts); every `detailsEvery`-th
// tick also reads the conversation and its participants. Polling spends the same upstream budget as
// GraphQL requests, so it yields: ticks never overlap, a global cap bounds concurrent polls, a 429
// holds back every loop of that account until Retry-After, and failures back off exponentially.
import type { Logger } from '../observability/logger.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { CallContext } from '../upstream/client.ts';
import type { UpstreamCommunication, UpstreamConversation, UpstreamPage, UpstreamParticipant } from '../upstream/types.ts';
import type { LiveBus } from './bus.ts';
import type { LiveEventType } from './events.ts';
import { PollLoop } from './poll-loop.ts';
import type { LiveSource, WatchRequest } from './source.ts';

/** The settings that come from configuration (POLL_* variables). */
export interface PollSettings {
  /** Time between the end of one tick and the start of the next. */
  intervalMs: number;
  /** Up to this much is added to each interval at random, so loops started together spread out. */
  jitterMs: number;
  /** Ticks in flight at once across all loops; the rest wait their turn. */
  maxConcurrent: number;
  /** The longest one tick may take (its upstream calls, retries and queueing included). */
  timeoutMs: number;
  /** Every this-many successful ticks (the first included) also read the conversation and its participants; 0: never. */
  detailsEvery: number;
}

/** The upstream reads a poll makes: ConversationsApi (upstream/api.ts) bound to one tick's context. */
export interface PollReads {
  listCommunications(conversationId: string, page: PageRequest): Promise<UpstreamPage<UpstreamCommunication>>;
  listConversations(page: PageRequest): Promise<UpstreamPage<UpstreamConversation>>;
  getConversation(id: string): Promise<UpstreamConversation | null>;
  listParticipants(conversationId: string, page: PageRequest): Promise<UpstreamPage<UpstreamParticipant>>;
}

export interface PollScheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: a poll never keeps the process alive. */
export const timerScheduler: PollScheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type PollOutcome =
  /** Read and compared; events (if any) published. */
  | 'ok'
  /** Upstream 429: this account's loops wait for Retry-After (or back off). */
  | 'rate-limited'
  /** 401/403/404, or records of another account: these credentials are set aside, the loop backs off. */
  | 'refused'
  /** Timeout, 5xx, transport, or a publish that failed: back off. */
  | 'failed'
  /** No call made: the account is held back by an earlier 429. */
  | 'held'
  /** No call made: no subscriber of this loop has credentials. */
  | 'no-credentials'
  /** The subscriber whose credentials the tick used left: it was aborted and runs again at once. */
  | 'aborted';

export interface TickReport {
  accountSid: string;
  conversationSid: string | undefined;
  /** 1 for the loop's first tick. */
  tick: number;
  outcome: PollOutcome;
  /** Upstream calls the tick made (attempts, retries included). */
  upstreamCalls: number;
  events: number;
  /** Milliseconds until the next tick. */
  nextInMs: number;
}

/** For metrics (observability/metrics.ts `pollObserver()`), so this file needs no metrics library. */
export interface PollObserver {
  onPollers?(active: number): void;
  onTick?(report: TickReport): void;
  onEvent?(type: LiveEventType): void;
}

export interface PollerOptions extends PollSettings {
  bus: LiveBus;
  /** Reads bound to one tick's context, e.g. `(context) => conversationsApi(client, context)`. */
  reads: (context: CallContext) => PollReads;
  /** Page size of the list reads (default 50, the upstream's own default). A page token only works with the size it was issued for. */
  pageSize?: number;
  /** Most list pages one tick reads (default 20): a long list's first walk to its end spreads over ticks. */
  maxPagesPerTick?: number;
  /** Ceiling of the exponential backoff after failures (default 60 s, never below intervalMs). */
  maxBackoffMs?: number;
  /** The first read reports records created or changed this long before the loop started (default 5 s); see poll-window.ts. */
  baselineLookbackMs?: number;
  scheduler?: PollScheduler;
  /** [0, 1), for jitter. */
  random?: () => number;
  /** Epoch ms. */
  now?: () => number;
  logger?: Logger;
  observer?: PollObserver;
}

export class Poller implements LiveSource {
  readonly kind = 'poll' as const;
  readonly #options: PollLoopOptions;
  readonly #loops = new Map<string, PollLoop>();
  /** Account → epoch ms before which none of its loops calls the upstream (a 429's Retry-After). */
  readonly #holds = new Map<string, number>();
  readonly #slots: Slots;
  #closed = false;

  constructor(options: PollerOptions) {
    for (const name of ['intervalMs', 'jitterMs', 'maxConcurrent', 'timeoutMs', 'detailsEvery'] as const) {
      if (
        !Number.isInteger(options[name]) ||
        options[name] < (name === 'intervalMs' || name === 'maxConcurrent' || name === 'timeoutMs' ? 1 : 0)
      ) {
        throw new RangeError(`Poller: ${name} must be a whole number in range (got ${options[name]})`);
      }
    }
    this.#options = {
      pageSize: 50,
      maxPagesPerTick: 20,
      baselineLookbackMs: 5000,
      scheduler: timerScheduler,
      random: Math.random,
      now: Date.now,
      ...options,
      maxBackoffMs: Math.max(options.maxBackoffMs ?? 60_000, options.intervalMs),
    };
    this.#slots = new Slots(options.maxConcurrent);
  }

  /** Loops running now (one per account and conversation, or account inbox, with subscribers). */
  get activeLoops(): number {
    return this.#loops.size;
  }

  watch(request: WatchRequest): () => void {
    if (this.#closed) return () => {};
    if (typeof request.accountSid !== 'string' || request.accountSid === '' || request.conversationSid === '') {
      throw new TypeError('Poller.watch: accountSid (and conversationSid, when given) must be non-empty');
    }
    const key = JSON.stringify([request.accountSid, request.conversationSid ?? null]);
    let loop = this.#loops.get(key);
    if (!loop) {
      loop = new PollLoop(request.accountSid, request.conversationSid, this.#options, {
        slots: this.#slots,
        heldUntil: (accountSid, now) => this.#heldUntil(accountSid, now),
        hold: (accountSid, until) => this.#holds.set(accountSid, Math.max(until, this.#holds.get(accountSid) ?? 0)),
      });
      this.#loops.set(key, loop);
      this.#options.observer?.onPollers?.(this.#loops.size);
    }
    const watching = loop;
    const token = watching.add(request.credentials);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (!watching.remove(token)) return;
      watching.stop();
      if (this.#loops.get(key) === watching) this.#loops.delete(key);
      // A hold outlives the loop that caused it (a new subscriber must not poll through a Retry-After); an expired one goes.
      this.#heldUntil(watching.accountSid, this.#options.now());
      this.#options.observer?.onPollers?.(this.#loops.size);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const loop of this.#loops.values()) loop.stop();
    this.#loops.clear();
    this.#holds.clear();
    this.#options.observer?.onPollers?.(0);
  }

  #heldUntil(accountSid: string, now: number): number | undefined {
    const until = this.#holds.get(accountSid);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.#holds.delete(accountSid);
    return undefined;
  }
}

/** The options with every default filled in. */
export type PollLoopOptions = Required<Omit<PollerOptions, 'logger' | 'observer'>> & Pick<PollerOptions, 'logger' | 'observer'>;

/** A counting semaphore with a FIFO queue; a waiter whose tick is aborted leaves the queue. */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    const release = once(() => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    });
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(new Error('aborted while waiting for a poll slot'));
      };
      this.#waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
