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
import type { PlaceHolder } from './log-places.ts';
import { asReadyStream, DONE, nextByPolling, Waiter, type ReadyStream } from './ready-stream.ts';
import { RecentIds, REMEMBERED_KEYS } from './recent-ids.ts';

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
  /** Registers the stream where newcomers of its credential look for the list's end (log-places.ts); the function unregisters it. */
  trackPlace?: (holder: PlaceHolder) => () => void;
}

const PASSING: ReadonlySet<string> = new Set(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RATE_LIMITED']);
const isPassing = (error: unknown) => error instanceof FacadeError && PASSING.has(error.code);

const fromEvent = (event: LiveEvent): DeliveryOrigin => ({ source: event.source, receivedAt: event.receivedAt });
const CATCH_UP: DeliveryOrigin = { source: 'catch-up' };

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

/** A read of the log on from where the subscriber stands, round by round (a round only once the last one's edges were taken). */
interface LogRead {
  trigger: Trigger;
  /** The loaders the edges go out with: the trigger's, until they are older than loadersMaxAgeMs. */
  loaders: Loaders;
  madeAt: number;
  size: number;
  round: number;
}

/** An edge's share key, made once per edge object (the subscribers at one place read the same edges): one string for all of them. */
const shareKeys = new WeakMap<Edge<UpstreamCommunication>, string>();
function shareKeyOf(edge: Edge<UpstreamCommunication>): string {
  let key = shareKeys.get(edge);
  if (key === undefined) shareKeys.set(edge, (key = `edge\u0000${edge.cursor}`));
  return key;
}

type CommunicationDelivery = Delivery<Edge<UpstreamCommunication>>;

export function communicationsAfter(options: ResumeOptions): ReadyStream<CommunicationDelivery> {
  return new CommunicationStream(options);
}

/**
 * The stream as a state machine that polls (ready-stream.ts): the catch-up or an event starts a
 * read; its edges wait in the outbox and go out one per poll, oldest first; only then does the
 * next round read, or the next event count. A read that fails for a passing reason arms a retry
 * (the next event reads too, meanwhile).
 */
class CommunicationStream implements ReadyStream<CommunicationDelivery>, PlaceHolder {
  readonly #options: ResumeOptions;
  readonly #retry: RetryPolicy;
  readonly #settings: LogSettings;
  readonly #seen = new RecentIds(REMEMBERED_KEYS);
  readonly #at: LogPlace;
  readonly #events: ReadyStream<LiveEvent>;
  /** Edges read and not yet taken (with the read they came from), or deliveries made from an event's payload. */
  readonly #outbox: (Edge<UpstreamCommunication> | CommunicationDelivery)[] = [];
  #outboxRead: LogRead | undefined;
  /** Set: read (the catch-up, an event, a retry). */
  #trigger: Trigger | undefined;
  /** The read whose next round is due once the outbox is empty. */
  #read: LogRead | undefined;
  #inFlight = false;
  /** Events whose read failed: checked once a read succeeds (their communication may need the payload). */
  #waiting: LiveEvent[] = [];
  #failures = 0;
  #retryAt: number | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #failure: { error: unknown } | undefined;
  #ended = false;
  readonly #waiter = new Waiter();
  readonly #untrackPlace: (() => void) | undefined;

  constructor(options: ResumeOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#settings = {
      conversationId: options.conversationId,
      codec: options.codec,
      tag: scopeTag(options.scope),
      maxPages: options.maxPages,
    };
    this.#at = 'after' in options.start ? { place: options.start.after, newest: undefined } : { ...options.start.place };
    if (this.#at.place) this.#seen.add(this.#at.place.id);
    this.#events = asReadyStream(options.events);
    if ('after' in options.start) {
      this.#trigger = {
        loaders: options.pageLoaders(),
        origin: CATCH_UP,
        size: options.start.after.page?.size ?? LARGE_PAGE,
        catchUp: true,
      };
    }
    this.#untrackPlace = options.trackPlace?.(this);
  }

  poll(wake: () => void): IteratorResult<CommunicationDelivery, undefined> | undefined {
    for (;;) {
      if (this.#outbox.length > 0) return { value: this.#takeOutbox(), done: false };
      if (this.#failure) {
        const { error } = this.#failure;
        this.#failure = undefined;
        this.#end();
        throw error;
      }
      if (this.#ended) return DONE;
      if (this.#inFlight) return this.#waiter.wait(wake);
      if (this.#read) {
        this.#readRound(this.#read);
        continue;
      }
      if (this.#trigger) {
        const trigger = this.#trigger;
        this.#trigger = undefined;
        this.#readRound({ trigger, loaders: trigger.loaders, madeAt: Date.now(), size: trigger.size, round: 0 });
        continue;
      }
      let step: IteratorResult<LiveEvent, undefined> | undefined;
      try {
        step = this.#events.poll(wake);
      } catch (error) {
        this.#end();
        throw error;
      }
      if (step === undefined) {
        if (this.#retryAt !== undefined && Date.now() >= this.#retryAt) {
          this.#trigger = this.#retryTrigger();
          continue;
        }
        this.#armRetry();
        return this.#waiter.wait(wake);
      }
      if (step.done) {
        this.#end();
        return DONE;
      }
      this.#consider(step.value);
    }
  }

  /**
   * Where this subscriber stands, when nothing is read ahead, in flight or due: its place in the
   * log (the page it was read from included: the next read starts there) and the newest createdAt
   * read. Two streams that stand at the same position deliver the same from then on.
   */
  position(): string | undefined {
    return this.#idle() ? JSON.stringify([this.#at.place, this.#at.newest ?? null]) : undefined;
  }

  /** The same place as an object, for a newcomer to start from (log-places.ts). */
  idlePlace(): LogPlace | undefined {
    return this.#idle() ? { ...this.#at } : undefined;
  }

  #idle(): boolean {
    return (
      !this.#ended &&
      !this.#inFlight &&
      this.#read === undefined &&
      this.#trigger === undefined &&
      this.#failure === undefined &&
      this.#outbox.length === 0 &&
      this.#waiting.length === 0 &&
      this.#retryAt === undefined &&
      (this.#options.events as { buffered?: number }).buffered === 0
    );
  }

  next(): Promise<IteratorResult<CommunicationDelivery, undefined>> {
    return nextByPolling(this);
  }

  return(): Promise<IteratorResult<CommunicationDelivery, undefined>> {
    this.#end();
    this.#outbox.length = 0;
    this.#failure = undefined;
    this.#waiter.wakeUp();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** An event: a read if it names a communication of this conversation not yet given. */
  #consider(event: LiveEvent): void {
    const { accountSid, conversationId } = this.#options;
    if (event.type !== 'COMMUNICATION_CREATED') return;
    const record = event.record as UpstreamCommunication | undefined;
    if (record?.kind !== 'Communication') return;
    if (event.accountSid !== accountSid || record.accountId !== accountSid) {
      this.#options.onDropped?.(event, 'cross_account');
      return;
    }
    if (event.conversationSid !== conversationId || record.conversationId !== conversationId) return;
    if (this.#seen.has(record.id)) {
      this.#options.onDropped?.(event, 'duplicate');
      return;
    }
    this.#trigger = { loaders: this.#options.eventLoaders(event), origin: fromEvent(event), size: LARGE_PAGE, event };
  }

  #retryTrigger(): Trigger {
    const origin = this.#waiting.length ? fromEvent(this.#waiting.at(-1)!) : CATCH_UP;
    return { loaders: this.#options.pageLoaders(), origin, size: LARGE_PAGE };
  }

  /** A wake-up at retryAt, unless one is set already (an event that comes first reads, and the retry stays due). */
  #armRetry(): void {
    if (this.#retryAt === undefined || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#waiter.wakeUp();
      },
      Math.max(0, this.#retryAt - Date.now()),
    );
  }

  /** One round of `read`: its new edges go to the outbox; the read goes on (once they are taken), ends, or fails. */
  #readRound(read: LogRead): void {
    this.#read = undefined;
    this.#inFlight = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    readLogRound(this.#settings, this.#at, read.size, () => read.loaders).then(
      ({ edges, more }) => {
        this.#inFlight = false;
        if (this.#ended) return;
        for (const edge of edges) if (this.#seen.add(edge.node.id)) this.#outbox.push(edge);
        this.#outboxRead = read;
        read.round++;
        read.size = LARGE_PAGE;
        if (more && read.round < MAX_LOG_ROUNDS) this.#read = read;
        else this.#settle(read.trigger);
        this.#waiter.wakeUp();
      },
      (error: unknown) => {
        this.#inFlight = false;
        if (this.#ended) return;
        const { trigger } = read;
        if (trigger.catchUp || !isPassing(error) || ++this.#failures >= this.#retry.attempts) this.#failure = { error };
        else {
          if (trigger.event && this.#waiting.length < REMEMBERED_KEYS) this.#waiting.push(trigger.event);
          this.#retryAt = Date.now() + Math.min(this.#retry.maxMs, this.#retry.baseMs * 2 ** (this.#failures - 1));
        }
        this.#waiter.wakeUp();
      },
    );
  }

  /** A read that succeeded: the events it (or failed reads before it) stood for, delivered from their payload if the list does not show them. */
  #settle(trigger: Trigger): void {
    this.#failures = 0;
    this.#retryAt = undefined;
    const settled = this.#waiting;
    if (trigger.event) settled.push(trigger.event);
    if (settled.length === 0) return;
    this.#waiting = [];
    for (const done of settled) {
      const record = done.record as UpstreamCommunication;
      if (!this.#unlisted(record)) continue;
      this.#seen.add(record.id);
      const eventLoaders = this.#options.eventLoaders(done);
      const edge = unlistedEdge(eventLoaders, record, () => standaloneEdge(record, this.#options.scope, this.#options.codec));
      this.#outbox.push(Delivery.of(edge, eventLoaders, fromEvent(done), shareKeyOf(edge)));
    }
  }

  /** The list does not show it, and it is newer than anything the list showed: the list lags (or never lists it). */
  #unlisted(record: UpstreamCommunication): boolean {
    if (this.#seen.has(record.id)) return false;
    if (this.#at.place === null && this.#at.newest === undefined) return true;
    const created = millis(record.createdAt);
    return this.#at.newest !== undefined && created !== undefined && created > this.#at.newest;
  }

  /** The outbox's first: a delivery as made, or an edge with its read's loaders (new ones once those are too old to serve it). */
  #takeOutbox(): CommunicationDelivery {
    const next = this.#outbox.shift()!;
    if (next instanceof Delivery) return next;
    const read = this.#outboxRead!;
    const { trigger } = read;
    if (Date.now() - read.madeAt > this.#options.loadersMaxAgeMs) {
      read.loaders = this.#options.pageLoaders();
      read.madeAt = Date.now();
      read.loaders.communication.prime({ conversationId: this.#options.conversationId, id: next.node.id }, next.node);
    }
    // Shared only when read with the event's loaders (no subscriber's signal can cut it short for the others).
    const shared = trigger.event && read.loaders === trigger.loaders ? shareKeyOf(next) : undefined;
    return Delivery.of(next, read.loaders, trigger.origin, shared);
  }

  #end(): void {
    this.#ended = true;
    this.#untrackPlace?.();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}
