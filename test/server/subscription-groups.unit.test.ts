// Subscription groups (src/server/subscription-groups.ts) with in-memory sources: who shares a
// pipeline (the same key and position, idle), and what each member keeps of its own: its order,
// its slow-consumer cut-off, its admission given back once, whoever leaves first.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DONE, mapReady, nextByPolling, Waiter, type ReadyStream, type ShareableSource } from '../../src/live/ready-stream.ts';
import { SubscriptionGroups, type MemberOptions, type PipelineItem } from '../../src/server/subscription-groups.ts';

interface FakeSource extends ShareableSource<number> {
  push(value: number): void;
  end(): void;
  stand: string | undefined;
  detached: number;
  released: number;
  returned: number;
  served: () => number;
}

function fakeSource(stand: string | undefined): FakeSource {
  const queue: number[] = [];
  let ended = false;
  const waiter = new Waiter();
  const source: FakeSource = {
    stand,
    detached: 0,
    released: 0,
    returned: 0,
    served: () => 1,
    push(value) {
      queue.push(value);
      waiter.wakeUp();
    },
    end() {
      ended = true;
      waiter.wakeUp();
    },
    position: () => source.stand,
    detach: () => void source.detached++,
    releaseSubscriber: () => void source.released++,
    shareWith(subscribers) {
      source.served = subscribers;
    },
    poll(nextWake) {
      if (queue.length) return { value: queue.shift()!, done: false };
      if (ended) return DONE;
      return waiter.wait(nextWake);
    },
    next: () => nextByPolling(source),
    return() {
      source.returned++;
      source.end();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]: () => source,
  };
  return source;
}

const CUT_OFF = { errors: [new GraphQLError('cut off')] } as ExecutionResult;

const pipelineOf = (source: FakeSource) => mapReady(source, (value): PipelineItem => ({ root: value, result: { data: { value } } }));

function options(overrides: Partial<MemberOptions> = {}): MemberOptions & { delivered: MemberOptions['delivered'] } {
  return {
    delivered: (item) => item.result,
    maxBuffered: 2,
    cutOff: () => CUT_OFF,
    ...overrides,
  };
}

/** Everything a member has ready now, without waiting. */
function take(stream: ReadyStream<ExecutionResult>): Array<ExecutionResult | 'done'> {
  const taken: Array<ExecutionResult | 'done'> = [];
  for (;;) {
    const step = stream.poll(() => {});
    if (step === undefined) return taken;
    if (step.done) return [...taken, 'done'];
    taken.push(step.value);
  }
}

const values = (taken: Array<ExecutionResult | 'done'>) =>
  taken.map((item) => (item === 'done' ? 'done' : (item.data as { value: number }).value));

describe('subscription groups', () => {
  it('subscribers of one key standing at one place share the first one’s pipeline: the second gives up its own', () => {
    const groups = new SubscriptionGroups();
    const [a, b] = [fakeSource('p1'), fakeSource('p1')];
    const first = groups.join('k', a, pipelineOf(a), options());
    const second = groups.join('k', b, pipelineOf(b), options());
    expect([a.detached, b.detached]).toEqual([0, 1]);
    expect(groups.size).toBe(1);
    expect(a.served()).toBe(2);
    a.push(1);
    a.push(2);
    b.push(99); // the detached source is read no more
    expect(values(take(first))).toEqual([1, 2]);
    expect(values(take(second))).toEqual([1, 2]);
  });

  it('another key, another place, or a source not idle: no sharing', () => {
    const groups = new SubscriptionGroups();
    const a = fakeSource('p1');
    groups.join('k', a, pipelineOf(a), options());
    const otherKey = fakeSource('p1');
    const otherPlace = fakeSource('p2');
    const busy = fakeSource(undefined);
    const lone = groups.join('other', otherKey, pipelineOf(otherKey), options());
    groups.join('k', otherPlace, pipelineOf(otherPlace), options());
    const own = groups.join('k', busy, pipelineOf(busy), options());
    expect([otherKey.detached, otherPlace.detached, busy.detached]).toEqual([0, 0, 0]);
    expect(groups.size).toBe(3);
    busy.push(7);
    expect(values(take(own))).toEqual([7]);
    otherKey.push(8);
    expect(values(take(lone))).toEqual([8]);
  });

  it('a group that moved on is not joined at its old place', () => {
    const groups = new SubscriptionGroups();
    const a = fakeSource('p1');
    const first = groups.join('k', a, pipelineOf(a), options());
    a.push(1);
    a.stand = 'p2';
    expect(values(take(first))).toEqual([1]);
    const late = fakeSource('p1');
    groups.join('k', late, pipelineOf(late), options());
    expect(late.detached).toBe(0);
    const onTime = fakeSource('p2');
    groups.join('k', onTime, pipelineOf(onTime), options());
    expect(onTime.detached).toBe(1);
  });

  it('a result on its way through the pipeline (an execution in flight) makes the group not joinable until it is out', async () => {
    const groups = new SubscriptionGroups();
    const a = fakeSource('p');
    let finish: (() => void) | undefined;
    const slow = mapReady(
      a,
      (value): Promise<PipelineItem> => new Promise((resolve) => (finish = () => resolve({ root: value, result: { data: { value } } }))),
    );
    const first = groups.join('k', a, slow, options());
    a.push(1);
    const early = fakeSource('p');
    groups.join('k', early, pipelineOf(early), options());
    expect(early.detached).toBe(0);
    finish!();
    await Promise.resolve();
    await Promise.resolve();
    expect(values(take(first))).toEqual([1]);
    const later = fakeSource('p');
    groups.join('k', later, pipelineOf(later), options());
    expect(later.detached).toBe(1);
  });

  it('a member more than maxBuffered behind is cut off alone: its queue dropped, the cut-off result last, its admission given back once', () => {
    const groups = new SubscriptionGroups();
    const [a, b] = [fakeSource('p'), fakeSource('p')];
    const reader = groups.join('k', a, pipelineOf(a), options());
    const stalled = groups.join('k', b, pipelineOf(b), options());
    for (const value of [1, 2, 3]) {
      a.push(value);
      expect(values(take(reader))).toEqual([value]);
    }
    expect(take(stalled)).toEqual([CUT_OFF, 'done']);
    expect(b.released).toBe(1);
    a.push(4);
    expect(values(take(reader))).toEqual([4]);
    expect(a.served()).toBe(1);
  });

  it('the first subscriber leaving gives back only its admission: the group goes on; the last one leaving ends the pipeline', async () => {
    const groups = new SubscriptionGroups();
    const [a, b] = [fakeSource('p'), fakeSource('p')];
    const first = groups.join('k', a, pipelineOf(a), options());
    const second = groups.join('k', b, pipelineOf(b), options());
    await first.return!();
    expect([a.released, a.returned]).toEqual([1, 0]);
    a.push(5);
    expect(values(take(second))).toEqual([5]);
    await second.return!();
    await Promise.resolve();
    expect([a.released, a.returned, b.released]).toEqual([1, 1, 1]);
    expect(groups.size).toBe(0);
  });

  it('the pipeline ending reaches every member after what was queued for it', () => {
    const groups = new SubscriptionGroups();
    const [a, b] = [fakeSource('p'), fakeSource('p')];
    const first = groups.join('k', a, pipelineOf(a), options());
    const second = groups.join('k', b, pipelineOf(b), options());
    a.push(1);
    a.end();
    expect(values(take(first))).toEqual([1, 'done']);
    expect(values(take(second))).toEqual([1, 'done']);
    expect([a.released, b.released]).toEqual([1, 1]);
    expect(groups.size).toBe(0);
  });

  it('each member counts its own deliveries (its transport, its metrics)', () => {
    const groups = new SubscriptionGroups();
    const [a, b] = [fakeSource('p'), fakeSource('p')];
    const counted = { first: 0, second: 0 };
    const counting = (who: keyof typeof counted) =>
      options({
        delivered: (item) => {
          counted[who]++;
          return item.result;
        },
      });
    const first = groups.join('k', a, pipelineOf(a), counting('first'));
    const second = groups.join('k', b, pipelineOf(b), counting('second'));
    a.push(1);
    a.push(2);
    take(first);
    take(second);
    expect(counted).toEqual({ first: 2, second: 2 });
  });
});
