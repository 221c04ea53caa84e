// What a subscription's source stream yields to the executor: one payload together with the
// loaders it is resolved with (a set per live event and credential, or the set that read a
// catch-up page), or the failure that ends the stream as a GraphQL error with a contract code.
// server/subscriptions.ts executes each delivery with its own loaders in the context, so no
// request's deadline or cache is ever used for an event.
// Each delivery also says what brought it (metrics: delivered by source, and the latency from the
// event's arrival to its hand-over to the transport).
import type { Loaders } from '../loaders/index.ts';
import type { LiveEvent } from './events.ts';

/** What brought a delivery: a live event (from its arrival, `receivedAt`), or a catch-up read. */
export interface DeliveryOrigin {
  source: LiveEvent['source'] | 'catch-up';
  /** Date.now() when the event that brought it arrived (live deliveries only). */
  receivedAt?: number;
}

export class Delivery<T> {
  readonly loaders: Loaders | undefined;
  readonly origin: DeliveryOrigin | undefined;
  /** Names what is delivered (an event's payload, an edge by its cursor); unset: never shared. */
  readonly shareKey: string | undefined;
  readonly #value: T | undefined;
  readonly #failure: Error | undefined;

  private constructor(
    value: T | undefined,
    loaders: Loaders | undefined,
    failure: Error | undefined,
    origin: DeliveryOrigin | undefined,
    shareKey?: string,
  ) {
    this.#value = value;
    this.shareKey = shareKey;
    this.loaders = loaders;
    this.#failure = failure;
    this.origin = origin;
  }

  static of<T>(value: T, loaders: Loaders, origin?: DeliveryOrigin, shareKey?: string): Delivery<T> {
    return new Delivery<T>(value, loaders, undefined, origin, shareKey);
  }

  /** A delivery of a live event's own payload. */
  static ofEvent<T>(value: T, loaders: Loaders, event: LiveEvent): Delivery<T> {
    return new Delivery<T>(
      value,
      loaders,
      undefined,
      { source: event.source, receivedAt: event.receivedAt },
      `event\u0000${event.eventId}`,
    );
  }

  /** The stream's last delivery: the subscription field raises it, the stream then ends. */
  static failure<T>(error: Error): Delivery<T> {
    return new Delivery<T>(undefined, undefined, error, undefined);
  }

  /** The payload for the subscription field's resolver; throws the failure. */
  unwrap(): T {
    if (this.#failure) throw this.#failure;
    return this.#value as T;
  }
}

/** The loaders a root value (a delivery) brings, if any. */
export function loadersOf(root: unknown): Loaders | undefined {
  return root instanceof Delivery ? root.loaders : undefined;
}

/** What a root value (a delivery) delivers, when it says so. */
export function shareKeyOf(root: unknown): string | undefined {
  return root instanceof Delivery ? root.shareKey : undefined;
}

/** What brought a root value (a delivery), if anything. */
export function originOf(root: unknown): DeliveryOrigin | undefined {
  return root instanceof Delivery ? root.origin : undefined;
}
