// Streams that poll (src/live/ready-stream.ts) against the async iteration they replace on the
// subscription path: a transport that polls must see exactly what for-await sees (the same values,
// in the same order, the same failure), whatever mix of synchronous and asynchronous steps the
// layers take; a late wake must never take a step nobody reads; ending wakes a waiting consumer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InProcessBus, SlowConsumerError } from '../../src/live/bus.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { asReadyStream, DONE, mapReady, nextByPolling, type ReadyStream } from '../../src/live/ready-stream.ts';
import { endableStream } from '../../src/server/endable-stream.ts';

/** Reads a stream to its end the way the transports do: poll until nothing, then wait for the wake. */
function drainByPolling<T>(stream: ReadyStream<T>): Promise<{ values: T[]; failure?: unknown }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    let draining = false;
    const drain = () => {
      if (draining) return;
      draining = true;
      try {
        for (;;) {
          let step: IteratorResult<T, undefined> | undefined;
          try {
            step = stream.poll(drain);
          } catch (failure) {
            resolve({ values, failure });
            return;
          }
          if (step === undefined) return;
          if (step.done) {
            resolve({ values });
            return;
          }
          values.push(step.value);
        }
      } finally {
        draining = false;
      }
    };
    drain();
  });
}

async function drainByIterating<T>(stream: AsyncIterable<T>): Promise<{ values: T[]; failure?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of stream) values.push(value);
  } catch (failure) {
    return { values, failure };
  }
  return { values };
}

/** A step of a generated source: a value now, a value after some microtasks or a timer, or a failure. */
type Step = { kind: 'value'; value: number; delay: 'now' | 'microtask' | 'timer' } | { kind: 'fail' };

async function* sourceOf(steps: Step[]): AsyncGenerator<number> {
  for (const step of steps) {
    if (step.kind === 'fail') throw new Error('source failed');
    if (step.delay === 'microtask') await Promise.resolve();
    if (step.delay === 'timer') await new Promise((resolve) => setTimeout(resolve, 0));
    yield step.value;
  }
}

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({ kind: fc.constant('value' as const), value: fc.integer(), delay: fc.constantFrom('now', 'microtask', 'timer') }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
);

/** The mapping: synchronous for some values, asynchronous for others, failing for a few. */
function mapping(value: number): number | Promise<number> {
  if (value % 7 === 0) return Promise.reject(new Error(`map failed at ${value}`));
  if (value % 3 === 0) return Promise.resolve(value * 2);
  return value * 2;
}

async function* mappedByGenerator(steps: Step[]): AsyncGenerator<number> {
  for await (const value of sourceOf(steps)) yield await mapping(value);
}

const messageOf = (failure: unknown) => (failure instanceof Error ? failure.message : failure);

describe('streams that poll agree with async iteration', () => {
  it('property: mapReady polled by a transport yields what a for-await generator yields, and fails the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { maxLength: 30 }), async (steps) => {
        const reference = await drainByIterating(mappedByGenerator(steps));
        const polled = await drainByPolling(mapReady(sourceOf(steps), mapping));
        const iterated = await drainByIterating(mapReady(sourceOf(steps), mapping));
        for (const outcome of [polled, iterated]) {
          expect(outcome.values).toEqual(reference.values);
          expect(messageOf(outcome.failure)).toEqual(messageOf(reference.failure));
        }
      }),
      { numRuns: 200, seed: 4242 },
    );
  });

  it('a wake that comes after next() was answered takes nothing: the following next() gets the following value', async () => {
    const queue = [1, 2];
    let wake: (() => void) | undefined;
    const stream: Pick<ReadyStream<number>, 'poll'> = {
      poll(nextWake) {
        if (queue.length === 0) {
          wake = nextWake;
          return undefined;
        }
        return { value: queue.shift()!, done: false };
      },
    };
    queue.length = 0;
    const first = nextByPolling(stream);
    queue.push(1, 2);
    const late = wake!;
    late();
    expect(await first).toEqual({ value: 1, done: false });
    late(); // a second, stale wake of the answered read
    expect(await nextByPolling(stream)).toEqual({ value: 2, done: false });
  });

  it('asReadyStream reads a plain iterable one step ahead and wakes its consumer once the step is there', async () => {
    const stream = asReadyStream(sourceOf([{ kind: 'value', value: 5, delay: 'timer' }]));
    let woken = 0;
    expect(stream.poll(() => woken++)).toBeUndefined();
    expect(woken).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woken).toBe(1);
    expect(stream.poll(() => woken++)).toEqual({ value: 5, done: false });
    expect(await nextByPolling(stream)).toEqual(DONE);
  });
});

const event = (n: number): LiveEvent =>
  ({ eventId: `e${n}`, type: 'COMMUNICATION_CREATED', accountSid: 'AC1', conversationSid: 'CH1' }) as unknown as LiveEvent;

describe('the bus listener polls', () => {
  it('a consumer that polls gets the event inside publish(), before publish returns', async () => {
    const bus = new InProcessBus();
    const listener = bus.listen({ accountSid: 'AC1', conversationSid: 'CH1' }, { maxBuffered: 4 });
    const received: string[] = [];
    const drain = () => {
      for (let step = listener.poll(drain); step && !step.done; step = listener.poll(drain)) received.push(step.value.eventId);
    };
    drain();
    const publishing = bus.publish(event(1));
    expect(received).toEqual(['e1']);
    await publishing;
    await bus.publish(event(2));
    expect(received).toEqual(['e1', 'e2']);
    listener.close();
    expect(listener.poll(drain)).toBe(DONE);
  });

  it('a consumer that stops polling is cut off past maxBuffered: the next poll throws SlowConsumerError, the buffer is dropped', async () => {
    const bus = new InProcessBus();
    const listener = bus.listen({ accountSid: 'AC1' }, { maxBuffered: 2 });
    for (const n of [1, 2, 3]) await bus.publish(event(n));
    expect(bus.listenerCount).toBe(0);
    expect(() => listener.poll(() => {})).toThrow(SlowConsumerError);
    expect(listener.poll(() => {})).toBe(DONE);
  });

  it('closing wakes a consumer that waits, and its poll finds the end', () => {
    const bus = new InProcessBus();
    const listener = bus.listen({ accountSid: 'AC1' }, { maxBuffered: 2 });
    let woken = 0;
    expect(listener.poll(() => woken++)).toBeUndefined();
    listener.close();
    expect(woken).toBe(1);
    expect(listener.poll(() => woken++)).toBe(DONE);
  });
});

describe('endableStream polls', () => {
  it('end(last) wakes a waiting consumer at once: it gets `last`, then the end; the source is returned', async () => {
    let returned = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => {
          returned = true;
          return { value: undefined, done: true };
        },
      }),
    };
    let ended = 0;
    const stream = endableStream<number, number>(source, { map: (value) => value, onEnd: () => ended++ });
    const reading = drainByPolling(stream);
    stream.end(99);
    expect(await reading).toEqual({ values: [99] });
    expect(ended).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(returned).toBe(true);
  });
});
