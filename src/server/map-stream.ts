// A result stream mapped value by value with no promise step of its own when the mapping answers
// at once: yoga's mapAsyncIterator wraps every value in its promise helpers, a cost paid per
// delivery and subscriber on a subscription's path (subscriptions.ts, error-policy.ts).

/** The stream's values mapped, with no promise step when the mapping answers at once (unlike yoga's mapAsyncIterator). */
export function mapStream<S, T>(source: AsyncIterable<S>, map: (value: S) => T | Promise<T>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped: AsyncIterableIterator<T> = {
    next: () =>
      iterator.next().then((step): IteratorResult<T> | Promise<IteratorResult<T>> => {
        if (step.done) return step;
        const value = map(step.value);
        return value instanceof Promise ? value.then((made) => ({ value: made, done: false })) : { value, done: false };
      }),
    return: (value?: unknown) =>
      Promise.resolve(iterator.return?.(value)).then(() => ({ value: undefined, done: true }) as IteratorResult<T>),
    throw: (error?: unknown) =>
      Promise.resolve(iterator.throw ? iterator.throw(error) : iterator.return?.()).then(
        () => ({ value: undefined, done: true }) as IteratorResult<T>,
      ),
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}
