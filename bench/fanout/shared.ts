// The fan-out workload's shared facts (issue 11 item 10): the subscription every subscriber sends,
// the text each webhook's communication carries (which event it is, so a subscriber can check it
// saw every event exactly once and when it first did), the webhook token, and the messages the
// harness (trial.ts) exchanges with its child processes (webhooks.ts, subscribers.ts).

import type { FanoutTransport, LatencySummary } from '../report/types.ts';

/** Exactly what every subscriber asks for, over SSE and over WebSocket, of the facade and of the limit. */
export const FANOUT_SUBSCRIPTION = `subscription Fanout($sid: String!) {
  communicationAdded(conversationSid: $sid) { cursor node { id sid content { ... on TextContent { text } } } } }`;

/** The auth token that signs the bench's webhooks (WEBHOOK_AUTH_TOKEN of the servers under test). */
export const FANOUT_WEBHOOK_TOKEN = 'bench webhook token';

export const WEBHOOK_PATH = '/webhooks/conversations';

export type Transport = 'sse' | 'ws';

/**
 * A communication's text: `fanout <tag> <seq>`. The tag names a batch (a warm-up, a barrier, a
 * measured load), seq the event in it. The communication is created upstream before its webhook
 * is sent, so the send time cannot be in it: the generator reports when it sent each event, the
 * subscribers when each arrived, and the latencies are the differences (same clock, clock()).
 */
export function eventText(tag: string, seq: number): string {
  return `fanout ${tag} ${seq}`;
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across the bench's processes
 * on one machine (performance.timeOrigin is each process's start on the wall clock).
 */
export const clock = () => performance.timeOrigin + performance.now();

export type { LatencySummary };

export function summarise(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

// ---- the webhook generator (webhooks.ts) ----

export interface SendRequest {
  /** The server's webhook URL, without query (PUBLIC_URL + WEBHOOK_PATH): posted to and signed. */
  url: string;
  /** The bench upstream: each event's communication is created there first (POST /__bench/communications). */
  upstreamUrl: string;
  tag: string;
  /** Events startSeq … startSeq + count - 1 (each its own communication id). */
  startSeq?: number;
  count: number;
  /** Webhooks per second, open loop (sent on schedule whatever the answers do). */
  rate: number;
  /** How long after the last scheduled send answers are waited for; then the rest are aborted. */
  graceMs: number;
}

export interface SendResult {
  sent: number;
  accepted: number;
  failed: number;
  /** Not answered within the grace period (aborted). */
  unanswered: number;
  /** When each event's webhook was sent (clock(), after its communication was created), by its index in the batch. */
  sentAt: number[];
  firstError?: string;
  /** How long the server took to answer the webhook (sent → response read), ms. */
  answerMs: LatencySummary;
  elapsedS: number;
}

// ---- the subscribers (subscribers.ts) ----

export interface OpenRequest {
  transport: Transport;
  count: number;
  /** The server's /graphql URL. */
  url: string;
  conversationSid: string;
  authorization: string;
}

export interface OpenResult {
  opened: number;
  failed: number;
  firstError?: string;
  elapsedS: number;
}

export interface SubscriberStatus {
  subscribers: number;
  /** Subscribers that received at least one event of the tag asked about. */
  reached: number;
  /** Events of the measured tag received (every subscriber, with repeats). */
  measuredReceived: number;
  /** Payloads with errors, streams or sockets that ended. */
  errors: number;
  ended: number;
  firstError?: string;
}

/** A transport's results as its subscriber process collects them: what is stored, and what the trial uses before storing it. */
export interface TransportResult extends FanoutTransport {
  transport: Transport;
  /** When the last measured delivery arrived (clock(); 0: none did). */
  lastAt: number;
  /** The first measured payload one subscriber received, as parsed (for the data check). */
  sample: unknown;
}
