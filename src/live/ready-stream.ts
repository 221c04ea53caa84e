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

/** Calls a registered wake once; a wake that throws is the consumer's bug and must not stop the caller (the bus's publish loop). */
export function callWake(wake: (() => void) | undefined): void {
  if (wake === undefined) return;
  try {
    wake();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/**
 * Any async iterable as a ReadyStream: a ReadyStream as it is, anything else read ahead one step
 * (correct for every source, fast only for the ones that poll themselves).
 */
export function asReadyStream<T>(source: AsyncIterable<T>): ReadyStream<T> {
  if (isReadyStream<T>(source)) return source;
  const iterator = source[Symbol.asyncIterator]();
  let ready: IteratorResult<T, undefined> | undefined;
  let failure: { error: unknown } | undefined;
  let reading = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const stream: ReadyStream<T> = {
    poll(nextWake) {
      if (ready) {
        const step = ready;
        ready = undefined;
        if (step.done) ended = true;
        return step;
      }
      if (failure) {
        const { error } = failure;
        failure = undefined;
        ended = true;
        throw error;
      }
      if (ended) return DONE;
      wake = nextWake;
      if (!reading) {
        reading = true;
        iterator.next().then(
          (step) => {
            reading = false;
            if (!ended) ready = step as IteratorResult<T, undefined>;
            const waiting = wake;
            wake = undefined;
            callWake(waiting);
          },
          (error: unknown) => {
            reading = false;
            if (!ended) failure = { error };
            const waiting = wake;
            wake = undefined;
            callWake(waiting);
          },
        );
      }
      return undefined;
    },
    next: () => nextByPolling(stream),
    return: (value?: unknown) => {
      ended = true;
      ready = undefined;
      failure = undefined;
      const waiting = wake;
      wake = undefined;
      callWake(waiting);
      return Promise.resolve(iterator.return?.(value)).then(
        () => DONE,
        () => DONE,
      );
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
  let made: { value: T } | undefined;
  let failure: { error: unknown } | undefined;
  let pending = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const settle = () => {
    const waiting = wake;
    wake = undefined;
    callWake(waiting);
  };
  const stream: MappedStream<T> = {
    get pending() {
      return pending || made !== undefined;
    },
    poll(nextWake) {
      if (made) {
        const { value } = made;
        made = undefined;
        return { value, done: false };
      }
      if (failure) {
        const { error } = failure;
        failure = undefined;
        ended = true;
        throw error;
      }
      if (ended) return DONE;
      if (pending) {
        wake = nextWake;
        return undefined;
      }
      const step = from.poll(nextWake);
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
      pending = true;
      wake = nextWake;
      value.then(
        (result) => {
          pending = false;
          if (!ended) made = { value: result };
          settle();
        },
        (error: unknown) => {
          pending = false;
          if (!ended) failure = { error };
          settle();
        },
      );
      return undefined;
    },
    next: () => nextByPolling(stream),
    return: (value?: unknown) => {
      ended = true;
      made = undefined;
      failure = undefined;
      settle();
      return Promise.resolve(from.return?.(value)).then(
        () => DONE,
        () => DONE,
      );
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
