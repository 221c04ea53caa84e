// endingAt (server/credential-expiry.ts) on fake timers: a quiet stream ends at its credentials'
// expiry even while a read is waiting, the source is returned, nothing is left scheduled, and an
// expiry beyond setTimeout's 24.8-day limit neither fires early nor is lost.
import type { ExecutionResult } from 'graphql';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endingAt } from '../../src/server/credential-expiry.ts';

const DAY = 24 * 60 * 60 * 1000;
const EXPIRED = { message: 'The credentials expired: subscribe again with fresh ones.', extensions: { code: 'UNAUTHENTICATED' } };

/** A stream that never yields by itself, and counts how often it was asked to stop. */
function quietSource() {
  let returned = 0;
  const source: AsyncIterable<ExecutionResult> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<ExecutionResult>>(() => {}),
      return: async () => {
        returned++;
        return { value: undefined, done: true };
      },
    }),
  };
  return { source, returned: () => returned };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('endingAt', () => {
  it('ends a stream waiting for its next event at the expiry, with UNAUTHENTICATED, and returns the source', async () => {
    const { source, returned } = quietSource();
    const stream = endingAt(source, Date.now() + 5000);
    const read = stream.next();
    await vi.advanceTimersByTimeAsync(4999);
    let settled = false;
    void read.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const last = (await read).value as ExecutionResult;
    expect(last.errors?.map((error) => error.toJSON())).toEqual([EXPIRED]);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(returned()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a stream that ends first (the client leaves) leaves no timer behind', async () => {
    const { source, returned } = quietSource();
    const stream = endingAt(source, Date.now() + 60_000);
    expect(vi.getTimerCount()).toBe(1);
    await stream.return?.();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(returned()).toBe(1);
  });

  it('an expiry 30 days away: still open after 25 days (past setTimeout’s limit), ended at 30', async () => {
    const { source } = quietSource();
    const stream = endingAt(source, Date.now() + 30 * DAY);
    const read = stream.next();
    let settled = false;
    void read.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(25 * DAY);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(5 * DAY);
    expect(((await read).value as ExecutionResult).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('credentials already expired: the first read is the error', async () => {
    const { source } = quietSource();
    const stream = endingAt(source, Date.now() - 1);
    expect(((await stream.next()).value as ExecutionResult).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await stream.next()).done).toBe(true);
  });
});
