// How the facade treats a struggling upstream without making it worse: a bounded queue in front
// of a bounded number of concurrent calls, a circuit breaker that fails fast while the upstream
// is down and lets one probe through to find it back, and retries that are safe (idempotent
// requests; a POST only on 429, which Twilio never processes, or when it carries an
// Idempotency-Key), spaced by exponential backoff with full jitter or by Retry-After, and bounded
// by an attempt limit and by the GraphQL request's own deadline.
import { setTimeout as wait } from 'node:timers/promises';
import CircuitBreaker from 'opossum';
import { UpstreamError } from './errors.ts';

export interface ResilienceOptions {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller gets RATE_LIMITED with retryAfter. */
  maxRetryAfterMs: number;
  maxConcurrent: number;
  /** Calls waiting for a slot beyond this are refused at once with UPSTREAM_UNAVAILABLE. */
  maxQueue: number;
  breaker: {
    /** Share of failed calls in the window that opens the breaker. */
    failureThresholdPercent: number;
    /** Calls in the window before the breaker may open. */
    volumeThreshold: number;
    windowMs: number;
    /** How long the breaker stays open before letting a probe through. */
    resetTimeoutMs: number;
  };
  // Seams for in-memory tests (a fake clock, a seeded random); each defaults to the real thing.
  /** Uniform in [0, 1): draws the full-jitter backoff. */
  random?: () => number;
  /** Epoch ms, the clock `AttemptInfo.deadline` is read against. */
  now?: () => number;
  /** Waits between attempts; rejects when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const realSleep = (ms: number, signal: AbortSignal | undefined): Promise<void> => wait(ms, undefined, signal ? { signal } : {});

export interface AttemptInfo {
  method: string;
  idempotencyKey?: string | undefined;
  /** Epoch ms after which no attempt or wait may start. */
  deadline?: number | undefined;
  signal?: AbortSignal | undefined;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ResilienceObserver {
  onRetry?(reason: string): void;
  onBreakerState?(state: BreakerState): void;
  onRejected?(reason: 'breaker-open' | 'queue-full'): void;
}

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** A failure that says the upstream is unhealthy (counts towards opening the breaker). */
function isUpstreamFault(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  return error.status === 0 ? error.code !== 'UNAUTHENTICATED' : error.status >= 500;
}

function retryReason(error: unknown, info: AttemptInfo): string | undefined {
  if (!(error instanceof UpstreamError)) return undefined;
  const transient = RETRYABLE_STATUSES.has(error.status) || error.connectionLost;
  if (!transient) return undefined;
  const safe = IDEMPOTENT_METHODS.has(info.method) || error.status === 429 || info.idempotencyKey !== undefined;
  if (!safe) return undefined;
  return error.status ? String(error.status) : 'connection';
}

/** A counting semaphore with a bounded, abortable queue. */
class Limiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #max: number;
  readonly #maxQueue: number;
  readonly #onFull: () => void;

  constructor(max: number, maxQueue: number, onFull: () => void) {
    this.#max = max;
    this.#maxQueue = maxQueue;
    this.#onFull = onFull;
  }

  async acquire(signal: AbortSignal | undefined): Promise<() => void> {
    if (this.#active >= this.#max) {
      if (this.#waiting.length >= this.#maxQueue) {
        this.#onFull();
        throw busy();
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const index = this.#waiting.indexOf(grant);
          if (index >= 0) this.#waiting.splice(index, 1);
          // The request's deadline (or its client leaving) passed while it waited: a contract error,
          // never the signal's own DOMException, which would reach the caller as an internal error.
          reject(signal?.reason instanceof UpstreamError ? signal.reason : deadlineError());
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.#waiting.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      this.#active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter; otherwise it frees up.
      if (next) next();
      else this.#active--;
    };
  }
}

function busy(): UpstreamError {
  return new UpstreamError('UPSTREAM_UNAVAILABLE', 'The service is at capacity; retry shortly.', {
    detail: 'upstream queue full',
  });
}

function deadlineError(): UpstreamError {
  return new UpstreamError('UPSTREAM_TIMEOUT', 'The conversation service did not answer in time.', {
    detail: 'request deadline reached',
  });
}

export class UpstreamGuard {
  readonly #options: ResilienceOptions;
  readonly #limiter: Limiter;
  readonly #breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  readonly #observer: ResilienceObserver;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;

  constructor(options: ResilienceOptions, observer: ResilienceObserver = {}) {
    this.#options = options;
    this.#observer = observer;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#limiter = new Limiter(options.maxConcurrent, options.maxQueue, () => observer.onRejected?.('queue-full'));
    this.#breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
      timeout: false,
      errorThresholdPercentage: options.breaker.failureThresholdPercent,
      volumeThreshold: options.breaker.volumeThreshold,
      rollingCountTimeout: options.breaker.windowMs,
      resetTimeout: options.breaker.resetTimeoutMs,
      // Only an unhealthy upstream opens the breaker; a caller's 4xx does not.
      errorFilter: (error: unknown) => !isUpstreamFault(error),
    });
    this.#breaker.on('open', () => observer.onBreakerState?.('open'));
    this.#breaker.on('halfOpen', () => observer.onBreakerState?.('half-open'));
    this.#breaker.on('close', () => observer.onBreakerState?.('closed'));
  }

  get breakerState(): BreakerState {
    if (this.#breaker.opened) return 'open';
    return this.#breaker.halfOpen ? 'half-open' : 'closed';
  }

  async run<T>(attempt: () => Promise<T>, info: AttemptInfo): Promise<T> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        return await this.#once(attempt, info);
      } catch (error) {
        const reason = retryReason(error, info);
        if (reason === undefined || attemptNumber >= this.#options.maxAttempts) throw error;
        const delay = this.#delayFor(error as UpstreamError, attemptNumber);
        if (delay === undefined || (info.deadline !== undefined && this.#now() + delay >= info.deadline)) throw error;
        this.#observer.onRetry?.(reason);
        try {
          await this.#sleep(delay, info.signal);
        } catch {
          throw deadlineError();
        }
      }
    }
  }

  close(): void {
    this.#breaker.shutdown();
  }

  async #once<T>(attempt: () => Promise<T>, info: AttemptInfo): Promise<T> {
    if (this.#breaker.opened) {
      this.#observer.onRejected?.('breaker-open');
      throw breakerOpen();
    }
    const release = await this.#limiter.acquire(info.signal);
    try {
      return (await this.#breaker.fire(attempt)) as T;
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        this.#observer.onRejected?.('breaker-open');
        throw breakerOpen();
      }
      throw error;
    } finally {
      release();
    }
  }

  /** Retry-After when the upstream gave one (undefined: too long to wait), else full-jitter backoff. */
  #delayFor(error: UpstreamError, attemptNumber: number): number | undefined {
    const retryAfter = error.extensions.retryAfter;
    if (typeof retryAfter === 'number') {
      const ms = retryAfter * 1000;
      return ms > this.#options.maxRetryAfterMs ? undefined : ms;
    }
    const ceiling = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** (attemptNumber - 1));
    return Math.floor(this.#random() * ceiling);
  }
}

function breakerOpen(): UpstreamError {
  return new UpstreamError('UPSTREAM_UNAVAILABLE', 'The conversation service is unavailable; retry later.', {
    detail: 'circuit breaker open',
  });
}
