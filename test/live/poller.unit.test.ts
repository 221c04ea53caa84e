// The poller in memory: a fake clock and scheduler, a fake upstream with the emulator's page-token
// rules (a token only works with its pageSize), and a recording bus. Every timing claim (interval,
// jitter, backoff, Retry-After, no overlap) is checked against the fake clock, never a real sleep.
import { describe, expect, it } from 'vitest';
import type { LiveBus } from '../../src/live/bus.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { pollEventId } from '../../src/live/poll-window.ts';
import { Poller, type PollerOptions, type PollReads, type PollScheduler, type TickReport } from '../../src/live/poller.ts';
import type { PageRequest } from '../../src/upstream/api.ts';
import type { CallContext } from '../../src/upstream/client.ts';
import { makeCredentials, type Credentials } from '../../src/upstream/credentials.ts';
import { UpstreamError } from '../../src/upstream/errors.ts';
import type { UpstreamCommunication, UpstreamConversation, UpstreamPage, UpstreamParticipant } from '../../src/upstream/types.ts';

const ACCOUNT = 'AC11111111111111111111111111111111';
const OTHER = 'AC22222222222222222222222222222222';
const ALICE = makeCredentials(ACCOUNT, 'alice-secret');
const BOB = makeCredentials('SK00000000000000000000000000000001', 'bob-secret');
const OTHER_CREDENTIALS = makeCredentials(OTHER, 'other-secret');
const START = Date.parse('2025-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Timers on a fake clock; advance() runs the due ones in order and lets their promises settle. */
class FakeTime implements PollScheduler {
  now = START;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      await settle();
      const due = [...this.#timers.entries()].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = target;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Call {
  operation: string;
  conversationSid: string | undefined;
  pageToken: string | null;
  pageSize: number | undefined;
  credentials: string;
  at: number;
  signal: AbortSignal;
}

/** The upstream in memory: lists oldest first, tokens `size:afterId` valid for their size only. */
class FakeUpstream {
  readonly calls: Call[] = [];
  readonly conversations: UpstreamConversation[] = [];
  readonly communications = new Map<string, UpstreamCommunication[]>();
  readonly participants = new Map<string, UpstreamParticipant[]>();
  /** Errors the next calls about that conversation (or '*': any) throw, in order. */
  readonly #failures: Array<{ conversationSid: string; error: Error }> = [];
  /** While set, calls wait for it (and fail when their tick is aborted). */
  gate: Promise<void> | undefined;
  readonly time: FakeTime;

  constructor(time: FakeTime) {
    this.time = time;
  }

  failNext(conversationSid: string, error: Error): void {
    this.#failures.push({ conversationSid, error });
  }

  conversation(id: string, accountId = ACCOUNT, at = START - 60_000): UpstreamConversation {
    const record: UpstreamConversation = { kind: 'Conversation', id, accountId, status: 'ACTIVE', createdAt: iso(at), updatedAt: iso(at) };
    this.conversations.push(record);
    this.communications.set(id, []);
    this.participants.set(id, []);
    return record;
  }

  communication(conversationId: string, n: number, at: number, accountId = ACCOUNT): UpstreamCommunication {
    const record: UpstreamCommunication = {
      kind: 'Communication',
      id: `comm_${conversationId}_${String(n).padStart(3, '0')}`,
      conversationId,
      accountId,
      author: { address: '+15005550001', channel: 'SMS' },
      recipients: [{ address: '+15005550002', channel: 'SMS' }],
      content: { type: 'TEXT', text: `message ${n}` },
      createdAt: iso(at),
      updatedAt: iso(at),
    };
    this.communications.get(conversationId)!.push(record);
    return record;
  }

  participant(conversationId: string, id: string, at: number): UpstreamParticipant {
    const record: UpstreamParticipant = {
      kind: 'Participant',
      id,
      conversationId,
      accountId: ACCOUNT,
      addresses: [],
      createdAt: iso(at),
      updatedAt: iso(at),
    };
    this.participants.get(conversationId)!.push(record);
    return record;
  }

  readonly reads = (context: CallContext): PollReads => {
    const call = async <T>(
      operation: string,
      conversationSid: string | undefined,
      page: PageRequest | undefined,
      answer: () => T,
    ): Promise<T> => {
      this.calls.push({
        operation,
        conversationSid,
        pageToken: page?.pageToken ?? null,
        pageSize: page?.pageSize,
        credentials: context.credentials!.key,
        at: this.time.now,
        signal: context.signal!,
      });
      context.onCall?.({ operation, method: 'GET', status: 200, durationMs: 1 });
      if (this.gate) {
        const signal = context.signal!;
        await Promise.race([
          this.gate,
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })),
        ]);
      }
      const failure = this.#failures.findIndex((f) => f.conversationSid === '*' || f.conversationSid === conversationSid);
      if (failure >= 0) throw this.#failures.splice(failure, 1)[0]!.error;
      return structuredClone(answer());
    };
    return {
      listCommunications: (id, page) => call('ListCommunications', id, page, () => pageOf(this.communications.get(id) ?? [], page)),
      listConversations: (page) => call('ListConversations', undefined, page, () => pageOf(this.conversations, page)),
      getConversation: (id) => call('FetchConversation', id, undefined, () => this.conversations.find((c) => c.id === id) ?? null),
      listParticipants: (id, page) => call('ListParticipants', id, page, () => pageOf(this.participants.get(id) ?? [], page)),
    };
  };
}

function pageOf<T extends { id: string }>(items: readonly T[], page: PageRequest): UpstreamPage<T> {
  let start = 0;
  if (page.pageToken !== null) {
    const [size, after] = page.pageToken.split(':');
    if (Number(size) !== page.pageSize) throw new UpstreamError('BAD_USER_INPUT', 'token of another pageSize', { status: 400 });
    start = items.findIndex((item) => item.id === after) + 1;
  }
  const picked = items.slice(start, start + page.pageSize);
  const more = items.length > start + page.pageSize;
  return { items: picked, nextToken: more ? `${page.pageSize}:${picked.at(-1)!.id}` : null, previousToken: null };
}

class RecordingBus implements LiveBus {
  readonly events: LiveEvent[] = [];
  failures = 0;
  readonly listenerCount = 0;
  async publish(event: LiveEvent): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('bus unavailable');
    }
    this.events.push(event);
  }
  listen(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

function setup(overrides: Partial<PollerOptions> = {}) {
  const time = new FakeTime();
  const upstream = new FakeUpstream(time);
  const bus = new RecordingBus();
  const reports: TickReport[] = [];
  const pollers: number[] = [];
  const poller = new Poller({
    intervalMs: 1000,
    jitterMs: 0,
    maxConcurrent: 4,
    timeoutMs: 30_000,
    detailsEvery: 0,
    pageSize: 3,
    maxBackoffMs: 8000,
    bus,
    reads: upstream.reads,
    scheduler: time,
    random: () => 0,
    now: () => time.now,
    observer: { onTick: (report) => reports.push(report), onPollers: (count) => pollers.push(count) },
    ...overrides,
  });
  const watch = (credentials: Credentials | null, conversationSid?: string, accountSid = ACCOUNT) =>
    poller.watch({ credentials, accountSid, ...(conversationSid === undefined ? {} : { conversationSid }) });
  return { time, upstream, bus, reports, pollers, poller, watch };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('poller: one loop per account and conversation, shared, stopped with the last watcher', () => {
  it('two watchers of one conversation share one loop: one call per tick; the loop stops (no timer, no call) when the last releases', async () => {
    const { time, upstream, poller, pollers, watch } = setup();
    upstream.conversation('conv_a');
    const first = watch(ALICE, 'conv_a');
    const second = watch(ALICE, 'conv_a');
    expect(poller.activeLoops).toBe(1);
    await time.advance(0);
    expect(upstream.calls).toHaveLength(1);
    await time.advance(3000);
    expect(upstream.calls.map((call) => call.at - START)).toEqual([0, 1000, 2000, 3000]);

    first();
    first(); // idempotent: does not release the second watcher's share
    await time.advance(1000);
    expect(upstream.calls).toHaveLength(5);

    second();
    expect(poller.activeLoops).toBe(0);
    expect(time.pending).toBe(0);
    await time.advance(60_000);
    expect(upstream.calls).toHaveLength(5);
    expect(pollers).toEqual([1, 0]);
  });

  it('each conversation, each inbox and each account has its own loop, reading with its own watchers’ credentials', async () => {
    const { time, upstream, poller, watch } = setup();
    upstream.conversation('conv_a');
    upstream.conversation('conv_b');
    watch(ALICE, 'conv_a');
    watch(ALICE, 'conv_b');
    watch(ALICE); // the account's inbox
    watch(OTHER_CREDENTIALS, 'conv_a', OTHER); // the same sid under another account is another loop
    expect(poller.activeLoops).toBe(4);
    await time.advance(0);
    expect(upstream.calls.map((call) => [call.operation, call.conversationSid, call.credentials])).toEqual([
      ['ListCommunications', 'conv_a', ALICE.key],
      ['ListCommunications', 'conv_b', ALICE.key],
      ['ListConversations', undefined, ALICE.key],
      ['ListCommunications', 'conv_a', OTHER_CREDENTIALS.key],
    ]);
  });

  it('a watcher without credentials adds no calls of its own; a loop with no credentials at all makes no call', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    const release = watch(null, 'conv_a');
    await time.advance(5000);
    expect(upstream.calls).toHaveLength(0);
    expect(new Set(reports.map((report) => report.outcome))).toEqual(new Set(['no-credentials']));
    watch(ALICE, 'conv_a');
    release();
    await time.advance(8000);
    expect(upstream.calls.length).toBeGreaterThan(0);
    expect(upstream.calls.every((call) => call.credentials === ALICE.key)).toBe(true);
  });
});

describe('poller: whose credentials a shared loop uses', () => {
  it('the first watcher’s; when it leaves, a remaining watcher’s, and never the departed one’s again', async () => {
    const { time, upstream, watch } = setup();
    upstream.conversation('conv_a');
    const alice = watch(ALICE, 'conv_a');
    watch(BOB, 'conv_a');
    await time.advance(2000);
    expect(upstream.calls.map((call) => call.credentials)).toEqual([ALICE.key, ALICE.key, ALICE.key]);
    alice();
    await time.advance(5000);
    expect(upstream.calls.slice(3).map((call) => call.credentials)).toEqual(Array(5).fill(BOB.key));
  });

  it('a tick in flight with the departing watcher’s credentials is aborted and runs again at once with the next watcher’s', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    const alice = watch(ALICE, 'conv_a');
    watch(BOB, 'conv_a');
    const gate = deferred();
    upstream.gate = gate.promise;
    await time.advance(0);
    expect(upstream.calls).toHaveLength(1);
    const inFlight = upstream.calls[0]!;
    alice();
    expect(inFlight.signal.aborted).toBe(true);
    upstream.gate = undefined;
    await time.advance(0);
    expect(reports.map((report) => report.outcome)).toEqual(['aborted', 'ok']);
    expect(upstream.calls.map((call) => [call.credentials, call.at - START])).toEqual([
      [ALICE.key, 0],
      [BOB.key, 0],
    ]);
    gate.resolve();
  });

  it('a departing watcher whose credentials another watcher also holds does not abort the tick', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    const alice = watch(ALICE, 'conv_a');
    watch(ALICE, 'conv_a');
    const gate = deferred();
    upstream.gate = gate.promise;
    await time.advance(0);
    alice();
    expect(upstream.calls[0]!.signal.aborted).toBe(false);
    upstream.gate = undefined;
    gate.resolve();
    await time.advance(0);
    expect(reports.map((report) => report.outcome)).toEqual(['ok']);
  });

  it('credentials the upstream refuses (401) are set aside for another watcher’s', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    watch(BOB, 'conv_a');
    upstream.failNext('conv_a', new UpstreamError('UNAUTHENTICATED', 'no', { status: 401 }));
    await time.advance(0);
    await time.advance(2000); // the backoff after one failure: 2 × interval
    expect(reports.map((report) => report.outcome)).toEqual(['refused', 'ok']);
    expect(upstream.calls.map((call) => call.credentials)).toEqual([ALICE.key, BOB.key]);
  });

  it('records of another account (credentials that are not this account’s) publish nothing and count as refused', async () => {
    const { time, upstream, bus, reports, watch } = setup();
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    await time.advance(0);
    upstream.communication('conv_a', 1, time.now, OTHER);
    await time.advance(1000);
    expect(reports.map((report) => report.outcome)).toEqual(['ok', 'refused']);
    expect(bus.events).toEqual([]);
  });
});

describe('poller: the upstream budget', () => {
  it('never overlaps two ticks of one loop: a slow read holds the next tick back until it ends, then waits a full interval', async () => {
    const { time, upstream, watch } = setup();
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    const gate = deferred();
    upstream.gate = gate.promise;
    await time.advance(10_000);
    expect(upstream.calls).toHaveLength(1);
    upstream.gate = undefined;
    gate.resolve();
    await time.advance(999);
    expect(upstream.calls).toHaveLength(1);
    await time.advance(1);
    expect(upstream.calls.map((call) => call.at - START)).toEqual([0, 11_000]);
  });

  it('a tick over its deadline is aborted and backs off', async () => {
    const { time, upstream, reports, watch } = setup({ timeoutMs: 5000 });
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    upstream.gate = new Promise(() => {});
    await time.advance(5000);
    expect(upstream.calls[0]!.signal.aborted).toBe(true);
    expect(reports.map((report) => [report.outcome, report.nextInMs])).toEqual([['failed', 2000]]);
  });

  it('429 with Retry-After: no call from any loop of that account until it passes; other accounts carry on', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    upstream.conversation('conv_b');
    upstream.conversation('conv_c', OTHER);
    upstream.failNext('conv_a', new UpstreamError('RATE_LIMITED', 'slow down', { status: 429, retryAfter: 30 }));
    watch(ALICE, 'conv_a');
    watch(ALICE, 'conv_b');
    watch(OTHER_CREDENTIALS, 'conv_c', OTHER);
    await time.advance(29_999);
    const during = (sid: string) => upstream.calls.filter((call) => call.conversationSid === sid).map((call) => call.at - START);
    expect(during('conv_a')).toEqual([0]);
    expect(during('conv_b')).toEqual([]); // its first tick came after the 429: the account was held, no call
    expect(during('conv_c')).toHaveLength(30);
    expect(reports.find((report) => report.conversationSid === 'conv_a')).toMatchObject({ outcome: 'rate-limited', nextInMs: 30_000 });
    expect(reports.find((report) => report.conversationSid === 'conv_b')).toMatchObject({
      outcome: 'held',
      upstreamCalls: 0,
      nextInMs: 30_000,
    });
    await time.advance(1);
    expect(during('conv_a')).toEqual([0, 30_000]);
    expect(during('conv_b')).toEqual([30_000]);
  });

  it('a Retry-After outlives the loop: a new watcher of the held account does not poll through it', async () => {
    const { time, upstream, watch } = setup();
    upstream.conversation('conv_a');
    upstream.failNext('conv_a', new UpstreamError('RATE_LIMITED', 'slow down', { status: 429, retryAfter: 10 }));
    const release = watch(ALICE, 'conv_a');
    await time.advance(0);
    release();
    watch(ALICE, 'conv_a');
    await time.advance(9999);
    expect(upstream.calls).toHaveLength(1);
    await time.advance(1);
    expect(upstream.calls).toHaveLength(2);
  });

  it('failures back off exponentially up to the ceiling, and the interval returns after a success', async () => {
    const { time, upstream, reports, watch } = setup();
    upstream.conversation('conv_a');
    for (let i = 0; i < 5; i++) upstream.failNext('conv_a', new UpstreamError('UPSTREAM_UNAVAILABLE', 'down', { status: 503 }));
    upstream.failNext('conv_a', new UpstreamError('RATE_LIMITED', 'slow down', { status: 429 })); // no Retry-After: backoff
    watch(ALICE, 'conv_a');
    await time.advance(60_000);
    expect(reports.slice(0, 8).map((report) => [report.outcome, report.nextInMs])).toEqual([
      ['failed', 2000],
      ['failed', 4000],
      ['failed', 8000],
      ['failed', 8000],
      ['failed', 8000],
      ['rate-limited', 8000],
      ['ok', 1000],
      ['ok', 1000],
    ]);
  });

  it('a global cap on polls in flight: a loop waits for a slot, and a released loop leaves the queue without calling', async () => {
    const { time, upstream, watch } = setup({ maxConcurrent: 1 });
    upstream.conversation('conv_a');
    upstream.conversation('conv_b');
    upstream.conversation('conv_c');
    watch(ALICE, 'conv_a');
    watch(ALICE, 'conv_b');
    const releaseC = watch(ALICE, 'conv_c');
    const gate = deferred();
    upstream.gate = gate.promise;
    await time.advance(0);
    expect(upstream.calls.map((call) => call.conversationSid)).toEqual(['conv_a']);
    releaseC();
    upstream.gate = undefined;
    gate.resolve();
    await time.advance(0);
    expect(upstream.calls.map((call) => call.conversationSid)).toEqual(['conv_a', 'conv_b']);
    await time.advance(5000);
    expect(upstream.calls.some((call) => call.conversationSid === 'conv_c')).toBe(false);
  });

  it('jitter: each interval is intervalMs plus up to jitterMs, from the random source; the first tick runs at once', async () => {
    const draws = [0, 0.999999, 0.5, ...Array.from({ length: 200 }, (_, i) => ((i * 7919) % 1000) / 1000)];
    let index = 0;
    const { time, upstream, reports, watch } = setup({ jitterMs: 500, random: () => draws[index++ % draws.length]! });
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    await time.advance(0);
    expect(upstream.calls[0]!.at).toBe(START);
    await time.advance(300_000);
    const delays = reports.map((report) => report.nextInMs);
    expect(delays.slice(0, 3)).toEqual([1000, 1500, 1250]);
    expect(delays.every((delay) => delay >= 1000 && delay <= 1500)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(50);
    const gaps = upstream.calls.slice(1).map((call, i) => call.at - upstream.calls[i]!.at);
    expect(gaps).toEqual(delays.slice(0, gaps.length));
  });
});

describe('poller: what it reads and what it publishes', () => {
  it('the first tick is a baseline (nothing older than the lookback published); then new and changed communications, with stable event ids', async () => {
    const { time, upstream, bus, watch } = setup({ baselineLookbackMs: 5000 });
    upstream.conversation('conv_a');
    upstream.communication('conv_a', 1, START - 60_000);
    const recent = upstream.communication('conv_a', 2, START - 2000); // within the lookback: the catch-up may have missed it
    watch(ALICE, 'conv_a');
    await time.advance(0);
    expect(bus.events.map((event) => [event.type, event.record.id])).toEqual([['COMMUNICATION_CREATED', recent.id]]);

    const added = upstream.communication('conv_a', 3, time.now + 500);
    await time.advance(1000);
    added.updatedAt = iso(time.now + 100);
    await time.advance(1000);
    await time.advance(1000); // nothing changed: nothing published
    const [, created, updated, ...rest] = bus.events;
    expect(rest).toEqual([]);
    expect(created).toEqual({
      eventId: pollEventId('COMMUNICATION_CREATED', added.id, added.createdAt),
      type: 'COMMUNICATION_CREATED',
      accountSid: ACCOUNT,
      conversationSid: 'conv_a',
      occurredAt: added.createdAt,
      receivedAt: expect.any(Number),
      source: 'poll',
      record: { ...added, updatedAt: added.createdAt },
    });
    expect(updated).toMatchObject({
      eventId: pollEventId('COMMUNICATION_UPDATED', added.id, added.updatedAt),
      type: 'COMMUNICATION_UPDATED',
      occurredAt: added.updatedAt,
      record: { id: added.id, updatedAt: added.updatedAt },
    });
    expect(pollEventId('COMMUNICATION_UPDATED', added.id, added.updatedAt)).toMatch(/^poll_[A-Za-z0-9_-]{27}$/);
    expect(new Set([created!.eventId, updated!.eventId, pollEventId('COMMUNICATION_UPDATED', added.id, iso(START))]).size).toBe(3);
  });

  it('re-reads its last page with its token and pageSize (one call), follows nextToken when the page fills, and walks a long list over several ticks', async () => {
    const { time, upstream, bus, reports, watch } = setup({ maxPagesPerTick: 2, baselineLookbackMs: 0 });
    upstream.conversation('conv_a');
    for (let n = 0; n < 7; n++) upstream.communication('conv_a', n, START - 60_000 + n);
    watch(ALICE, 'conv_a');
    await time.advance(1000);
    const sid = (n: number) => `comm_conv_a_${String(n).padStart(3, '0')}`;
    // The first walk to the end: 3 pages of 3, two per tick; nothing published (all older than the start).
    expect(upstream.calls.map((call) => [call.pageToken, call.pageSize])).toEqual([
      [null, 3],
      [`3:${sid(2)}`, 3],
      [`3:${sid(5)}`, 3],
    ]);
    await time.advance(2000);
    expect(upstream.calls.slice(3).map((call) => call.pageToken)).toEqual([`3:${sid(5)}`, `3:${sid(5)}`]);
    expect(reports.slice(1).map((report) => report.upstreamCalls)).toEqual([1, 1, 1]);
    expect(bus.events).toEqual([]);

    for (let n = 7; n < 11; n++) upstream.communication('conv_a', n, time.now + n);
    await time.advance(1000);
    expect(upstream.calls.slice(5).map((call) => call.pageToken)).toEqual([`3:${sid(5)}`, `3:${sid(8)}`]);
    expect(bus.events.map((event) => event.record.id)).toEqual([sid(7), sid(8), sid(9), sid(10)]);
    await time.advance(1000);
    expect(upstream.calls.slice(7).map((call) => call.pageToken)).toEqual([`3:${sid(8)}`]);
    expect(bus.events).toHaveLength(4);
  });

  it('a publish that fails leaves the state as it was: the next tick publishes the same event, with the same id', async () => {
    const { time, upstream, bus, reports, watch } = setup();
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    await time.advance(0);
    const added = upstream.communication('conv_a', 1, time.now);
    bus.failures = 1;
    await time.advance(1000);
    await time.advance(2000);
    expect(reports.map((report) => report.outcome)).toEqual(['ok', 'failed', 'ok']);
    expect(bus.events.map((event) => event.eventId)).toEqual([pollEventId('COMMUNICATION_CREATED', added.id, added.updatedAt)]);
  });

  it('every detailsEvery-th tick also reads the conversation and its participants: added, updated, removed, conversation updated', async () => {
    const { time, upstream, bus, reports, watch } = setup({ detailsEvery: 2, baselineLookbackMs: 0 });
    const conversation = upstream.conversation('conv_a');
    upstream.participant('conv_a', 'part_1', START - 60_000);
    watch(ALICE, 'conv_a');
    await time.advance(0);
    upstream.participant('conv_a', 'part_2', time.now + 10);
    upstream.participants.get('conv_a')!.shift(); // part_1 leaves
    conversation.updatedAt = iso(time.now + 20);
    await time.advance(2000);
    expect(reports.map((report) => report.upstreamCalls)).toEqual([3, 1, 3]);
    expect(upstream.calls.slice(0, 3).map((call) => [call.operation, call.pageSize])).toEqual([
      ['ListCommunications', 3],
      ['FetchConversation', undefined],
      ['ListParticipants', 1000],
    ]);
    expect(bus.events.map((event) => [event.type, event.record.id, event.conversationSid])).toEqual([
      ['PARTICIPANT_ADDED', 'part_2', 'conv_a'],
      ['PARTICIPANT_REMOVED', 'part_1', 'conv_a'],
      ['CONVERSATION_UPDATED', 'conv_a', 'conv_a'],
    ]);
  });

  it('an inbox loop reads the conversation list: new conversations are CONVERSATION_CREATED, changed ones CONVERSATION_UPDATED', async () => {
    const { time, upstream, bus, watch } = setup({ baselineLookbackMs: 0 });
    const old = upstream.conversation('conv_old');
    watch(ALICE);
    await time.advance(0);
    upstream.conversation('conv_new', ACCOUNT, time.now + 1);
    old.updatedAt = iso(time.now + 2);
    await time.advance(1000);
    expect(bus.events.map((event) => [event.type, event.conversationSid, event.accountSid])).toEqual([
      ['CONVERSATION_UPDATED', 'conv_old', ACCOUNT],
      ['CONVERSATION_CREATED', 'conv_new', ACCOUNT],
    ]);
    expect(upstream.calls.every((call) => call.operation === 'ListConversations')).toBe(true);
  });
});

describe('poller: stopping', () => {
  it('the last release aborts the tick in flight: nothing reported, published or scheduled, and no call after it', async () => {
    const { time, upstream, bus, reports, poller, watch } = setup();
    upstream.conversation('conv_a');
    const release = watch(ALICE, 'conv_a');
    await time.advance(0);
    upstream.communication('conv_a', 1, time.now);
    upstream.gate = new Promise(() => {});
    await time.advance(1000);
    expect(upstream.calls).toHaveLength(2);
    release();
    expect(upstream.calls[1]!.signal.aborted).toBe(true);
    await time.advance(0);
    expect(time.pending).toBe(0);
    await time.advance(60_000);
    expect(upstream.calls).toHaveLength(2);
    expect(reports).toHaveLength(1);
    expect(bus.events).toEqual([]);
    expect(poller.activeLoops).toBe(0);
  });

  it('close() stops every loop; a watch after close starts nothing', async () => {
    const { time, upstream, poller, watch } = setup();
    upstream.conversation('conv_a');
    watch(ALICE, 'conv_a');
    watch(ALICE);
    await time.advance(0);
    await poller.close();
    watch(ALICE, 'conv_a')();
    await time.advance(60_000);
    expect(upstream.calls).toHaveLength(2);
    expect(time.pending).toBe(0);
  });
});
