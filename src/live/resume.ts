// communicationAdded's stream: resume from a cursor without a gap, then live, never twice, in list
// order, whatever the webhooks do.
//
// Webhooks come in no guaranteed order, twice, late or never. So a COMMUNICATION_CREATED event is
// not what is delivered: it rings the bell. The upstream list is the durable log: on each event
// the stream reads the list on from where this subscriber stands (communication-log.ts) and
// delivers what is new, oldest first. Reordered webhooks (B before A) deliver A then B at B's
// event, and A's event finds nothing new; a dropped webhook's communication comes with the next
// event (or the next resume); a repeated one is dropped by id without a read. Every edge is read
// from a page, so its cursor resumes exactly after it: a client that reconnects with its last
// cursor misses nothing and sees nothing twice.
//
// Where a subscriber stands at first: after `after` (the catch-up reads everything after it, then
// the stream goes live), or, without `after`, the list's end when it subscribed (read while
// subscribing, before the bus listener opens: anything created after that read is after the place,
// so the next read delivers it even if its own webhook came before the listener).
//
// Cost: one list read per event that names a communication this subscriber has not been given,
// shared by every subscriber of that credential standing on the same page (the event's loader
// set caches the page); no read for a repeated or already-delivered one.
//
// An event whose communication the list does not show, and which is newer than anything the list
// showed (an upstream whose list lags its webhooks), is delivered from its payload after the
// list's new ones, with a cursor that finds it by id: never lost, though outside the log's order.
// A read that fails for a passing reason (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, RATE_LIMITED) is
// retried with backoff, and any event meanwhile reads too; other failures end the stream.
import { standaloneEdge, type Edge } from '../connections/index.ts';
import { scopeTag, type Cursor, type CursorCodec } from '../connections/cursor.ts';
import { FacadeError } from '../errors.ts';
import type { Loaders } from '../loaders/index.ts';
import type { UpstreamCommunication } from '../upstream/types.ts';
import { LARGE_PAGE, MAX_LOG_ROUNDS, millis, readLogRound, unlistedEdge, type LogPlace, type LogSettings } from './communication-log.ts';
import { Delivery, type DeliveryOrigin } from './delivery.ts';
import type { LiveEvent } from './events.ts';

/**
 * Ids (or event keys) remembered per subscription to drop repeats; beyond, the oldest go. Repeats
 * come soon (retries, webhook and poll): a window suffices, and keeps an idle subscriber small.
 * A repeat beyond the window costs one read that finds nothing new.
 */
export const REMEMBERED_KEYS = 512;

/** Why a subscriber did not take an event (metrics). */
export type DropReason = 'duplicate' | 'cross_account';

export interface RetryPolicy {
  /** The first retry's wait; each next one doubles it, up to maxMs. */
  baseMs: number;
  maxMs: number;
  /** Failed reads in a row before the stream ends with the last failure. */
  attempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 500, maxMs: 30_000, attempts: 6 };

export interface ResumeOptions {
  accountSid: string;
  conversationId: string;
  /** The list's scope (communicationsScope of the conversation, no channel filter). */
  scope: string;
  codec: CursorCodec;
  maxPages: number;
  /** Where the stream starts: after a client's cursor (caught up first), or a place read at subscribe time (live from there). */
  start: { after: Cursor } | { place: LogPlace };
  /** Fresh loaders for one piece of this subscriber's own work (a catch-up page, a retry): a deadline of their own. */
  pageLoaders: () => Loaders;
  /** A loader set serves this long; a slower consumer gets a new one (primed with the edge) before its deadline could cut fields short. */
  loadersMaxAgeMs: number;
  /** The bus listener of the conversation, opened before this runs: events of the catch-up wait in it. */
  events: AsyncIterable<LiveEvent>;
  /** The loaders a live event is read and resolved with (shared per event and credential). */
  eventLoaders: (event: LiveEvent) => Loaders;
  onDropped?: (event: LiveEvent, reason: DropReason) => void;
  retry?: RetryPolicy;
}

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

const PASSING: ReadonlySet<string> = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED']);
const isPassing = (error: unknown) => error instanceof FacadeError && PASSING.has(error.code);

const fromEvent = (event: LiveEvent): DeliveryOrigin => ({ source: event.source, receivedAt: event.receivedAt });
const CATCH_UP: DeliveryOrigin = { source: 'catch-up' };

/** The next event, or 'retry' once `at` (ms) has come; the pending read of the listener is kept for the next call. */
class EventsOrTimer {
  readonly #events: AsyncIterator<LiveEvent>;
  #pending: Promise<IteratorResult<LiveEvent>> | undefined;

  constructor(events: AsyncIterable<LiveEvent>) {
    this.#events = events[Symbol.asyncIterator]();
  }

  async next(at: number | undefined): Promise<IteratorResult<LiveEvent> | 'retry'> {
    this.#pending ??= this.#events.next();
    if (at === undefined) {
      const result = await this.#pending;
      this.#pending = undefined;
      return result;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.#pending,
        new Promise<'retry'>((resolve) => (timer = setTimeout(resolve, Math.max(0, at - Date.now()), 'retry'))),
      ]);
      if (result !== 'retry') this.#pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What makes the stream read on: the catch-up, an event, or a retry. */
interface Trigger {
  loaders: Loaders;
  origin: DeliveryOrigin;
  /** The first read's page size. */
  size: number;
  /** The event that rang (its communication may need its payload if the list does not show it). */
  event?: LiveEvent;
  /** A catch-up's failure ends the stream at once: the client is waiting for it. */
  catchUp?: boolean;
}

/** An edge's share key, made once per edge object (the subscribers at one place read the same edges): one string for all of them. */
const shareKeys = new WeakMap<Edge<UpstreamCommunication>, string>();
function shareKeyOf(edge: Edge<UpstreamCommunication>): string {
  let key = shareKeys.get(edge);
  if (key === undefined) shareKeys.set(edge, (key = `edge\u0000${edge.cursor}`));
  return key;
}

// One flat generator (no generators nested in it): with thousands of subscribers per event, each
// level of async-generator delegation costs more than the rest of a delivery.
export async function* communicationsAfter(options: ResumeOptions): AsyncGenerator<Delivery<Edge<UpstreamCommunication>>> {
  const { accountSid, conversationId, codec } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const settings: LogSettings = { conversationId, codec, tag: scopeTag(options.scope), maxPages: options.maxPages };
  const seen = new RecentIds(REMEMBERED_KEYS);
  const at: LogPlace = 'after' in options.start ? { place: options.start.after, newest: undefined } : { ...options.start.place };
  if (at.place) seen.add(at.place.id);

  /** The list does not show it, and it is newer than anything the list showed: the list lags (or never lists it). */
  const unlisted = (record: UpstreamCommunication): boolean => {
    if (seen.has(record.id)) return false;
    if (at.place === null && at.newest === undefined) return true;
    const created = millis(record.createdAt);
    return at.newest !== undefined && created !== undefined && created > at.newest;
  };

  const events = new EventsOrTimer(options.events);
  /** Events whose read failed: checked once a read succeeds (their communication may need the payload). */
  let waiting: LiveEvent[] = [];
  let failures = 0;
  let retryAt: number | undefined;
  let trigger: Trigger | undefined =
    'after' in options.start
      ? { loaders: options.pageLoaders(), origin: CATCH_UP, size: options.start.after.page?.size ?? LARGE_PAGE, catchUp: true }
      : undefined;

  for (;;) {
    if (trigger) {
      const { origin, event } = trigger;
      let loaders = trigger.loaders;
      let madeAt = Date.now();
      let size = trigger.size;
      let failed = false;
      try {
        for (let round = 0; round < MAX_LOG_ROUNDS; round++) {
          const { edges, more } = await readLogRound(settings, at, size, () => loaders);
          for (const edge of edges) {
            if (!seen.add(edge.node.id)) continue;
            if (Date.now() - madeAt > options.loadersMaxAgeMs) {
              loaders = options.pageLoaders();
              madeAt = Date.now();
              loaders.communication.prime({ conversationId, id: edge.node.id }, edge.node);
            }
            // Shared only when read with the event's loaders (no subscriber's signal can cut it short for the others).
            yield Delivery.of(edge, loaders, origin, event && loaders === trigger.loaders ? shareKeyOf(edge) : undefined);
          }
          if (!more) break;
          size = LARGE_PAGE;
        }
      } catch (error) {
        if (trigger.catchUp || !isPassing(error) || ++failures >= retry.attempts) throw error;
        failed = true;
        if (event && waiting.length < REMEMBERED_KEYS) waiting.push(event);
        retryAt = Date.now() + Math.min(retry.maxMs, retry.baseMs * 2 ** (failures - 1));
      }
      trigger = undefined;
      if (!failed) {
        failures = 0;
        retryAt = undefined;
        const settled = event ? [...waiting, event] : waiting;
        waiting = [];
        for (const done of settled) {
          const record = done.record as UpstreamCommunication;
          if (!unlisted(record)) continue;
          seen.add(record.id);
          const eventLoaders = options.eventLoaders(done);
          const edge = unlistedEdge(eventLoaders, record, () => standaloneEdge(record, options.scope, codec));
          yield Delivery.of(edge, eventLoaders, fromEvent(done), shareKeyOf(edge));
        }
      }
    }

    const next = await events.next(retryAt);
    if (next === 'retry') {
      trigger = { loaders: options.pageLoaders(), origin: waiting.length ? fromEvent(waiting.at(-1)!) : CATCH_UP, size: LARGE_PAGE };
      continue;
    }
    if (next.done) return;
    const event = next.value;
    if (event.type !== 'COMMUNICATION_CREATED') continue;
    const record = event.record as UpstreamCommunication | undefined;
    if (record?.kind !== 'Communication') continue;
    if (event.accountSid !== accountSid || record.accountId !== accountSid) {
      options.onDropped?.(event, 'cross_account');
      continue;
    }
    if (event.conversationSid !== conversationId || record.conversationId !== conversationId) continue;
    if (seen.has(record.id)) {
      options.onDropped?.(event, 'duplicate');
      continue;
    }
    trigger = { loaders: options.eventLoaders(event), origin: fromEvent(event), size: LARGE_PAGE, event };
  }
}
