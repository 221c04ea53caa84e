// An abort signal tied to a parent signal and, optionally, a deadline: a request's (the client
// leaves, or REQUEST_TIMEOUT_MS passes), a WebSocket operation's (it ends, or its connection
// closes), a subscription's piece of work. Why not AbortSignal.any([parent, AbortSignal.timeout(ms)]):
// node keeps such a composite signal alive, with weak cells, registry entries and its timer, until
// the timeout fires, however long the request has been answered (about 1.5 KB for 15 s after every
// request and every subscription), and the timeout builds a DOMException with its stack. This one
// holds a listener on the parent and a timer, both let go at once by release() or when it aborts.
import type { Plugin } from 'graphql-yoga';

/** The reason of a deadline that passed: made once (a DOMException per abort would capture a stack each time). */
export const DEADLINE_PASSED = new DOMException('The request deadline passed.', 'TimeoutError');

export class LinkedSignal {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #onParentAbort = () => this.abort(this.#parent?.reason);

  constructor(parent: AbortSignal | undefined, timeoutMs?: number) {
    this.#parent = parent;
    if (parent?.aborted) {
      this.#controller.abort(parent.reason);
      return;
    }
    parent?.addEventListener('abort', this.#onParentAbort, { once: true });
    if (timeoutMs !== undefined) {
      this.#timer = setTimeout(() => this.abort(DEADLINE_PASSED), timeoutMs);
      this.#timer.unref();
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts with `reason` (a shared one: see DEADLINE_PASSED), and lets go of the parent and the timer. */
  abort(reason: unknown): void {
    this.release();
    this.#controller.abort(reason);
  }

  /** Lets go of the parent and the timer: nothing will abort the signal any more (the work it guarded is done). */
  release(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }
}

/** Each request's deadline, by request: released once it is answered (requestDeadline, useRequestDeadlines). */
const deadlines = new WeakMap<Request, LinkedSignal>();

/** The request's deadline: aborts when the client leaves or `timeoutMs` pass, whichever is first. */
export function requestDeadline(request: Request, timeoutMs: number): LinkedSignal {
  const deadline = new LinkedSignal(request.signal, timeoutMs);
  deadlines.get(request)?.release();
  deadlines.set(request, deadline);
  return deadline;
}

/** The request is answered: its deadline's timer and listener go (a subscription's stream reads with loaders of its own). */
export function releaseRequestDeadline(request: Request): void {
  deadlines.get(request)?.release();
  deadlines.delete(request);
}

/** Releases every HTTP request's deadline when its response is ready (for SSE: when the stream opens). */
export function useRequestDeadlines(): Plugin {
  return {
    onResponse({ request }) {
      releaseRequestDeadline(request);
    },
  };
}
