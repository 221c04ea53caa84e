// Time for the emulator. Lists are ordered by createdAt then id, and ids embed their creation time,
// so every creation or update gets its own millisecond: `tick()` never returns the same value twice,
// even for a burst of requests within one real millisecond or a test clock that stands still.

export class MonotonicClock {
  readonly #now: () => number;
  #last = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The wall clock as given (for expiry checks and the request log). */
  now(): number {
    return this.#now();
  }

  /** A timestamp later than every one handed out before. */
  tick(): number {
    this.#last = Math.max(this.#now(), this.#last + 1);
    return this.#last;
  }

  /** Makes later ticks come after `ms` (used after loading seed data with fixed timestamps). */
  advancePast(ms: number): void {
    this.#last = Math.max(this.#last, ms);
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
