// One set of loaders per live event and credential, shared by every subscriber that resolves that
// event with those credentials: N subscribers of one caller cost what one costs (a participant the
// event's selection needs is fetched once, not N times), and nothing read with one credential is
// served to another. Each set is primed with the event's own record, so fields the payload
// carries cost nothing. Sets are made fresh per event (a deadline of their own, an empty cache):
// nothing of an HTTP request's deadline or cache lives on in a long subscription. Bounded by
// entries and age: a set only matters while one event fans out.
import type { ChildKey, Loaders } from '../loaders/index.ts';
import type { LiveEvent } from './events.ts';

export interface EventLoaderOptions {
  /** Sets kept at once (the oldest go first). */
  maxEntries: number;
  /** A set older than this is not handed out again (its deadline would pass mid-event). */
  maxAgeMs: number;
  now?: () => number;
}

interface Entry {
  loaders: Loaders;
  madeAt: number;
}

export class EventLoaderCache {
  readonly #entries = new Map<string, Entry>();
  readonly #options: EventLoaderOptions;
  readonly #now: () => number;

  constructor(options: EventLoaderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The loaders for resolving `event` with the credentials whose key is `credentialsKey`; `make` builds a fresh set. */
  loadersFor(event: LiveEvent, credentialsKey: string, make: () => Loaders): Loaders {
    const key = `${event.eventId}\u0000${credentialsKey}`;
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known && now - known.madeAt < this.#options.maxAgeMs) return known.loaders;
    const loaders = make();
    primeWithRecord(loaders, event);
    this.#entries.delete(key);
    this.#entries.set(key, { loaders, madeAt: now });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxEntries) break;
      this.#entries.delete(oldest);
    }
    return loaders;
  }
}

/** What the event says about its record is what a read would return now: resolving it costs nothing. */
function primeWithRecord(loaders: Loaders, event: LiveEvent): void {
  const record = event.record;
  // A removed participant no longer exists: reading it must not find it.
  if (event.type === 'PARTICIPANT_REMOVED') return;
  switch (record.kind) {
    case 'Conversation':
      loaders.conversation.prime(record.id, record);
      break;
    case 'Participant':
      loaders.participant.prime({ conversationId: record.conversationId, id: record.id } satisfies ChildKey, record);
      break;
    case 'Communication':
      loaders.communication.prime({ conversationId: record.conversationId, id: record.id }, record);
      break;
  }
}
