// A result stream the server can end at any moment. Ending a subscription from outside (its
// credentials expired, the connection closed, the service shuts down) must not wait for the next
// event: an async generator queues `return()` behind a pending `next()`, so a quiet subscription
// would hold its listener, its timers and its socket until something happened. This iterator
// settles a pending read at once and hands the source its `return()` without waiting on it.

export interface EndableStream<T> extends AsyncIterableIterator<T> {
  /** Ends the stream now: a pending (or the next) read gets `last` when given, then the stream is done. */
  end(last?: T): void;
}

export interface EndableStreamOptions<S, T> {
  map: (value: S) => T;
  /** A failure of the source: a last value to deliver, or undefined to end quietly. */
  recover?: (error: unknown) => T | undefined;
  /** Called once, however the stream ends (source done or failed, end(), return()). */
  onEnd?: () => void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

export function endableStream<S, T>(source: AsyncIterable<S>, options: EndableStreamOptions<S, T>): EndableStream<T> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  /** A value still to deliver after the stream ended (the reason it ended). */
  let last: { value: T } | undefined;
  /** The read in progress: only one at a time, as for-await reads. */
  let pending: ((result: IteratorResult<T, undefined>) => void) | undefined;

  function finish(returnSource: boolean): void {
    if (ended) return;
    ended = true;
    if (returnSource) {
      // Not awaited: the source may be an async generator whose return() waits for its next event.
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => {});
    }
    options.onEnd?.();
  }

  function settle(result: IteratorResult<T, undefined>): void {
    const resolve = pending;
    pending = undefined;
    resolve?.(result);
  }

  // One set of handlers per stream, not per read: only one read is ever in progress, and a step
  // that comes after the stream ended finds no read to settle (next() reads nothing once ended).
  function onStep(step: IteratorResult<S>): void {
    if (pending === undefined) return; // ended while reading: already settled
    if (step.done) {
      finish(false);
      settle(DONE);
      return;
    }
    let value: T;
    try {
      value = options.map(step.value);
    } catch (error) {
      fail(error, true);
      return;
    }
    settle({ value, done: false });
  }

  function onFailure(error: unknown): void {
    if (pending !== undefined) fail(error, false);
  }

  function read(resolve: (result: IteratorResult<T, undefined>) => void): void {
    pending = resolve;
    iterator.next().then(onStep, onFailure);
  }

  const stream: EndableStream<T> = {
    [Symbol.asyncIterator]() {
      return stream;
    },
    next() {
      if (last) {
        const { value } = last;
        last = undefined;
        return Promise.resolve({ value, done: false });
      }
      if (ended) return Promise.resolve(DONE);
      return new Promise(read);
    },
    end(value?: T) {
      if (ended) return;
      finish(true);
      if (value === undefined) settle(DONE);
      else if (pending) settle({ value, done: false });
      else last = { value };
    },
    return() {
      last = undefined;
      finish(true);
      settle(DONE);
      return Promise.resolve(DONE);
    },
    throw() {
      last = undefined;
      finish(true);
      settle(DONE);
      return Promise.resolve(DONE);
    },
  };

  function fail(error: unknown, returnSource: boolean): void {
    finish(returnSource);
    const value = options.recover?.(error);
    if (value === undefined) settle(DONE);
    else settle({ value, done: false });
  }

  return stream;
}
