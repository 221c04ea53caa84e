// A result stream the server can end at any moment. Ending a subscription from outside (its
// credentials expired, the connection closed, the service shuts down) must not wait for the next
// event: a pending read is woken at once (it finds the reason the stream ended, or its end), and
// the source is handed its `return()` without waiting on it. It polls (live/ready-stream.ts), so a
// transport that polls reads through it with no promise step.
import { asReadyStream, DONE, nextByPolling, returnLater, Waiter, type ReadyStream } from '../live/ready-stream.ts';

export interface EndableStream<T> extends ReadyStream<T> {
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

export function endableStream<S, T>(source: AsyncIterable<S>, options: EndableStreamOptions<S, T>): EndableStream<T> {
  const from = asReadyStream(source);
  let ended = false;
  /** A value still to deliver after the stream ended (the reason it ended). */
  let last: { value: T } | undefined;
  const waiter = new Waiter();

  function finish(returnSource: boolean): void {
    if (ended) return;
    ended = true;
    if (returnSource) returnLater(from);
    options.onEnd?.();
  }

  function fail(error: unknown, returnSource: boolean): IteratorResult<T, undefined> {
    finish(returnSource);
    const value = options.recover?.(error);
    return value === undefined ? DONE : { value, done: false };
  }

  const stream: EndableStream<T> = {
    poll(wake) {
      if (last) {
        const { value } = last;
        last = undefined;
        return { value, done: false };
      }
      if (ended) return DONE;
      let step: IteratorResult<S, undefined> | undefined;
      try {
        step = from.poll(wake);
      } catch (error) {
        return fail(error, false);
      }
      if (step === undefined) return waiter.wait(wake);
      waiter.clear();
      if (step.done) {
        finish(false);
        return DONE;
      }
      try {
        return { value: options.map(step.value), done: false };
      } catch (error) {
        return fail(error, true);
      }
    },
    next: () => nextByPolling(stream),
    end(value?: T) {
      if (ended) return;
      finish(true);
      if (value !== undefined) last = { value };
      waiter.wakeUp();
    },
    return() {
      last = undefined;
      finish(true);
      waiter.wakeUp();
      return Promise.resolve(DONE);
    },
    throw() {
      last = undefined;
      finish(true);
      waiter.wakeUp();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
