// Twilio delivers status callbacks at least once: a retry, or the same change sent twice, carries
// the same I-Twilio-Idempotency-Token. The intake claims each delivery's key here before it
// publishes, so subscribers see one delivery once. One interface, so that the in-process store
// (one replica) and a shared one (Redis, several replicas, later) are interchangeable.

export interface DeliveryDeduper {
  /**
   * True the first time a key is claimed within its time to live, false for a repeat. Atomic:
   * of two concurrent claims of one key, exactly one wins.
   */
  claim(key: string): Promise<boolean>;
  /** Forgets a claim whose delivery could not be published, so that Twilio's retry gets through. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface InMemoryDeduperOptions {
  /** How long a delivery is remembered. */
  ttlMs: number;
  /** The most deliveries remembered; beyond, the oldest are forgotten first (memory stays bounded). */
  maxEntries: number;
  /** A monotonic clock in milliseconds (tests pass a fake one). Default performance.now. */
  now?: () => number;
}

/** Deliveries remembered in this process, bounded by entries and by age. */
export class InMemoryDeduper implements DeliveryDeduper {
  /** key → expiry. Every entry lives ttlMs, so insertion order is expiry order: the oldest is first. */
  readonly #expiries = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: InMemoryDeduperOptions) {
    if (!(options.ttlMs > 0) || !Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError('InMemoryDeduper needs ttlMs > 0 and maxEntries ≥ 1');
    }
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Deliveries remembered now. */
  get size(): number {
    this.#forgetExpired(this.#now());
    return this.#expiries.size;
  }

  async claim(key: string): Promise<boolean> {
    return this.claimNow(key);
  }

  /** claim(), synchronously (the in-process store needs no await). */
  claimNow(key: string): boolean {
    const now = this.#now();
    this.#forgetExpired(now);
    if (this.#expiries.has(key)) return false;
    while (this.#expiries.size >= this.#maxEntries) this.#expiries.delete(this.#expiries.keys().next().value!);
    this.#expiries.set(key, now + this.#ttlMs);
    return true;
  }

  async release(key: string): Promise<void> {
    this.#expiries.delete(key);
  }

  async close(): Promise<void> {
    this.#expiries.clear();
  }

  #forgetExpired(now: number): void {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) return;
      this.#expiries.delete(key);
    }
  }
}
