// What a subscription's source stream yields to the executor: one payload together with the
// loaders it is resolved with (a set per live event and credential, or the set that read a
// catch-up page), or the failure that ends the stream as a GraphQL error with a contract code.
// server/subscriptions.ts executes each delivery with its own loaders in the context, so no
// request's deadline or cache is ever used for an event.
import type { Loaders } from '../loaders/index.ts';

export class Delivery<T> {
  readonly loaders: Loaders | undefined;
  readonly #value: T | undefined;
  readonly #failure: Error | undefined;

  private constructor(value: T | undefined, loaders: Loaders | undefined, failure: Error | undefined) {
    this.#value = value;
    this.loaders = loaders;
    this.#failure = failure;
  }

  static of<T>(value: T, loaders: Loaders): Delivery<T> {
    return new Delivery<T>(value, loaders, undefined);
  }

  /** The stream's last delivery: the subscription field raises it, the stream then ends. */
  static failure<T>(error: Error): Delivery<T> {
    return new Delivery<T>(undefined, undefined, error);
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
