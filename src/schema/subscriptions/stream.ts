// The one way a subscription field opens its stream, so that every field gets the same order of
// checks and the same clean-up:
// 1. a slot within the limits (per caller, total), before anything is read: RATE_LIMITED costs nothing;
// 2. the access check with the caller's credentials (which also names the account); a refusal
//    (NOT_FOUND, FORBIDDEN, UNAUTHENTICATED) is the subscription's only answer, nothing is delivered;
// 3. the bus listener of that account (and conversation) only, then source.watch();
// 4. the field's deliveries; a failure while streaming (a slow consumer, an upstream error) is
//    delivered as the stream's last payload, an error with a contract code.
// Everything taken is given back exactly once, however the stream ends: the client leaves (the
// transport calls return()), the stream ends on its own, an error, or it is never iterated.
import { FacadeError } from '../../errors.ts';
import { SlowConsumerError, type LiveListener } from '../../live/bus.ts';
import type { LogPlace } from '../../live/communication-log.ts';
import { Delivery } from '../../live/delivery.ts';
import type { LiveEvent } from '../../live/events.ts';
import type { PlaceHolder } from '../../live/log-places.ts';
import {
  asReadyStream,
  DONE,
  nextByPolling,
  returnLater,
  Waiter,
  type ReadyStream,
  type ShareableSource,
} from '../../live/ready-stream.ts';
import type { DropReason } from '../../live/resume.ts';
import { transportOf } from '../../live/runtime.ts';
import type { Loaders } from '../../loaders/index.ts';
import type { SubscriptionRuntime } from '../../live/runtime.ts';
import type { Context } from '../builder.ts';

/** What a field's deliveries are made from, once the caller is admitted and allowed. */
export interface Subscriber {
  accountSid: string;
  /** The bus listener (its buffer holds what arrives while the field is busy, up to the limit). */
  events: LiveListener;
  /** Fresh loaders for one piece of work of this subscriber (a catch-up page): a deadline of their own. */
  pageLoaders: () => Loaders;
  /** How long one loader set may serve before a new one is made. */
  loadersMaxAgeMs: number;
  /** The loaders an event resolves with, shared by every subscriber of these credentials. */
  eventLoaders: (event: LiveEvent) => Loaders;
  /**
   * `read(loaders)` with loaders of no one subscriber (a deadline, no client's signal), shared by the
   * subscribers of these credentials that ask for the same `key` while it is in flight.
   */
  sharedRead: <R>(key: string, read: (loaders: Loaders) => Promise<R>) => Promise<R>;
  /** Where the idle streams of these credentials stand, by key (live/log-places.ts): a newcomer may start there instead of reading. */
  places: {
    idle(key: string): LogPlace | undefined;
    track(key: string, holder: PlaceHolder): () => void;
  };
  /** Counts an event this subscriber did not take (metrics). */
  dropped: (event: LiveEvent, reason: DropReason) => void;
}

export interface StreamSpec<T> {
  /** The subscription field (metrics). */
  field: string;
  /** Unset: the account's topic (an inbox). */
  conversationSid?: string;
  /**
   * Checks the caller may read what is subscribed to, with their credentials; answers the account.
   * Runs before the bus listener opens (what it reads must not depend on events it would miss).
   */
  accountOf: (subscriber: Pick<Subscriber, 'sharedRead' | 'places'>) => Promise<string>;
  deliveries: (subscriber: Subscriber) => AsyncIterable<Delivery<T>>;
}

const NO_CREDENTIALS_KEY = 'no-credentials';
/** Why a source's work is aborted: one reason for all (a fresh one per source would keep its own stack trace). */
const SOURCE_ENDED = new DOMException('The subscription ended.', 'AbortError');

/** The deliveries of a source whose subscriber joined a group (it is never read again). */
const DETACHED: ReadyStream<never> = {
  poll: () => DONE,
  next: () => Promise.resolve(DONE),
  return: () => Promise.resolve(DONE),
  [Symbol.asyncIterator]() {
    return DETACHED;
  },
};

/** What a failure of a subscription's stream is to its subscriber: a slow consumer's cut-off is RATE_LIMITED, with how to resume. */
export function failureOf(error: unknown): Error {
  if (error instanceof SlowConsumerError) {
    return new FacadeError(
      'RATE_LIMITED',
      `This subscription fell more than ${error.maxBuffered} events behind and was closed. Subscribe again; communicationAdded resumes with \`after\` set to the last cursor received.`,
      { extensions: { maxBuffered: error.maxBuffered } },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A subscriber's admission: its slot now (or RATE_LIMITED), its count once it listens, both given
 * back by `release` (once). Made apart from openStream so that `release`, all a group member keeps
 * of its own source, holds only this (a closure of openStream would hold its whole scope).
 */
function admit(
  runtime: SubscriptionRuntime,
  credentialsKey: string,
  labels: { transport: string; field: string },
): { listening: () => void; release: () => void } {
  const releaseSlot = runtime.subscribers.admit(credentialsKey);
  let counted = false;
  let released = false;
  return {
    listening() {
      runtime.metrics?.liveSubscribers.inc(labels);
      runtime.subscribers.startListening();
      counted = true;
    },
    release() {
      if (released) return;
      released = true;
      releaseSlot();
      if (!counted) return;
      runtime.metrics?.liveSubscribers.dec(labels);
      runtime.subscribers.stopListening();
    },
  };
}

export async function openStream<T>(context: Context, spec: StreamSpec<T>): Promise<ShareableSource<Delivery<T>>> {
  const runtime = context.subscriptions;
  const fresh = context.freshLoaders;
  if (!runtime || !fresh) throw new Error('Subscriptions are not wired into this context (yoga.ts).');
  const credentials = context.credentials ?? null;
  const credentialsKey = credentials?.key ?? NO_CREDENTIALS_KEY;

  const admission = admit(runtime, credentialsKey, { transport: transportOf(context), field: spec.field });
  const metrics = runtime.metrics;
  const source = context.live.source.kind;
  const ending = new AbortController();
  let listener: LiveListener | undefined;
  let releaseWatch: (() => void) | undefined;
  /** Subscribers this source serves (a group's: server/subscription-groups.ts), for per-subscriber counts. */
  let served = () => 1;
  let sourceReleased = false;
  /** The source's own work: its bus listener, its watch (a poller), reads in flight. */
  const releaseSource = () => {
    if (sourceReleased) return;
    sourceReleased = true;
    ending.abort(SOURCE_ENDED);
    listener?.close();
    releaseWatch?.();
    listener = undefined;
    releaseWatch = undefined;
  };
  const releaseSubscriber = admission.release;
  const end = () => {
    releaseSource();
    releaseSubscriber();
  };
  const sharedRead = <R>(key: string, read: (loaders: Loaders) => Promise<R>) =>
    runtime.inFlight(`${credentialsKey}\u0000${key}`, () => read(fresh()));
  const places: Subscriber['places'] = {
    idle: (key) => runtime.logPlaces.idlePlace(`${credentialsKey}\u0000${key}`),
    track: (key, holder) => runtime.logPlaces.track(`${credentialsKey}\u0000${key}`, holder),
  };

  let subscriber: Subscriber;
  try {
    const accountSid = await spec.accountOf({ sharedRead, places });
    const topic = spec.conversationSid === undefined ? { accountSid } : { accountSid, conversationSid: spec.conversationSid };
    listener = context.live.bus.listen(topic, { maxBuffered: runtime.maxBuffered });
    releaseWatch = context.live.source.watch({ credentials, ...topic });
    admission.listening();
    subscriber = {
      accountSid,
      events: listener,
      pageLoaders: () => fresh(ending.signal),
      loadersMaxAgeMs: runtime.loadersMaxAgeMs,
      eventLoaders: (event) => runtime.eventLoaders.loadersFor(event, credentialsKey, () => fresh()),
      sharedRead,
      places,
      dropped: (event, reason) => metrics?.liveEventsDropped.inc({ source: event.source, reason }, served()),
    };
  } catch (error) {
    end();
    throw error;
  }

  // The field's deliveries as a stream that polls (live/ready-stream.ts): a transport that polls
  // takes an event in the call that pushed it. A failure becomes the stream's last delivery.
  // A read waiting for the next event ends when the stream does: ending closes the listener (and
  // aborts reads), and the waiting consumer is woken to find the end; the slot is freed now.
  let deliveries: ReadyStream<Delivery<T>> = asReadyStream(spec.deliveries(subscriber));
  let finished = false;
  const waiter = new Waiter();
  const failed = (error: unknown): IteratorResult<Delivery<T>, undefined> => {
    if (finished) return DONE;
    finished = true;
    if (error instanceof SlowConsumerError) metrics?.liveEventsDropped.inc({ source, reason: 'slow_consumer' });
    // After the end was asked for, a failure is only the work being cut short: nobody listens.
    const cutShort = ending.signal.aborted;
    end();
    return cutShort ? DONE : { value: Delivery.failure<T>(failureOf(error)), done: false };
  };
  const finish = () => {
    finished = true;
    end();
    returnLater(deliveries);
    waiter.wakeUp();
    return Promise.resolve(DONE);
  };
  const stream: ShareableSource<Delivery<T>> = {
    position: () => (finished ? undefined : (deliveries as Partial<ShareableSource<Delivery<T>>>).position?.()),
    detach() {
      if (finished) return;
      finished = true;
      releaseSource();
      returnLater(deliveries);
      // What a member keeps of its own source is its admission: the field's state can go.
      deliveries = DETACHED;
    },
    releaseSubscriber,
    shareWith(subscribers) {
      served = subscribers;
    },
    poll(wake) {
      if (finished) return DONE;
      let step: IteratorResult<Delivery<T>, undefined> | undefined;
      try {
        step = deliveries.poll(wake);
      } catch (error) {
        return failed(error);
      }
      if (step === undefined) return waiter.wait(wake);
      waiter.clear();
      if (step.done) {
        finished = true;
        end();
      }
      return step;
    },
    next: () => nextByPolling(stream),
    return: () => finish(),
    throw: () => finish(),
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

/**
 * A field's deliveries made from the events of the subscriber's account as they come: `take`
 * answers an event's delivery, or undefined to pass it by. Only events of the subscriber's
 * account reach `take` (the topic already is; this is the second lock). It polls the listener
 * (live/ready-stream.ts): an event goes on in the call that pushed it.
 */
export function eventDeliveries<T>(subscriber: Subscriber, take: (event: LiveEvent) => Delivery<T> | undefined): ReadyStream<Delivery<T>> {
  const events = subscriber.events;
  const stream: ReadyStream<Delivery<T>> = {
    poll(wake) {
      for (;;) {
        const step = events.poll(wake);
        if (step === undefined) return undefined;
        if (step.done) return DONE;
        const event = step.value;
        // The record names its account too: an event whose record is another account's is not this subscriber's either.
        if (event.accountSid !== subscriber.accountSid || event.record?.accountId !== subscriber.accountSid) {
          subscriber.dropped(event, 'cross_account');
          continue;
        }
        const delivery = take(event);
        if (delivery) return { value: delivery, done: false };
      }
    },
    next: () => nextByPolling(stream),
    return: () => {
      events.close();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
