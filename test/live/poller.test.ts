// LIVE_SOURCE=poll against the emulator over HTTP: a communication created directly at the
// emulator reaches the bus, a steady tick costs one upstream call, polling stops when the last
// subscriber leaves, and a 429's Retry-After holds the account back — all counted in the
// emulator's request log. Waits are on the poller's own tick reports and on bus events, never sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { InProcessBus, type LiveListener } from '../../src/live/bus.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { Poller, type PollerOptions, type PollObserver, type TickReport } from '../../src/live/poller.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { conversationsApi } from '../../src/upstream/api.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { AGENT, CUSTOMER, seedCommunications, seedConversation } from '../helpers/seed.ts';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, TEST_RESILIENCE } from '../helpers/stack.ts';
import { emulatorClientOptions } from '../helpers/upstream-client.ts';

const CREDENTIALS = makeCredentials(ACCOUNT_SID, AUTH_TOKEN);
const WAIT_MS = 5000;

/** Resolves on the first tick report that matches; every wait is bounded. */
class Ticks {
  readonly reports: TickReport[] = [];
  readonly #waiters: Array<{ matches: (report: TickReport) => boolean; resolve: (report: TickReport) => void }> = [];

  readonly record = (report: TickReport): void => {
    this.reports.push(report);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.matches(report)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(report);
    }
  };

  next(matches: (report: TickReport) => boolean): Promise<TickReport> {
    return bounded(new Promise((resolve) => this.#waiters.push({ matches, resolve })), 'a tick report');
  }

  /** The `count`-th ok tick of a conversation from now on. */
  async okTicks(conversationSid: string, count: number): Promise<TickReport> {
    let report: TickReport | undefined;
    for (let i = 0; i < count; i++) report = await this.next((r) => r.conversationSid === conversationSid && r.outcome === 'ok');
    return report!;
  }
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface World {
  emulator: Emulator;
  client: UpstreamClient;
  bus: InProcessBus;
  poller: Poller;
  ticks: Ticks;
  metrics: Metrics;
}

let world: World | undefined;

afterEach(async () => {
  await world?.poller.close();
  await world?.bus.close();
  await world?.client.close();
  await world?.emulator.close();
  world = undefined;
});

async function start(options: Partial<PollerOptions> = {}, maxAttempts = TEST_RESILIENCE.maxAttempts): Promise<World> {
  // The emulator's clock runs a minute behind: what was seeded is older than the baseline's lookback,
  // and what the tests create later is found by comparing reads, not by its timestamp.
  const emulator = await startEmulator({ seedDemoData: false, now: () => Date.now() - 60_000 });
  const client = new UpstreamClient(
    emulatorClientOptions(emulator.url, {
      maxResponseBytes: 16 * 1024 * 1024,
      connections: 8,
      resilience: { ...TEST_RESILIENCE, maxAttempts },
    }),
  );
  const bus = new InProcessBus();
  const ticks = new Ticks();
  const metrics = new Metrics();
  const observer = metrics.pollObserver();
  const poller = new Poller({
    intervalMs: 40,
    jitterMs: 10,
    maxConcurrent: 4,
    timeoutMs: 5000,
    detailsEvery: 0,
    pageSize: 3,
    bus,
    reads: (context) => conversationsApi(client, context),
    observer: {
      ...observer,
      onTick: (report) => {
        observer.onTick?.(report);
        ticks.record(report);
      },
    },
    ...options,
  });
  world = { emulator, client, bus, poller, ticks, metrics };
  return world;
}

function watch(poller: Poller, conversationSid?: string): () => void {
  return poller.watch({ credentials: CREDENTIALS, accountSid: ACCOUNT_SID, ...(conversationSid === undefined ? {} : { conversationSid }) });
}

/** A communication created the way any other client would: a REST POST with the account's Basic auth. */
async function postCommunication(emulator: Emulator, conversationSid: string, text: string): Promise<string> {
  const response = await fetch(`${emulator.url}/v2/Conversations/${conversationSid}/Communications`, {
    method: 'POST',
    headers: { authorization: CREDENTIALS.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ author: CUSTOMER, recipients: [AGENT], content: { type: 'TEXT', text } }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function nextEvent(listener: LiveListener): Promise<LiveEvent> {
  const result = await bounded(listener[Symbol.asyncIterator]().next(), 'bus event');
  expect(result.done).toBe(false);
  return result.value as LiveEvent;
}

function listCalls(emulator: Emulator, conversationSid: string) {
  return emulator.requests.entries().filter((entry) => entry.path === `/v2/Conversations/${conversationSid}/Communications`);
}

describe('polling the emulator', () => {
  it('finds a communication created directly at the emulator and publishes it on the bus, at most one tick after the one that follows its creation', async () => {
    const { emulator, bus, poller, ticks } = await start();
    const sid = seedConversation(emulator, 'polled');
    seedCommunications(emulator, sid, 4);
    const listener = bus.listen({ accountSid: ACCOUNT_SID, conversationSid: sid }, { maxBuffered: 100 });
    watch(poller, sid);
    await ticks.okTicks(sid, 1); // the baseline: nothing older than its lookback is published

    const publishedBy = ticks.next((report) => report.conversationSid === sid && report.events > 0);
    const id = await postCommunication(emulator, sid, 'created behind the facade’s back');
    const ticksBefore = ticks.reports.length;
    const event = await nextEvent(listener); // the first event on the topic: the baseline published nothing
    expect(event).toMatchObject({
      type: 'COMMUNICATION_CREATED',
      source: 'poll',
      accountSid: ACCOUNT_SID,
      conversationSid: sid,
      record: { kind: 'Communication', id, conversationId: sid, content: { type: 'TEXT', text: 'created behind the facade’s back' } },
    });
    expect(event.eventId).toMatch(/^poll_/);
    expect(event.occurredAt).toBe(event.record.createdAt);
    // Published by the first tick to end after the POST, or the next one (when the first was in flight during it).
    const publisher = await publishedBy;
    expect(publisher.events).toBe(1);
    expect(ticks.reports.indexOf(publisher) - ticksBefore).toBeLessThanOrEqual(1);
    listener.close();
  });

  it('a steady tick costs exactly one upstream call (the same page, token and pageSize); a page that fills costs one more, once', async () => {
    const { emulator, bus, poller, ticks, metrics } = await start();
    const sid = seedConversation(emulator, 'steady');
    seedCommunications(emulator, sid, 7);
    emulator.requests.clear();
    watch(poller, sid);
    const baseline = await ticks.okTicks(sid, 1);
    // The first walk to the end at pageSize 3: pages [0..2], [3..5], [6].
    expect(baseline.upstreamCalls).toBe(3);
    expect(listCalls(emulator, sid)).toHaveLength(3);

    emulator.requests.clear();
    await ticks.okTicks(sid, 5);
    const steady = ticks.reports.slice(-5);
    const calls = listCalls(emulator, sid);
    expect(steady.map((report) => report.upstreamCalls)).toEqual([1, 1, 1, 1, 1]);
    expect(emulator.requests.entries()).toHaveLength(5);
    expect(calls.map((call) => [call.method, call.query.pageSize, call.query.pageToken?.length])).toEqual(Array(5).fill(['GET', ['3'], 1]));
    expect(new Set(calls.map((call) => call.query.pageToken![0]))).toHaveProperty('size', 1);

    // Three new communications fill the watched page ([6, 7, 8]) and start the next ([9]): that tick costs 2.
    const listener = bus.listen({ accountSid: ACCOUNT_SID, conversationSid: sid }, { maxBuffered: 100 });
    const ids = [];
    for (const text of ['one', 'two', 'three']) ids.push(await postCommunication(emulator, sid, text));
    const published = [await nextEvent(listener), await nextEvent(listener), await nextEvent(listener)];
    expect(published.map((event) => event.record.id)).toEqual(ids);
    const after = await ticks.okTicks(sid, 2);
    expect(after.upstreamCalls).toBe(1);
    const costs = ticks.reports.filter((report) => report.conversationSid === sid).map((report) => report.upstreamCalls);
    expect(costs.filter((cost) => cost === 2)).toHaveLength(1); // the tick that found [6, 7, 8] full and followed to [9]
    expect(costs.filter((cost) => cost !== 1 && cost !== 2)).toEqual([3]); // the baseline
    expect(costs.reduce((sum, cost) => sum + cost, 0)).toBe((await metrics.livePollUpstreamCalls.get()).values[0]!.value);
    listener.close();
  });

  it('stops polling after the last subscriber leaves: no upstream call for it while another conversation’s loop ticks on', async () => {
    const { emulator, poller, ticks, metrics } = await start();
    const subject = seedConversation(emulator, 'subject');
    const witness = seedConversation(emulator, 'witness');
    const first = watch(poller, subject);
    const second = watch(poller, subject);
    watch(poller, witness);
    expect(poller.activeLoops).toBe(2);
    await ticks.okTicks(subject, 1);

    first();
    const before = listCalls(emulator, subject).length;
    await ticks.okTicks(subject, 2); // one subscriber left: still polled
    expect(listCalls(emulator, subject).length - before).toBe(2);

    second(); // right after a tick: nothing of the subject's is in flight
    const stoppedAt = listCalls(emulator, subject).length;
    expect(poller.activeLoops).toBe(1);
    expect((await metrics.livePollers.get()).values[0]!.value).toBe(1);
    await ticks.okTicks(witness, 1); // counted from the end of a witness tick: none of its calls in flight
    const witnessBefore = listCalls(emulator, witness).length;
    await ticks.okTicks(witness, 5); // five would-be ticks of the subject, at the same interval
    expect(listCalls(emulator, witness).length - witnessBefore).toBe(5);
    expect(listCalls(emulator, subject)).toHaveLength(stoppedAt);
    expect(ticks.reports.filter((report) => report.conversationSid === subject)).toHaveLength(3);
  });

  it('a 429 with Retry-After: 1 holds the account back: the next call, from any of its loops, comes a second later', async () => {
    // One attempt per call: the 429 reaches the poller instead of being retried inside the client.
    const { emulator, poller, ticks } = await start({}, 1);
    const first = seedConversation(emulator, 'first');
    const second = seedConversation(emulator, 'second');
    watch(poller, first);
    await ticks.okTicks(first, 1);
    emulator.faults.enqueue({ kind: 'status', status: 429, retryAfter: 1, match: { path: `/v2/Conversations/${first}/Communications` } });
    emulator.requests.clear();
    const limited = await ticks.next((report) => report.outcome === 'rate-limited');
    expect(limited).toMatchObject({ conversationSid: first, upstreamCalls: 1 });
    watch(poller, second); // a new loop of the same account: held, not polled
    const held = await ticks.next((report) => report.conversationSid === second);
    expect(held).toMatchObject({ outcome: 'held', upstreamCalls: 0 });
    await ticks.okTicks(first, 1);
    await ticks.okTicks(second, 1);
    const [rejected, ...later] = emulator.requests.entries();
    expect(rejected).toMatchObject({ status: 429, path: `/v2/Conversations/${first}/Communications` });
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const entry of later) expect(entry.at - rejected!.at).toBeGreaterThanOrEqual(1000);
  });

  it('details ticks read the conversation and its participants (3 calls): a participant added and a renamed conversation are published', async () => {
    const { emulator, bus, poller, ticks } = await start({ detailsEvery: 2 });
    const sid = seedConversation(emulator, 'details');
    const listener = bus.listen({ accountSid: ACCOUNT_SID, conversationSid: sid }, { maxBuffered: 100 });
    watch(poller, sid);
    await ticks.okTicks(sid, 1);
    const participant = emulator.data.createParticipant(ACCOUNT_SID, sid, {
      name: 'Lee',
      addresses: [{ channel: 'CHAT', address: 'lee' }],
    });
    const renamed = await fetch(`${emulator.url}/v2/Conversations/${sid}`, {
      method: 'PATCH',
      headers: { authorization: CREDENTIALS.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'renamed' }),
    });
    expect(renamed.status).toBe(200);
    const events = [await nextEvent(listener), await nextEvent(listener)];
    expect(events.map((event) => [event.type, event.record.id])).toEqual([
      ['PARTICIPANT_ADDED', participant.id],
      ['CONVERSATION_UPDATED', sid],
    ]);
    expect(events[1]!.record).toMatchObject({ kind: 'Conversation', name: 'renamed' });
    await ticks.okTicks(sid, 2);
    const costs = ticks.reports.filter((report) => report.conversationSid === sid).map((report) => report.upstreamCalls);
    expect(costs.slice(0, 4)).toEqual([3, 1, 3, 1]);
    listener.close();
  });

  it('an inbox (no conversation) polls the conversation list and publishes a new conversation on the account’s topic', async () => {
    const { emulator, bus, poller, ticks } = await start();
    seedConversation(emulator, 'existing');
    const listener = bus.listen({ accountSid: ACCOUNT_SID }, { maxBuffered: 100 });
    watch(poller);
    await ticks.next((report) => report.conversationSid === undefined && report.outcome === 'ok');
    const created = seedConversation(emulator, 'new');
    const event = await nextEvent(listener);
    expect(event).toMatchObject({
      type: 'CONVERSATION_CREATED',
      conversationSid: created,
      accountSid: ACCOUNT_SID,
      record: { kind: 'Conversation', name: 'new' },
    });
    expect(emulator.requests.entries().every((entry) => entry.path === '/v2/Conversations')).toBe(true);
    listener.close();
  });
});

describe('LIVE_SOURCE=poll behind a subscription (SSE, the whole facade)', () => {
  it('communicationAdded delivers a communication created directly at the emulator; once the client leaves, its conversation is polled no more', async () => {
    const ticks = new Ticks();
    const loops: number[] = [];
    // The facade's own poller, observed through the metrics it reports to.
    class ObservedMetrics extends Metrics {
      override pollObserver(): PollObserver {
        const base = super.pollObserver();
        return {
          ...base,
          onTick: (report) => {
            base.onTick?.(report);
            ticks.record(report);
          },
          onPollers: (active) => {
            base.onPollers?.(active);
            loops.push(active);
          },
        };
      }
    }
    const stack = await startStack({
      emulator: { now: () => Date.now() - 60_000 },
      live: { source: 'poll', poll: { intervalMs: 40, jitterMs: 10, detailsEvery: 0 }, metrics: new ObservedMetrics() },
    });
    try {
      const subject = seedConversation(stack.emulator, 'subject');
      const witness = seedConversation(stack.emulator, 'witness');
      const query =
        'subscription Added($sid: String!) { communicationAdded(conversationSid: $sid) { cursor node { sid content { ... on TextContent { text } } } } }';
      const stream = await SseStream.open(stack.url, query, { sid: subject });
      const witnessStream = await SseStream.open(stack.url, query, { sid: witness });
      expect(stream.status).toBe(200);
      await ticks.okTicks(subject, 1);

      const id = await postCommunication(stack.emulator, subject, 'sent straight to the upstream');
      const payload = await stream.next();
      expect(payload.errors).toBeUndefined();
      expect(payload.data.communicationAdded.node).toEqual({ sid: id, content: { text: 'sent straight to the upstream' } });

      stream.close();
      await waitFor(() => loops.at(-1) === 1, 'the subject’s poll loop to stop when its only subscriber left');
      // A request the subject's last tick had already written arrives within this witness tick.
      await ticks.okTicks(witness, 1);
      const stoppedAt = listCalls(stack.emulator, subject).length;
      const witnessBefore = listCalls(stack.emulator, witness).length;
      await ticks.okTicks(witness, 5);
      expect(listCalls(stack.emulator, witness).length - witnessBefore).toBe(5);
      expect(listCalls(stack.emulator, subject)).toHaveLength(stoppedAt);
      witnessStream.close();
      await waitFor(() => loops.at(-1) === 0, 'every poll loop to stop');
    } finally {
      await stack.close();
    }
  });
});
