// Delivers status callbacks as Twilio does: a signed JSON POST per callback URL, off the request path
// (the REST answer never waits for it), retried with exponential backoff on a failure or a non-2xx
// answer until `maxAttempts` (at least once), in no guaranteed order, with the faults of
// webhook-faults.ts applied. Only loopback URLs are ever contacted: this emulator runs in sandboxes and
// test machines and must never send traffic off the machine. Everything is bounded: deliveries waiting,
// their bytes, requests in flight, and the delivery log, which tests read (or await) instead of sleeping.
import { Agent, request } from 'undici';
import type { SigningKey } from './auth.ts';
import { faultMatches, type WebhookFaultAction, type WebhookFaultMatch, type WebhookFaults } from './webhook-faults.ts';
import { loopbackLookup, loopbackProblem, signDelivery } from './webhook-target.ts';

export type DeliveryState =
  | 'queued' // waiting for its URL's lane
  | 'held' // in a reorder group
  | 'delayed' // waiting out a delay fault
  | 'sending' // a request is in flight
  | 'retrying' // waiting out a backoff after a failed attempt
  | 'delivered' // answered 2xx (every copy, for a duplicated delivery)
  | 'failed' // maxAttempts used up
  | 'dropped' // a drop fault, a full queue, or a reset
  | 'refused'; // never attempted: not a loopback URL, a GET callback, or no auth token to sign with

/** One delivery of one event to one callback URL, as the delivery log shows it. */
export interface WebhookDelivery {
  /** The I-Twilio-Idempotency-Token: the same on every attempt and copy of this delivery. */
  token: string;
  eventType: string;
  /** The data space (Basic-auth username) and account of the change. */
  username: string;
  accountId: string;
  conversationId: string;
  /** `data.id`: the conversation, participant or communication that changed. */
  resourceId: string;
  /** The callback URL as configured (the request goes to it plus `bodySHA256`). */
  url: string;
  method: string;
  state: DeliveryState;
  /** HTTP requests made, copies and retries included. */
  attempts: number;
  /** 2xx answers received: 2 for a delivery duplicated once. */
  sent: number;
  lastStatus?: number;
  /** Why the last attempt failed, or why the delivery was refused or dropped. */
  lastError?: string;
  /** The fault applied to it, if any. */
  fault?: WebhookFaultAction['kind'];
  createdAt: number;
  settledAt?: number;
}

export interface DispatchLimits {
  /** HTTP attempts per delivery (copies of a duplicate included). Default 5. */
  maxAttempts?: number;
  /** First backoff; each retry doubles it, up to 10 s. Default 200 ms. */
  retryBaseMs?: number;
  /** One attempt's deadline (connect to end of answer). Default 5,000 ms. */
  timeoutMs?: number;
  /** Deliveries not yet settled; beyond, new ones are dropped (and logged). Default 10,000. */
  maxPending?: number;
  /** Bytes of bodies not yet settled; beyond, new ones are dropped. Default 32 MiB. */
  maxPendingBytes?: number;
  /** Delivery log entries kept (the oldest go first). Default 1,000. */
  maxLogged?: number;
}

/** A delivery to make: what the log will show of it, plus the body to send and the key to sign it with. */
export interface NewDelivery
  extends Pick<WebhookDelivery, 'token' | 'eventType' | 'username' | 'accountId' | 'conversationId' | 'resourceId' | 'url' | 'method'> {
  body: string;
  key: SigningKey | undefined;
}

interface Delivery {
  entry: WebhookDelivery;
  body: string;
  key: SigningKey;
  copiesLeft: number;
  signed?: { url: string; signature: string };
}

interface Group {
  action: Extract<WebhookFaultAction, { kind: 'reorder' }>;
  match: WebhookFaultMatch | undefined;
  members: Delivery[];
  timer: NodeJS.Timeout;
}

const MAX_IN_FLIGHT = 16;
const MAX_BACKOFF_MS = 10_000;
const USER_AGENT = 'TwilioProxy/1.1';

export class WebhookDispatcher {
  readonly #faults: WebhookFaults;
  readonly #limits: Required<DispatchLimits>;
  readonly #agent: Agent;
  readonly #lanes = new Map<string, Delivery[]>();
  readonly #busyLanes = new Set<string>();
  /** Lanes with work, waiting for a free slot of MAX_IN_FLIGHT. */
  readonly #waitingLanes = new Set<string>();
  readonly #outstanding = new Set<Delivery>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #listeners = new Set<() => void>();
  #log: WebhookDelivery[] = [];
  #pendingBytes = 0;
  #inFlight = 0;
  #group: Group | undefined;
  #abort = new AbortController();

  constructor(faults: WebhookFaults, limits: DispatchLimits = {}) {
    this.#faults = faults;
    this.#limits = {
      maxAttempts: limits.maxAttempts ?? 5,
      retryBaseMs: limits.retryBaseMs ?? 200,
      timeoutMs: limits.timeoutMs ?? 5_000,
      maxPending: limits.maxPending ?? 10_000,
      maxPendingBytes: limits.maxPendingBytes ?? 32 * 1024 * 1024,
      maxLogged: limits.maxLogged ?? 1_000,
    };
    for (const [name, value] of Object.entries(this.#limits)) {
      const least = name === 'retryBaseMs' ? 0 : 1;
      if (!(Number.isInteger(value) && value >= least)) throw new TypeError(`webhooks.${name} must be a whole number of at least ${least}`);
    }
    const timeout = this.#limits.timeoutMs;
    this.#agent = new Agent({
      connections: 4,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: { timeout, lookup: loopbackLookup as never },
    });
  }

  /** Takes one delivery; it is sent later, never within this call. */
  submit(input: NewDelivery): void {
    const entry: WebhookDelivery = {
      token: input.token,
      eventType: input.eventType,
      username: input.username,
      accountId: input.accountId,
      conversationId: input.conversationId,
      resourceId: input.resourceId,
      url: input.url,
      method: input.method,
      state: 'queued',
      attempts: 0,
      sent: 0,
      createdAt: Date.now(),
    };
    this.#record(entry);
    const refusal =
      loopbackProblem(input.url) ??
      (input.method !== 'POST' ? `${input.method} status callbacks are not emulated: the emulator POSTs JSON` : undefined) ??
      (input.key === undefined ? 'no auth token to sign with: the account never authenticated over HTTP' : undefined);
    if (refusal !== undefined || input.key === undefined) {
      this.#settleEntry(entry, 'refused', refusal);
      return;
    }
    if (this.#outstanding.size >= this.#limits.maxPending || this.#pendingBytes + input.body.length > this.#limits.maxPendingBytes) {
      this.#settleEntry(entry, 'dropped', 'the delivery queue is full');
      return;
    }
    const delivery: Delivery = { entry, body: input.body, key: input.key, copiesLeft: 0 };
    this.#outstanding.add(delivery);
    this.#pendingBytes += input.body.length;

    const group = this.#group;
    if (group && faultMatches(group.match, entry.eventType, entry.url)) {
      this.#hold(group, delivery);
      return;
    }
    const action = this.#faults.plan(entry.eventType, entry.url);
    if (action) entry.fault = action.kind;
    switch (action?.kind) {
      case 'drop':
        this.#settle(delivery, 'dropped', 'dropped by an injected fault');
        return;
      case 'duplicate':
        delivery.copiesLeft = action.copies ?? 1;
        this.#enqueue(delivery);
        return;
      case 'delay':
        entry.state = 'delayed';
        this.#after(action.ms, () => this.#enqueue(delivery));
        return;
      case 'reorder': {
        const timer = this.#after(action.holdMs ?? 5_000, () => this.#release());
        this.#group = { action, match: action.match, members: [], timer };
        this.#hold(this.#group, delivery);
        return;
      }
      default:
        this.#enqueue(delivery);
    }
  }

  /** A copy of the log, oldest first. */
  deliveries(): WebhookDelivery[] {
    return this.#log.map((entry) => ({ ...entry }));
  }

  /** Deliveries not yet settled (queued, held, delayed, sending or retrying). */
  pending(): number {
    return this.#outstanding.size;
  }

  /** Empties the log (deliveries under way continue). */
  clearLog(): void {
    this.#log = [];
    this.#notify();
  }

  /** Resolves once nothing is queued, held, delayed, in flight or waiting to retry. */
  idle(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.#until(
      () => (this.#outstanding.size === 0 ? true : undefined),
      options.timeoutMs,
      () => `${this.#outstanding.size} deliveries still pending`,
    ).then(() => undefined);
  }

  /** Resolves with the logged deliveries matching `predicate` once there are at least `count` (default 1). */
  waitFor(
    predicate: (delivery: WebhookDelivery) => boolean,
    options: { count?: number; timeoutMs?: number } = {},
  ): Promise<WebhookDelivery[]> {
    const count = options.count ?? 1;
    const found = () => {
      const matching = this.#log.filter(predicate);
      return matching.length >= count ? matching.map((entry) => ({ ...entry })) : undefined;
    };
    return this.#until(
      found,
      options.timeoutMs,
      () =>
        `fewer than ${count} matching deliveries; log: ${JSON.stringify(this.#log.map((e) => [e.eventType, e.state, e.lastError ?? e.lastStatus]))}`,
    );
  }

  /** Forgets every delivery under way (a reset: their data is gone) and the log. */
  cancelAll(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#group = undefined;
    this.#lanes.clear();
    this.#waitingLanes.clear();
    for (const delivery of this.#outstanding) this.#settle(delivery, 'dropped', 'cancelled by a reset');
    this.#log = [];
    this.#notify();
  }

  async close(): Promise<void> {
    this.cancelAll();
    await this.#agent.destroy();
  }

  #record(entry: WebhookDelivery): void {
    this.#log.push(entry);
    if (this.#log.length > this.#limits.maxLogged) this.#log.splice(0, this.#log.length - this.#limits.maxLogged);
  }

  #hold(group: Group, delivery: Delivery): void {
    delivery.entry.state = 'held';
    delivery.entry.fault = 'reorder';
    group.members.push(delivery);
    if (group.members.length >= group.action.count) this.#release();
    else this.#notify();
  }

  /** Releases the reorder group: reversed, or shuffled with the faults' (seedable) random numbers. */
  #release(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    clearTimeout(group.timer);
    this.#timers.delete(group.timer);
    const members = group.members.slice().reverse();
    if (group.action.order === 'shuffle') {
      for (let i = members.length - 1; i > 0; i--) {
        const j = Math.floor(this.#faults.random() * (i + 1));
        [members[i], members[j]] = [members[j]!, members[i]!];
      }
    }
    for (const delivery of members) this.#enqueue(delivery);
  }

  #enqueue(delivery: Delivery): void {
    if (!this.#outstanding.has(delivery)) return; // cancelled meanwhile
    delivery.entry.state = 'queued';
    const lane = delivery.entry.url;
    let queue = this.#lanes.get(lane);
    if (!queue) this.#lanes.set(lane, (queue = []));
    queue.push(delivery);
    this.#notify();
    setImmediate(() => this.#pump(lane));
  }

  /** One request at a time per URL (like one connection), at most MAX_IN_FLIGHT in all. */
  #pump(lane: string): void {
    if (this.#busyLanes.has(lane)) return;
    const queue = this.#lanes.get(lane);
    if (!queue || queue.length === 0) {
      this.#lanes.delete(lane);
      return;
    }
    if (this.#inFlight >= MAX_IN_FLIGHT) {
      this.#waitingLanes.add(lane);
      return;
    }
    const delivery = queue.shift()!;
    this.#busyLanes.add(lane);
    this.#inFlight++;
    void this.#attempt(delivery).finally(() => {
      this.#busyLanes.delete(lane);
      this.#inFlight--;
      // A lane that waited goes first; this one takes a slot if one is left, else waits its turn.
      const next = this.#waitingLanes.values().next();
      if (!next.done) {
        this.#waitingLanes.delete(next.value);
        this.#pump(next.value);
      }
      this.#pump(lane);
    });
  }

  async #attempt(delivery: Delivery): Promise<void> {
    const { entry } = delivery;
    entry.state = 'sending';
    entry.attempts++;
    this.#notify();
    const cancelled = this.#abort.signal;
    let failure: string;
    try {
      const signed = (delivery.signed ??= signDelivery(entry.url, delivery.body, delivery.key));
      const response = await request(signed.url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          'content-type': 'application/json',
          'x-twilio-signature': signed.signature,
          'i-twilio-idempotency-token': entry.token,
          'user-agent': USER_AGENT,
          accept: '*/*',
        },
        body: delivery.body,
        signal: AbortSignal.any([cancelled, AbortSignal.timeout(this.#limits.timeoutMs)]),
      });
      await response.body.dump({ limit: 64 * 1024 });
      entry.lastStatus = response.statusCode;
      if (response.statusCode >= 200 && response.statusCode < 300) {
        entry.sent++;
        delete entry.lastError;
        if (delivery.copiesLeft > 0) {
          delivery.copiesLeft--;
          return this.#enqueue(delivery);
        }
        return this.#settle(delivery, 'delivered');
      }
      failure = `answered ${response.statusCode}`;
    } catch (error) {
      if (cancelled.aborted) return;
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    entry.lastError = failure;
    if (entry.attempts >= this.#limits.maxAttempts) return this.#settle(delivery, 'failed', failure);
    entry.state = 'retrying';
    this.#notify();
    const backoff = Math.min(this.#limits.retryBaseMs * 2 ** (entry.attempts - 1), MAX_BACKOFF_MS);
    this.#after(backoff, () => this.#enqueue(delivery));
  }

  #after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
    this.#notify();
    return timer;
  }

  #settle(delivery: Delivery, state: DeliveryState, reason?: string): void {
    if (!this.#outstanding.delete(delivery)) return;
    this.#pendingBytes -= delivery.body.length;
    this.#settleEntry(delivery.entry, state, reason);
  }

  #settleEntry(entry: WebhookDelivery, state: DeliveryState, reason?: string): void {
    entry.state = state;
    entry.settledAt = Date.now();
    if (reason !== undefined) entry.lastError = reason;
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #until<T>(check: () => T | undefined, timeoutMs = 5_000, describe: () => string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        const result = check();
        if (result === undefined) return;
        done();
        resolve(result);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`webhooks: timed out after ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      this.#listeners.add(listener);
    });
  }
}
