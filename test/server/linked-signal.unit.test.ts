// LinkedSignal (src/server/linked-signal.ts): a request's deadline and a WebSocket operation's end,
// without AbortSignal.any/timeout (which node keeps alive until the timeout fires).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEADLINE_PASSED, LinkedSignal, releaseRequestDeadline, requestDeadline } from '../../src/server/linked-signal.ts';

describe('LinkedSignal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with the parent’s reason when the parent aborts', () => {
    const parent = new AbortController();
    const linked = new LinkedSignal(parent.signal, 1000);
    const reason = new Error('client left');
    parent.abort(reason);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe(reason);
  });

  it('aborts with the one shared DEADLINE_PASSED when its time is up, and not a moment before', () => {
    const first = new LinkedSignal(undefined, 1000);
    const second = new LinkedSignal(new AbortController().signal, 1000);
    vi.advanceTimersByTime(999);
    expect(first.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(first.signal.reason).toBe(DEADLINE_PASSED);
    expect(second.signal.reason).toBe(DEADLINE_PASSED);
  });

  it('is aborted at once under a parent that already was', () => {
    const parent = new AbortController();
    parent.abort('gone');
    const linked = new LinkedSignal(parent.signal, 1000);
    expect(linked.signal.reason).toBe('gone');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('release() lets go of the parent and the timer: nothing aborts it afterwards', () => {
    const parent = new AbortController();
    const linked = new LinkedSignal(parent.signal, 1000);
    expect(vi.getTimerCount()).toBe(1);
    linked.release();
    expect(vi.getTimerCount()).toBe(0);
    parent.abort('late');
    vi.advanceTimersByTime(5000);
    expect(linked.signal.aborted).toBe(false);
  });

  it('abort() clears its timer and listener too, and the first reason stays', () => {
    const parent = new AbortController();
    const linked = new LinkedSignal(parent.signal, 1000);
    linked.abort('ended');
    expect(vi.getTimerCount()).toBe(0);
    parent.abort('later');
    expect(linked.signal.reason).toBe('ended');
  });

  it('a request’s deadline is found by its request and released once it is answered', () => {
    const client = new AbortController();
    const request = new Request('http://facade.invalid/graphql', { method: 'POST', signal: client.signal });
    const deadline = requestDeadline(request, 1000);
    expect(vi.getTimerCount()).toBe(1);
    releaseRequestDeadline(request);
    expect(vi.getTimerCount()).toBe(0);
    client.abort();
    expect(deadline.signal.aborted).toBe(false);
    // A second deadline for the same request replaces (and releases) the first.
    const other = new Request('http://facade.invalid/graphql', { method: 'POST' });
    const again = requestDeadline(other, 1000);
    const replaced = requestDeadline(other, 1000);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(again.signal.aborted).toBe(false);
    expect(replaced.signal.reason).toBe(DEADLINE_PASSED);
  });
});
