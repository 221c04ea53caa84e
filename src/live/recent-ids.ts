// What a subscription remembers to drop repeats: the ids (or event keys) it delivered most recently,
// a bounded window. Used by communicationAdded's resume (resume.ts) and the event fields
// (schema/subscriptions/conversation-events.ts, conversation-changed.ts).

/**
 * Ids (or event keys) remembered per subscription to drop repeats; beyond, the oldest go. Repeats
 * come soon (retries, webhook and poll): a window suffices, and keeps an idle subscriber small.
 * A repeat beyond the window costs one read that finds nothing new.
 */
export const REMEMBERED_KEYS = 512;

/**
 * A bounded set of recently seen ids (insertion order; the oldest are forgotten first). The order
 * is kept in a ring: finding the oldest through the set would make an iterator per add once full,
 * per subscriber and delivery.
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #order: (string | undefined)[] = [];
  readonly #capacity: number;
  #next = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Adds `id`; false when it was there already. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    const oldest = this.#order[this.#next];
    this.#order[this.#next] = id;
    this.#next = (this.#next + 1) % this.#capacity;
    if (oldest !== undefined) this.#ids.delete(oldest);
    return true;
  }
}
