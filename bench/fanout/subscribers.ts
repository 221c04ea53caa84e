// The fan-out workload's subscribers, a child process driven over IPC (trial.ts): N subscriptions
// to one conversation over GraphQL over SSE (a streaming POST with `Accept: text/event-stream`,
// node:http) or over WebSocket (a graphql-ws client on `ws`, one connection per subscriber, as N
// separate browser tabs would). Each payload's text says which event it is (shared.ts): for a
// measured batch every subscriber records when each event first arrived and how often, so the
// trial learns every delivery's latency (from the generator's send times) and whether any was
// missed, repeated or out of order.
// The clients live in their own process so the server's CPU, read from /proc, is the server's alone.
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { serveRpc } from '../lib/rpc.ts';
import {
  clock,
  FANOUT_SUBSCRIPTION,
  parseEventText,
  summarise,
  type OpenRequest,
  type OpenResult,
  type SubscriberStatus,
  type Transport,
  type TransportResult,
} from './shared.ts';

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

function onPayload(subscriber: Subscriber, payload: any, at: number): void {
  if (payload?.errors) return fail(subscriber.transport, `payload errors: ${JSON.stringify(payload.errors)}`);
  const text = payload?.data?.communicationAdded?.node?.content?.text;
  const event = typeof text === 'string' ? parseEventText(text) : null;
  if (!event) return fail(subscriber.transport, `unexpected payload: ${JSON.stringify(payload)}`);
  onEvent(subscriber, event, at, () => payload);
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

/**
 * An SSE `next` event's data. A thousand subscribers share this process, so its cost per message
 * is latency for the ones read last: the event is found in the raw text, and the payload is
 * parsed in full only when it is kept as the sample or does not look as expected.
 */
const RAW_EVENT = /"content":\{"text":"fanout (\S+) (\d+)"\}\}\}\}\}$/;

function onSseData(subscriber: Subscriber, data: string, at: number): void {
  const match = RAW_EVENT.exec(data);
  if (!match || data.includes('"errors"')) return onPayload(subscriber, JSON.parse(data), at);
  onEvent(subscriber, { tag: match[1]!, seq: Number(match[2]) }, at, () => JSON.parse(data));
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/** One SSE subscription: resolves once the server answered 200 with an event stream. */
function openSse(request: OpenRequest): Promise<Subscriber> {
  const body = JSON.stringify({ query: FANOUT_SUBSCRIPTION, variables: { sid: request.conversationSid } });
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined;
    const subscriber = newSubscriber('sse', () => req?.destroy());
    req = httpRequest(
      request.url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: request.authorization,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
          let text = '';
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => reject(new Error(`SSE subscribe: HTTP ${res.statusCode} ${text.slice(0, 300)}`)));
          return;
        }
        let buffered = '';
        res.on('data', (chunk: string) => {
          const at = clock();
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            if (block.startsWith('event: next\ndata: ')) onSseData(subscriber, block.slice(18), at);
            else if (block.startsWith('event: complete')) fail('sse', 'the server completed the stream');
          }
        });
        res.on('close', () => statsOf('sse').ended++);
        resolve(subscriber);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One WebSocket connection with one subscription: resolves once the server acknowledged connection_init. */
function openWs(request: OpenRequest): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    let client: Client | undefined;
    const subscriber = newSubscriber('ws', () => void client?.dispose());
    let connected = false;
    client = createClient({
      url: request.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: request.authorization },
      lazy: false,
      retryAttempts: 0,
      on: {
        connected: () => {
          connected = true;
          resolve(subscriber);
        },
        closed: (event) => {
          const code = (event as { code?: number }).code;
          if (!connected) reject(new Error(`WebSocket closed before connection_ack: ${code}`));
        },
        error: (error) => {
          if (!connected) reject(error instanceof Error ? error : new Error(String(error)));
        },
      },
    });
    client.subscribe(
      { query: FANOUT_SUBSCRIPTION, variables: { sid: request.conversationSid } },
      {
        next: (payload) => onPayload(subscriber, payload, clock()),
        error: (error) => {
          statsOf('ws').ended++;
          fail('ws', `subscription error: ${JSON.stringify(error)}`);
        },
        complete: () => statsOf('ws').ended++,
      },
    );
  });
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
        const opening = request.transport === 'sse' ? openSse(request) : openWs(request);
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
