// The live-event bus: intake publishes, subscriptions listen. One interface so that the in-process
// bus (one replica) and a Redis-backed one (several replicas, later) are interchangeable; nothing
// outside this file knows which one runs. Topics are per account, optionally narrowed to one
// conversation, so an event can only ever reach listeners of its own account.
import type { LiveEvent } from './events.ts';
import { DONE, nextByPolling, Waiter, type ReadyStream } from './ready-stream.ts';

export interface LiveTopic {
  accountSid: string;
  /** Unset: every conversation of the account (an inbox). */
  conversationSid?: string;
}

/** A listener's events in the order the bus received them, until it is closed; polled, or iterated. */
export interface LiveListener extends ReadyStream<LiveEvent> {
  /** Events received and not yet taken. */
  readonly buffered: number;
  /** Ends the iteration (idempotent); the bus forgets the listener. */
  close(): void;
}

export interface ListenOptions {
  /**
   * The most events buffered for a listener that does not keep up. One more ends its iteration
   * with a SlowConsumerError: memory stays bounded, and the client resumes with `after`.
   */
  maxBuffered: number;
}

export interface LiveBus {
  publish(event: LiveEvent): Promise<void>;
  listen(topic: LiveTopic, options: ListenOptions): LiveListener;
  /** Listeners currently open (for metrics and limits). */
  readonly listenerCount: number;
  close(): Promise<void>;
}

/** A listener fell more than maxBuffered events behind and was cut off. */
export class SlowConsumerError extends Error {
  readonly maxBuffered: number;
  constructor(maxBuffered: number) {
    super(`The subscriber fell more than ${maxBuffered} events behind and was closed; subscribe again (with \`after\` to resume).`);
    this.name = 'SlowConsumerError';
    this.maxBuffered = maxBuffered;
  }
}

/** The bus of a single replica: events go straight from publish() to the listeners' buffers. */
export class InProcessBus implements LiveBus {
  readonly #listeners = new Map<string, Set<Listener>>();
  #count = 0;

  get listenerCount(): number {
    return this.#count;
  }

  async publish(event: LiveEvent): Promise<void> {
    for (const key of [topicKey({ accountSid: event.accountSid }), topicKey(event)]) {
      for (const listener of this.#listeners.get(key) ?? []) listener.push(event);
    }
  }

  listen(topic: LiveTopic, options: ListenOptions): LiveListener {
    const key = topicKey(topic);
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    this.#count++;
    const listener: Listener = new Listener(options.maxBuffered, () => {
      this.#count--;
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    });
    set.add(listener);
    return listener;
  }

  async close(): Promise<void> {
    for (const set of [...this.#listeners.values()]) for (const listener of [...set]) listener.close();
  }
}

function topicKey(topic: LiveTopic): string {
  return topic.conversationSid === undefined ? topic.accountSid : `${topic.accountSid}\u0000${topic.conversationSid}`;
}

/**
 * One listener's bounded queue, read by polling (a transport that polls takes an event in the same
 * call as the bus pushes it) or as an async iterator.
 */
class Listener implements LiveListener, ReadyStream<LiveEvent> {
  readonly #queue: LiveEvent[] = [];
  readonly #waiter = new Waiter();
  #failure: Error | undefined;
  #closed = false;

  readonly maxBuffered: number;
  readonly onClose: () => void;

  constructor(maxBuffered: number, onClose: () => void) {
    this.maxBuffered = maxBuffered;
    this.onClose = onClose;
  }

  get buffered(): number {
    return this.#queue.length;
  }

  push(event: LiveEvent): void {
    if (this.#closed) return;
    if (this.#queue.length >= this.maxBuffered) {
      this.#fail(new SlowConsumerError(this.maxBuffered));
      return;
    }
    this.#queue.push(event);
    this.#waiter.wakeUp();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.length = 0;
    this.onClose();
    this.#waiter.wakeUp();
  }

  /** Drops what was buffered and ends the stream with the error (at the next read). */
  #fail(error: Error): void {
    this.#failure = error;
    this.close();
  }

  poll(wake: () => void): IteratorResult<LiveEvent, undefined> | undefined {
    if (this.#queue.length > 0) return { value: this.#queue.shift()!, done: false };
    if (this.#failure) {
      const failure = this.#failure;
      this.#failure = undefined;
      throw failure;
    }
    if (this.#closed) return DONE;
    return this.#waiter.wait(wake);
  }

  next(): Promise<IteratorResult<LiveEvent, undefined>> {
    return nextByPolling(this);
  }

  return(): Promise<IteratorResult<LiveEvent, undefined>> {
    this.close();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
