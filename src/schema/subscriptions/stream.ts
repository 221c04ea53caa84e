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
import { Delivery } from '../../live/delivery.ts';
import type { LiveEvent } from '../../live/events.ts';
import type { Loaders } from '../../loaders/index.ts';
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
}

export interface StreamSpec<T> {
  /** Unset: the account's topic (an inbox). */
  conversationSid?: string;
  /** Checks the caller may read what is subscribed to, with their credentials; answers the account. */
  accountOf: () => Promise<string>;
  deliveries: (subscriber: Subscriber) => AsyncIterable<Delivery<T>>;
}

const NO_CREDENTIALS_KEY = 'no-credentials';

function failureOf(error: unknown): Error {
  if (error instanceof SlowConsumerError) {
    return new FacadeError(
      'RATE_LIMITED',
      `This subscription fell more than ${error.maxBuffered} events behind and was closed. Subscribe again; communicationAdded resumes with \`after\` set to the last cursor received.`,
      { extensions: { maxBuffered: error.maxBuffered } },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

export async function openStream<T>(context: Context, spec: StreamSpec<T>): Promise<AsyncIterableIterator<Delivery<T>>> {
  const runtime = context.subscriptions;
  const fresh = context.freshLoaders;
  if (!runtime || !fresh) throw new Error('Subscriptions are not wired into this context (yoga.ts).');
  const credentials = context.credentials ?? null;
  const credentialsKey = credentials?.key ?? NO_CREDENTIALS_KEY;

  const releaseSlot = runtime.subscribers.admit(credentialsKey);
  const ending = new AbortController();
  let listener: LiveListener | undefined;
  let releaseWatch: (() => void) | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    ending.abort();
    listener?.close();
    releaseWatch?.();
    releaseSlot();
  };

  let subscriber: Subscriber;
  try {
    const accountSid = await spec.accountOf();
    const topic = spec.conversationSid === undefined ? { accountSid } : { accountSid, conversationSid: spec.conversationSid };
    listener = context.live.bus.listen(topic, { maxBuffered: runtime.maxBuffered });
    releaseWatch = context.live.source.watch({ credentials, ...topic });
    subscriber = {
      accountSid,
      events: listener,
      pageLoaders: () => fresh(ending.signal),
      loadersMaxAgeMs: runtime.loadersMaxAgeMs,
      eventLoaders: (event) => runtime.eventLoaders.loadersFor(event, credentialsKey, () => fresh()),
    };
  } catch (error) {
    end();
    throw error;
  }

  async function* guarded(): AsyncGenerator<Delivery<T>> {
    try {
      yield* spec.deliveries(subscriber);
    } catch (error) {
      // After the end was asked for, a failure is only the work being cut short: nobody listens.
      if (!ending.signal.aborted) yield Delivery.failure<T>(failureOf(error));
    } finally {
      end();
    }
  }
  const generator = guarded();
  // A generator waiting for the next event would only see return() once an event came: ending
  // first closes the listener (and aborts reads), so the wait ends now and the slot is freed now.
  const stream: AsyncIterableIterator<Delivery<T>> = {
    next: () => generator.next(),
    return: (value?: unknown) => {
      end();
      return generator.return(value as undefined);
    },
    throw: (error?: unknown) => {
      end();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

/** Keeps only events of the subscriber's account (the topic already is; this is the second lock). */
export async function* eventsOfAccount(subscriber: Subscriber): AsyncGenerator<LiveEvent> {
  for await (const event of subscriber.events) {
    if (event.accountSid === subscriber.accountSid) yield event;
  }
}
