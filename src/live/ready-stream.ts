// A subscription's stream with a synchronous way in: `poll(wake)` hands over the next step at once
// when there is one, and otherwise promises to call `wake` once there may be. Why: an event for a
// thousand subscribers went through eight async-iterator layers per subscriber (the bus listener,
// the resume state, the field's wrapper, execution, the policies, the transport), a promise and a
// microtask each, about half of the CPU a delivery cost. A transport that polls (sse-results.ts,
// websocket-direct.ts) gets an event from the bus push to its socket write in one synchronous
// call chain; every layer still offers `next()` (made from poll), so anything that iterates with
// for-await keeps working, and a layer that cannot poll is adapted (asReadyStream).
//
// The rules every ReadyStream keeps:
// - one consumer, which either polls or calls next(), one read at a time;
// - poll() returning undefined registers `wake` (replacing any earlier one) and calls it once, later
//   (never inside that poll), when a poll may find something: a value, the end, or a failure. A
//   wake may also come when there is nothing (a consumer polls again and waits again);
// - a failure is thrown by poll() (next() rejects with it), once; then the stream is done;
// - return() ends the stream and wakes a waiting consumer (its poll then finds the end).

export interface ReadyStream<T> extends AsyncIterableIterator<T> {
  poll(wake: () => void): IteratorResult<T, undefined> | undefined;
}

/**
 * A subscription's source that subscribers of the same operation may share (server/subscription-
 * groups.ts): while it is idle it names where it stands, and two sources that stand at the same
 * place deliver the same from then on. A subscriber that joins a group gives up its own source's
 * work (detach) but keeps its admission until it leaves (releaseSubscriber).
 */
export interface ShareableSource<T> extends ReadyStream<T> {
  /** Where the source stands, when it is idle (nothing read ahead, nothing in flight); otherwise undefined. */
  position(): string | undefined;
  /** Stops this source's own work (its bus listener, its polling): a group's source serves it now. */
  detach(): void;
  /** Gives back what admitting the subscriber took (its slot, its count), once. A function of its own: a member keeps only it. */
  readonly releaseSubscriber: () => void;
  /** How many subscribers this source serves from now on (its per-subscriber counts count for each). */
  shareWith(subscribers: () => number): void;
}

export function isShareableSource<T>(value: unknown): value is ShareableSource<T> {
  return typeof (value as { position?: unknown } | null)?.position === 'function';
}

export function isReadyStream<T>(value: unknown): value is ReadyStream<T> {
  return typeof (value as { poll?: unknown } | null)?.poll === 'function';
}

export const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** next() made from poll(): resolves with the first step a poll finds. */
export function nextByPolling<T>(stream: Pick<ReadyStream<T>, 'poll'>): Promise<IteratorResult<T, undefined>> {
  return new Promise((resolve, reject) => {
    // A wake may come after this read was answered (a layer woken another way first): it must not
    // poll again, or it would take a step nobody reads.
    let answered = false;
    const attempt = () => {
      if (answered) return;
      let step: IteratorResult<T, undefined> | undefined;
      try {
        step = stream.poll(attempt);
      } catch (error) {
        answered = true;
        reject(error);
        return;
      }
      if (step) {
        answered = true;
        resolve(step);
      }
    };
    attempt();
  });
}

/**
 * The one consumer waiting on a stream: `wait` registers its wake (replacing an earlier one) and
 * answers the poll's "nothing yet"; `wakeUp` calls it once. A wake that throws is the consumer's
 * bug and must not stop the caller (the bus's publish loop).
 */
export class Waiter {
  #wake: (() => void) | undefined;

  wait(wake: () => void): undefined {
    this.#wake = wake;
    return undefined;
  }

  clear(): void {
    this.#wake = undefined;
  }

  wakeUp(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    try {
      wake();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/**
 * A step on its way from a promise (a read of a plain iterator, a mapping that answers later):
 * taken once it is there, its failure thrown once; the consumer that polled meanwhile is woken
 * when it comes. Dropped (the stream returned), what comes later is ignored.
 */
class StepInFlight<T> {
  readonly waiter = new Waiter();
  #outcome: { step: IteratorResult<T, undefined> } | { error: unknown } | undefined;
  #awaiting = false;
  #dropped = false;

  /** A step is awaited, or came and was not taken yet. */
  get busy(): boolean {
    return this.#awaiting || this.#outcome !== undefined;
  }

  get awaiting(): boolean {
    return this.#awaiting;
  }

  await(promise: Promise<IteratorResult<T, undefined>>, wake: () => void): undefined {
    this.#awaiting = true;
    promise.then(
      (step) => this.#settle({ step }),
      (error: unknown) => this.#settle({ error }),
    );
    return this.waiter.wait(wake);
  }

  /** The step that came (a failure is thrown), or undefined while none has. */
  take(): IteratorResult<T, undefined> | undefined {
    const outcome = this.#outcome;
    if (outcome === undefined) return undefined;
    this.#outcome = undefined;
    if ('error' in outcome) throw outcome.error;
    return outcome.step;
  }

  drop(): void {
    this.#dropped = true;
    this.#outcome = undefined;
    this.waiter.wakeUp();
  }

  #settle(outcome: { step: IteratorResult<T, undefined> } | { error: unknown }): void {
    this.#awaiting = false;
    if (!this.#dropped) this.#outcome = outcome;
    this.waiter.wakeUp();
  }
}

/** Takes what a step in flight brought; a failure ends the stream (`end`) and is thrown. */
function takeOrEnd<T>(inFlight: StepInFlight<T>, end: () => void): IteratorResult<T, undefined> | undefined {
  try {
    return inFlight.take();
  } catch (error) {
    end();
    throw error;
  }
}

/**
 * Hands a stream its return() in a later step, without waiting on it: it may wait for work in
 * flight (a read, an async generator's pending next()), and whoever ends a stream must not.
 */
export function returnLater(stream: AsyncIterator<unknown>): void {
  Promise.resolve()
    .then(() => stream.return?.())
    .catch(() => {});
}

/** return() of an adapter: the source is returned, its failure ignored (the stream is done either way). */
function returnSource(source: AsyncIterator<unknown> | undefined, value?: unknown): Promise<IteratorReturnResult<undefined>> {
  return Promise.resolve(source?.return?.(value)).then(
    () => DONE,
    () => DONE,
  );
}

/**
 * Any async iterable as a ReadyStream: a ReadyStream as it is, anything else read ahead one step
 * (correct for every source, fast only for the ones that poll themselves).
 */
export function asReadyStream<T>(source: AsyncIterable<T>): ReadyStream<T> {
  if (isReadyStream<T>(source)) return source;
  const iterator = source[Symbol.asyncIterator]();
  const inFlight = new StepInFlight<T>();
  let ended = false;
  const end = () => {
    ended = true;
  };
  const stream: ReadyStream<T> = {
    poll(wake) {
      if (ended) return DONE;
      const step = takeOrEnd(inFlight, end);
      if (step) {
        if (step.done) ended = true;
        return step;
      }
      if (inFlight.awaiting) return inFlight.waiter.wait(wake);
      return inFlight.await(iterator.next() as Promise<IteratorResult<T, undefined>>, wake);
    },
    next: () => nextByPolling(stream),
    return: (value?: unknown) => {
      ended = true;
      inFlight.drop();
      return returnSource(iterator, value);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

/**
 * The stream's values mapped one by one. A mapping that answers at once costs no promise step (a
 * shared execution already made, a policy applied); one that answers with a promise holds the
 * stream until it settles. A failure of the mapping is the stream's failure.
 */
export interface MappedStream<T> extends ReadyStream<T> {
  /** A mapping is in flight: a value is on its way. */
  readonly pending: boolean;
}

export function mapReady<S, T>(source: AsyncIterable<S>, map: (value: S) => T | Promise<T>): MappedStream<T> {
  const from = asReadyStream(source);
  const inFlight = new StepInFlight<T>();
  let ended = false;
  const end = () => {
    ended = true;
  };
  const stream: MappedStream<T> = {
    get pending() {
      return inFlight.busy;
    },
    poll(wake) {
      if (ended) return DONE;
      const made = takeOrEnd(inFlight, end);
      if (made) return made;
      if (inFlight.awaiting) return inFlight.waiter.wait(wake);
      const step = from.poll(wake);
      if (step === undefined) return undefined;
      if (step.done) {
        ended = true;
        return DONE;
      }
      let value: T | Promise<T>;
      try {
        value = map(step.value);
      } catch (error) {
        ended = true;
        throw error;
      }
      if (!(value instanceof Promise)) return { value, done: false };
      return inFlight.await(
        value.then((result) => ({ value: result, done: false })),
        wake,
      );
    },
    next: () => nextByPolling(stream),
    return: (value?: unknown) => {
      ended = true;
      inFlight.drop();
      return returnSource(from, value);
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
