// The fan-out workload's subscribers, a child process driven over IPC (trial.ts): N subscriptions
// to one conversation over GraphQL over SSE (a streaming POST with `Accept: text/event-stream`) or
// over WebSocket (graphql-transport-ws, one connection per subscriber, as N separate browser tabs
// would), on the lean raw-socket clients of wire.ts. Each payload's text says which event it is (shared.ts): for a
// measured batch every subscriber records when each event first arrived and how often, so the
// trial learns every delivery's latency (from the generator's send times) and whether any was
// missed, repeated or out of order.
// The clients live in their own process so the server's CPU, read from /proc, is the server's alone.
import type { Socket } from 'node:net';
import { serveRpc } from '../lib/rpc.ts';
import {
  clock,
  FANOUT_SUBSCRIPTION,
  summarise,
  type OpenRequest,
  type OpenResult,
  type SubscriberStatus,
  type Transport,
  type TransportResult,
} from './shared.ts';
import { openSseWire, openWsWire, type WireHandlers } from './wire.ts';

const OPEN_CONCURRENCY = 50;
const OPEN_TIMEOUT_MS = 30_000;

interface Subscriber {
  transport: Transport;
  /** Tags of the unmeasured batches (warm-up, barriers) this subscriber has seen. */
  tags: Set<string>;
  /** Measured batch: how many times each event arrived, and when it first did (clock()). */
  received: Uint8Array;
  receivedAt: Float64Array;
  lastSeq: number;
  outOfOrder: number;
  close(): void;
}

/** A subscriber that has seen nothing yet; `close` ends its stream or socket. */
function newSubscriber(transport: Transport, close: () => void): Subscriber {
  return { transport, tags: new Set(), received: new Uint8Array(0), receivedAt: new Float64Array(0), lastSeq: -1, outOfOrder: 0, close };
}

interface PerTransport {
  errors: number;
  ended: number;
  firstError?: string;
  sample?: unknown;
}

const subscribers: Subscriber[] = [];
const stats = new Map<Transport, PerTransport>();
/** The measured batch's tag ('' between batches): its events are recorded, others only noted. */
let measuredTag = '';
/** Deliveries of the measured batch so far (every subscriber, repeats included). */
let measuredReceived = 0;

function statsOf(transport: Transport): PerTransport {
  let entry = stats.get(transport);
  if (!entry) {
    entry = { errors: 0, ended: 0 };
    stats.set(transport, entry);
  }
  return entry;
}

function fail(transport: Transport, what: string): void {
  const entry = statsOf(transport);
  entry.errors++;
  entry.firstError ??= what.slice(0, 400);
}

function handlersOf(subscriber: Subscriber): WireHandlers {
  const transport = subscriber.transport;
  return {
    onEvent: (tag, seq, at, payload) => onEvent(subscriber, { tag, seq }, at, payload),
    onProblem: (what) => fail(transport, what),
    onEnd: () => statsOf(transport).ended++,
  };
}

function onEvent(subscriber: Subscriber, event: { tag: string; seq: number }, at: number, payload: () => unknown): void {
  if (event.tag !== measuredTag) {
    subscriber.tags.add(event.tag);
    return;
  }
  const entry = statsOf(subscriber.transport);
  if (event.seq === 0 && entry.sample === undefined) entry.sample = payload();
  if (event.seq >= subscriber.received.length) return fail(subscriber.transport, `event ${event.seq} beyond the batch`);
  if (event.seq < subscriber.lastSeq) subscriber.outOfOrder++;
  subscriber.lastSeq = event.seq;
  if (subscriber.received[event.seq] === 0) subscriber.receivedAt[event.seq] = at;
  subscriber.received[event.seq] = Math.min(255, subscriber.received[event.seq]! + 1);
  measuredReceived++;
}

/** One subscription over `transport`: resolves once the server opened the stream (SSE) or acknowledged connection_init (WebSocket). */
async function openOne(request: OpenRequest): Promise<Subscriber> {
  let socket: Socket | undefined;
  const subscriber = newSubscriber(request.transport, () => socket?.destroy());
  const subscription = { query: FANOUT_SUBSCRIPTION, variables: { sid: request.conversationSid } };
  socket =
    request.transport === 'sse'
      ? await openSseWire(request.url, request.authorization, JSON.stringify(subscription), handlersOf(subscriber))
      : await openWsWire(request.url.replace(/^http/, 'ws'), request.authorization, subscription, handlersOf(subscriber));
  return subscriber;
}

async function open(request: OpenRequest): Promise<OpenResult> {
  const started = performance.now();
  let opened = 0;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < request.count) {
      next++;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to subscribe in ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS);
      });
      try {
        const opening = openOne(request);
        const subscriber = await Promise.race([opening, timeout]);
        subscribers.push(subscriber);
        opened++;
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, request.count) }, worker));
  const elapsedS = (performance.now() - started) / 1000;
  return { opened, failed, ...(firstError !== undefined && { firstError }), elapsedS };
}

function status(tag: string): SubscriberStatus {
  let reached = 0;
  for (const subscriber of subscribers) {
    if (subscriber.tags.has(tag)) reached++;
  }
  let errors = 0;
  let ended = 0;
  let firstError: string | undefined;
  for (const entry of stats.values()) {
    errors += entry.errors;
    ended += entry.ended;
    firstError ??= entry.firstError;
  }
  const status = { subscribers: subscribers.length, reached, measuredReceived, errors, ended };
  return { ...status, ...(firstError !== undefined && { firstError }) };
}

/** Starts a measured batch: every subscriber expects events 0 … count-1 of `tag`. */
function measure(tag: string, count: number): void {
  measuredTag = tag;
  measuredReceived = 0;
  for (const subscriber of subscribers) {
    subscriber.received = new Uint8Array(count);
    subscriber.receivedAt = new Float64Array(count);
    subscriber.lastSeq = -1;
    subscriber.outOfOrder = 0;
  }
  for (const entry of stats.values()) delete entry.sample;
}

/**
 * The measured batch's outcome, per transport: each delivery's latency from the generator's send
 * time (`sentAt`, by seq). The batch ends here: later events are not counted, and a delivery still
 * missing counts with its time so far, a lower bound (as the open-loop load generator counts
 * unanswered requests).
 */
function collect(sentAt: (number | null)[]): TransportResult[] {
  const now = clock();
  measuredTag = '';
  return (['sse', 'ws'] as const).flatMap((transport) => {
    const own = subscribers.filter((s) => s.transport === transport);
    if (own.length === 0) return [];
    let delivered = 0;
    let missed = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let lastAt = 0;
    const latencies: number[] = [];
    const entry = statsOf(transport);
    for (const subscriber of own) {
      outOfOrder += subscriber.outOfOrder;
      subscriber.received.forEach((times, seq) => {
        delivered += times;
        if (times > 1) duplicated += times - 1;
        if (times === 0) missed++;
        const sent = sentAt[seq];
        if (typeof sent !== 'number' || Number.isNaN(sent)) return;
        const at = times > 0 ? subscriber.receivedAt[seq]! : now;
        latencies.push(at - sent);
        if (times > 0) lastAt = Math.max(lastAt, at);
      });
    }
    return [
      {
        transport,
        subscribers: own.length,
        delivered,
        missed,
        duplicated,
        outOfOrder,
        errors: entry.errors,
        ended: entry.ended,
        ...(entry.firstError !== undefined && { firstError: entry.firstError }),
        latencyMs: summarise(latencies),
        lastAt,
        sample: entry.sample ?? null,
      },
    ];
  });
}

function closeAll(): number {
  const count = subscribers.length;
  for (const subscriber of subscribers.splice(0)) subscriber.close();
  stats.clear();
  measuredTag = '';
  return count;
}

type Command =
  | { type: 'open'; id: number; request: OpenRequest }
  | { type: 'status'; id: number; tag: string }
  | { type: 'measure'; id: number; tag: string; count: number }
  | { type: 'collect'; id: number; sentAt: (number | null)[] }
  | { type: 'close'; id: number };

async function handle(command: Command): Promise<unknown> {
  switch (command.type) {
    case 'open':
      return open(command.request);
    case 'status':
      return status(command.tag);
    case 'measure':
      return measure(command.tag, command.count);
    case 'collect':
      return collect(command.sentAt);
    case 'close':
      return closeAll();
  }
}

serveRpc(handle, closeAll);
