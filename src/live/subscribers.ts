// How many subscriptions may be open: per caller (by credentials key, so one caller cannot take
// every slot) and in total (each holds a bus listener, a buffer and maybe a poller). A refused
// subscription costs nothing upstream: it is admitted before anything is read. Each admission is
// released exactly once, whichever way its subscription ends.
import { FacadeError } from '../errors.ts';

export interface SubscriberLimits {
  /** Open subscriptions one caller (one credentials key) may hold (MAX_SUBSCRIPTIONS_PER_CALLER). */
  perCaller: number;
  /** Open subscriptions on this replica (MAX_SUBSCRIBERS). */
  total: number;
}

export class SubscriberRegistry {
  readonly #limits: SubscriberLimits;
  readonly #byCaller = new Map<string, number>();
  #total = 0;
  #listening = 0;

  constructor(limits: SubscriberLimits) {
    this.#limits = limits;
  }

  get count(): number {
    return this.#total;
  }

  /**
   * Subscriptions listening: admitted, allowed, and receiving every event from now on (their own
   * bus listener is open, or they are members of a group whose is). What a test waits for before
   * it publishes; a subscription is counted from startListening() until its admission is released.
   */
  get listening(): number {
    return this.#listening;
  }

  startListening(): void {
    this.#listening++;
  }

  stopListening(): void {
    this.#listening--;
  }

  /** Open subscriptions of one caller. */
  countOf(callerKey: string): number {
    return this.#byCaller.get(callerKey) ?? 0;
  }

  /** Takes a slot or throws RATE_LIMITED; the returned function gives it back (only the first call counts). */
  admit(callerKey: string): () => void {
    const mine = this.countOf(callerKey);
    if (mine >= this.#limits.perCaller) {
      throw new FacadeError(
        'RATE_LIMITED',
        `These credentials already hold ${this.#limits.perCaller} open subscriptions, the most allowed: end one before starting another.`,
      );
    }
    if (this.#total >= this.#limits.total) {
      throw new FacadeError('RATE_LIMITED', 'The server holds as many subscriptions as it allows: try again later.');
    }
    this.#byCaller.set(callerKey, mine + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = this.countOf(callerKey) - 1;
      if (left > 0) this.#byCaller.set(callerKey, left);
      else this.#byCaller.delete(callerKey);
    };
  }
}
