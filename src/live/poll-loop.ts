// One poll loop (poller.ts has the why): one account's conversation, or its inbox; its watchers
// and whose credentials it reads with; what it remembers between ticks (poll-window.ts); its timer,
// its backoff, and the one tick in flight that a departing watcher or the last release aborts.
import type { Credentials } from '../upstream/credentials.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { UpstreamCommunication, UpstreamConversation, UpstreamParticipant } from '../upstream/types.ts';
import type { LiveEvent, LiveEventType, LiveRecord } from './events.ts';
import { NewestPageWindow, pollEventId, SingleRecord, SnapshotSet, type Change, type Diff, type ReadPage } from './poll-window.ts';
import type { PollLoopOptions, PollOutcome, PollReads, Slots } from './poller.ts';

/** Participants are read in one call at the upstream's largest page size. */
const PARTICIPANT_PAGE_SIZE = 1000;

/** Why a tick's AbortController fired. */
type AbortReason = 'released' | 'switch' | 'timeout';

/** What the loops of one Poller share. */
export interface Shared {
  slots: Slots;
  heldUntil(accountSid: string, now: number): number | undefined;
  hold(accountSid: string, until: number): void;
}

/** The state read in one tick, before it is compared. */
interface TickRead {
  list: Array<ReadPage<UpstreamCommunication>> | Array<ReadPage<UpstreamConversation>>;
  conversation?: UpstreamConversation | null;
  participants?: { items: UpstreamParticipant[]; complete: boolean };
}

/** One loop: one account's conversation (or inbox), its watchers, its remembered state, its timer. */
export class PollLoop {
  readonly accountSid: string;
  readonly conversationSid: string | undefined;
  readonly #options: PollLoopOptions;
  readonly #shared: Shared;
  /** Watchers in arrival order: the oldest remaining one's credentials are used. */
  readonly #watchers = new Map<symbol, Credentials | null>();
  /** Credentials (by key) the upstream refused (401/403/404): tried again only when no other is left. */
  readonly #refused = new Set<string>();
  readonly #window: NewestPageWindow<UpstreamCommunication> | NewestPageWindow<UpstreamConversation>;
  readonly #conversation: SingleRecord<UpstreamConversation>;
  readonly #participants: SnapshotSet<UpstreamParticipant>;
  #timer: unknown;
  #inFlight: { controller: AbortController; credentialsKey: string } | undefined;
  #stopped = false;
  #ticks = 0;
  #failures = 0;
  #lastFailureCode: string | undefined;
  #ticksSinceDetails: number | undefined;

  constructor(accountSid: string, conversationSid: string | undefined, options: PollLoopOptions, shared: Shared) {
    this.accountSid = accountSid;
    this.conversationSid = conversationSid;
    this.#options = options;
    this.#shared = shared;
    const since = options.now() - options.baselineLookbackMs;
    this.#window =
      conversationSid === undefined
        ? new NewestPageWindow<UpstreamConversation>(since)
        : new NewestPageWindow<UpstreamCommunication>(since);
    this.#conversation = new SingleRecord(since);
    this.#participants = new SnapshotSet(since);
    // The first tick at once: the sooner the baseline is read, the less the lookback has to cover.
    this.#schedule(0);
  }

  add(credentials: Credentials | null): symbol {
    const token = Symbol('watcher');
    this.#watchers.set(token, credentials);
    return token;
  }

  /** Forgets a watcher; true when none is left. A departed watcher's credentials are never used again. */
  remove(token: symbol): boolean {
    const credentials = this.#watchers.get(token);
    this.#watchers.delete(token);
    if (this.#watchers.size === 0) return true;
    const keys = new Set([...this.#watchers.values()].flatMap((other) => (other ? [other.key] : [])));
    for (const key of this.#refused) if (!keys.has(key)) this.#refused.delete(key);
    if (credentials && this.#inFlight?.credentialsKey === credentials.key && !keys.has(credentials.key)) {
      this.#inFlight.controller.abort('switch' satisfies AbortReason);
    }
    return false;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#inFlight?.controller.abort('released' satisfies AbortReason);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#options.scheduler.setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, ms);
  }

  #jitter(): number {
    return Math.floor(this.#options.random() * (this.#options.jitterMs + 1));
  }

  #credentials(): Credentials | undefined {
    const usable = [...this.#watchers.values()].filter((credentials): credentials is Credentials => credentials !== null);
    return usable.find((credentials) => !this.#refused.has(credentials.key)) ?? usable[0];
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const options = this.#options;
    const tick = ++this.#ticks;
    const now = options.now();
    const heldUntil = this.#shared.heldUntil(this.accountSid, now);
    if (heldUntil !== undefined) return this.#finish(tick, 'held', 0, 0, heldUntil - now + this.#jitter());
    const credentials = this.#credentials();
    if (!credentials) return this.#finish(tick, 'no-credentials', 0, 0, this.#backoff());

    const controller = new AbortController();
    this.#inFlight = { controller, credentialsKey: credentials.key };
    const deadline = options.scheduler.setTimeout(() => controller.abort('timeout' satisfies AbortReason), options.timeoutMs);
    let calls = 0;
    let releaseSlot: (() => void) | undefined;
    try {
      releaseSlot = await this.#shared.slots.acquire(controller.signal);
      const reads = options.reads({
        credentials,
        signal: controller.signal,
        deadline: Date.now() + options.timeoutMs,
        onCall: () => calls++,
      });
      const withDetails =
        this.conversationSid !== undefined &&
        options.detailsEvery > 0 &&
        (this.#ticksSinceDetails ?? options.detailsEvery) >= options.detailsEvery;
      const read = await this.#read(reads, withDetails);
      controller.signal.throwIfAborted();
      releaseSlot();
      const events = await this.#publish(read);
      this.#ticksSinceDetails = withDetails ? 1 : (this.#ticksSinceDetails ?? 0) + 1;
      if (this.#failures > 0) options.logger?.info({ event: 'live_poll_recovered', ...this.#where() }, 'polling recovered');
      this.#failures = 0;
      this.#lastFailureCode = undefined;
      this.#finish(tick, 'ok', calls, events, options.intervalMs + this.#jitter());
    } catch (error) {
      if (this.#stopped) return; // released: nothing more is reported, sent or scheduled
      if (controller.signal.aborted && controller.signal.reason === 'switch') return this.#finish(tick, 'aborted', calls, 0, 0);
      const failure = controller.signal.aborted
        ? new UpstreamError('UPSTREAM_TIMEOUT', 'poll timed out', { detail: 'poll deadline reached' })
        : error;
      this.#fail(tick, calls, credentials, failure);
    } finally {
      releaseSlot?.();
      options.scheduler.clearTimeout(deadline);
      if (this.#inFlight?.controller === controller) this.#inFlight = undefined;
    }
  }

  /** Every read of the tick, before anything is compared: a failure anywhere leaves the state untouched. */
  async #read(reads: PollReads, withDetails: boolean): Promise<TickRead> {
    const { pageSize, maxPagesPerTick } = this.#options;
    const conversationSid = this.conversationSid;
    const list: Array<ReadPage<UpstreamCommunication | UpstreamConversation>> = [];
    let token = this.#window.token;
    for (let pages = 0; pages < maxPagesPerTick; pages++) {
      const request = { pageSize, pageToken: token };
      const page =
        conversationSid === undefined ? await reads.listConversations(request) : await reads.listCommunications(conversationSid, request);
      list.push({ token, page });
      if (page.nextToken === null) break;
      token = page.nextToken;
    }
    const read: TickRead = { list: list as TickRead['list'] };
    if (withDetails && conversationSid !== undefined) {
      read.conversation = await reads.getConversation(conversationSid);
      const participants = await reads.listParticipants(conversationSid, { pageSize: PARTICIPANT_PAGE_SIZE, pageToken: null });
      read.participants = { items: participants.items, complete: participants.nextToken === null };
    }
    return read;
  }

  /** Compares, publishes, and only then remembers (a failed publish is found again next tick). */
  async #publish(read: TickRead): Promise<number> {
    const diffs: Array<{ diff: Diff<LiveRecord>; types: Partial<Record<Change<LiveRecord>['change'], LiveEventType>> }> = [];
    if (read.participants) {
      diffs.push({
        diff: this.#participants.diff(read.participants.items, read.participants.complete),
        types: { created: 'PARTICIPANT_ADDED', updated: 'PARTICIPANT_UPDATED', removed: 'PARTICIPANT_REMOVED' },
      });
    }
    if (this.conversationSid === undefined) {
      const window = this.#window as NewestPageWindow<UpstreamConversation>;
      diffs.push({
        diff: window.diff(read.list as Array<ReadPage<UpstreamConversation>>),
        types: { created: 'CONVERSATION_CREATED', updated: 'CONVERSATION_UPDATED' },
      });
    } else {
      const window = this.#window as NewestPageWindow<UpstreamCommunication>;
      diffs.push({
        diff: window.diff(read.list as Array<ReadPage<UpstreamCommunication>>),
        types: { created: 'COMMUNICATION_CREATED', updated: 'COMMUNICATION_UPDATED' },
      });
    }
    if (read.conversation !== undefined)
      diffs.push({ diff: this.#conversation.diff(read.conversation), types: { updated: 'CONVERSATION_UPDATED' } });

    const events = diffs.flatMap(({ diff, types }) =>
      diff.changes.flatMap(({ change, record }) => {
        const type = types[change];
        return type ? [this.#event(type, change, record)] : [];
      }),
    );
    for (const event of events) await this.#options.bus.publish(event);
    for (const { diff } of diffs) diff.commit();
    for (const event of events) this.#options.observer?.onEvent?.(event.type);
    return events.length;
  }

  #event(type: LiveEventType, change: Change<LiveRecord>['change'], record: LiveRecord): LiveEvent {
    // Records of another account (or conversation) mean the credentials are not this loop's to use.
    const conversationSid = record.kind === 'Conversation' ? record.id : record.conversationId;
    if (record.accountId !== this.accountSid || (this.conversationSid !== undefined && conversationSid !== this.conversationSid)) {
      throw new UpstreamError('FORBIDDEN', 'polled records of another account', {
        detail: 'polled records belong to another account or conversation',
      });
    }
    const receivedAt = Date.now();
    const stamp = change === 'created' ? record.createdAt : change === 'updated' ? record.updatedAt : undefined;
    return {
      eventId: pollEventId(type, record.id, record.updatedAt),
      type,
      accountSid: this.accountSid,
      conversationSid,
      occurredAt: stamp ?? new Date(this.#options.now()).toISOString(),
      receivedAt,
      source: 'poll',
      record,
    } as LiveEvent;
  }

  #backoff(): number {
    const { intervalMs, maxBackoffMs } = this.#options;
    return Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(this.#failures, 30)) + this.#jitter();
  }

  #fail(tick: number, calls: number, credentials: Credentials, error: unknown): void {
    const options = this.#options;
    const code = error instanceof UpstreamError ? error.code : 'INTERNAL_SERVER_ERROR';
    this.#failures++;
    let outcome: PollOutcome = 'failed';
    let delay = this.#backoff();
    if (code === 'RATE_LIMITED') {
      outcome = 'rate-limited';
      const retryAfter = error instanceof UpstreamError ? error.extensions.retryAfter : undefined;
      if (typeof retryAfter === 'number') {
        // Retry-After is the upstream's word on the account's budget: every loop of it waits.
        delay = Math.max(retryAfter * 1000, options.intervalMs) + this.#jitter();
        this.#shared.hold(this.accountSid, options.now() + retryAfter * 1000);
      }
    } else if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'NOT_FOUND') {
      outcome = 'refused';
      this.#refused.add(credentials.key);
    }
    if (code !== this.#lastFailureCode) {
      const detail = error instanceof UpstreamError ? error.detail : error instanceof Error ? error.name : 'unknown';
      options.logger?.warn({ event: 'live_poll_failed', ...this.#where(), code, detail, retryInMs: delay }, 'polling failed; backing off');
    }
    this.#lastFailureCode = code;
    this.#finish(tick, outcome, calls, 0, delay);
  }

  #where(): { accountSid: string; conversationSid?: string } {
    const { accountSid, conversationSid } = this;
    return conversationSid === undefined ? { accountSid } : { accountSid, conversationSid };
  }

  #finish(tick: number, outcome: PollOutcome, upstreamCalls: number, events: number, nextInMs: number): void {
    if (this.#stopped) return;
    const { accountSid, conversationSid } = this;
    this.#options.observer?.onTick?.({ accountSid, conversationSid, tick, outcome, upstreamCalls, events, nextInMs });
    this.#schedule(nextInMs);
  }
}
