// The fan-out workload's webhook generator, a child process driven over IPC (trial.ts): for each
// event it creates a communication in the bench conversation upstream (as a client's message would
// be), then posts its COMMUNICATION_CREATED status callback to the server under test, on a fixed
// schedule (open loop), signed exactly as Twilio signs a JSON body: `bodySHA256=<hex SHA-256 of the
// body>` appended to the configured URL, X-Twilio-Signature = base64 HMAC-SHA1(auth token, that
// URL), and a fresh I-Twilio-Idempotency-Token. The send time of each webhook (stamped after the
// creation, right before signing) is reported back; latencies are measured from it.
// The signing is written out here with node:crypto rather than imported from src/live/signature.ts,
// so a mistake in the facade's verifier cannot hide behind the same mistake in the signer.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { serveRpc } from '../lib/rpc.ts';
import { clock, eventText, FANOUT_WEBHOOK_TOKEN, summarise, type SendRequest, type SendResult } from './shared.ts';

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 16, keepAliveTimeout: 30_000 });
    pools.set(origin, pool);
  }
  return pool;
}

/** Creates the event's communication upstream: its REST resource is the webhook's data. */
async function createCommunication(upstreamUrl: string, text: string): Promise<Record<string, unknown>> {
  const path = '/__bench/communications';
  const response = await poolFor(upstreamUrl).request({ method: 'POST', path, body: JSON.stringify({ text }) });
  const body = await response.body.text();
  if (response.statusCode !== 201) {
    throw new Error(`creating the communication upstream: HTTP ${response.statusCode} ${body.slice(0, 200)}`);
  }
  return JSON.parse(body) as Record<string, unknown>;
}

interface Outcome {
  ok: boolean;
  ms: number;
  error?: string;
}

/** One event: its communication created upstream, then its webhook; sentAt[index] is set when the webhook goes. */
async function send(request: SendRequest, seq: number, signal: AbortSignal, sentAt: number[], index: number): Promise<Outcome> {
  const data = await createCommunication(request.upstreamUrl, eventText(request.tag, seq));
  const at = clock();
  sentAt[index] = at;
  const body = JSON.stringify({ eventType: 'COMMUNICATION_CREATED', timestamp: data.createdAt, data });
  const signedUrl = `${request.url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
  const signature = createHmac('sha1', FANOUT_WEBHOOK_TOKEN).update(signedUrl).digest('base64');
  const url = new URL(signedUrl);
  const response = await poolFor(url.origin).request({
    method: 'POST',
    path: url.pathname + url.search,
    headers: {
      'content-type': 'application/json',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': randomUUID(),
      'user-agent': 'TwilioProxy/1.1',
    },
    body,
    signal,
  });
  const text = await response.body.text();
  const ms = clock() - at;
  if (response.statusCode === 200) return { ok: true, ms };
  return { ok: false, ms, error: `HTTP ${response.statusCode}: ${text.slice(0, 200)}` };
}

export async function sendWebhooks(request: SendRequest): Promise<SendResult> {
  const interval = 1000 / request.rate;
  const started = performance.now();
  const abort = new AbortController();
  const answers: number[] = [];
  const sentAt: number[] = new Array(request.count).fill(NaN);
  let accepted = 0;
  let failed = 0;
  let firstError: string | undefined;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const first = request.startSeq ?? 0;
  for (let seq = first; seq < first + request.count; seq++) {
    const wait = started + (seq - first) * interval - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const done: Promise<void> = send(request, seq, abort.signal, sentAt, seq - first)
      .then(
        (outcome) => {
          if (stopped) return;
          answers.push(outcome.ms);
          if (outcome.ok) accepted++;
          else {
            failed++;
            firstError ??= outcome.error;
          }
        },
        (error: unknown) => {
          if (stopped) return;
          failed++;
          firstError ??= String(error);
        },
      )
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  // A server that cannot keep up answers late or never: after the grace period the rest are
  // aborted and count as unanswered, so the phase stays bounded in time.
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise((resolve) => (timer = setTimeout(resolve, request.graceMs)));
  await Promise.race([Promise.allSettled([...inFlight]), grace]);
  clearTimeout(timer);
  stopped = true;
  const unanswered = inFlight.size;
  abort.abort();
  await Promise.allSettled([...inFlight]);
  return {
    sent: request.count,
    accepted,
    failed,
    unanswered,
    sentAt,
    ...(firstError !== undefined && { firstError }),
    answerMs: summarise(answers),
    elapsedS: (performance.now() - started) / 1000,
  };
}

// As a child process: one batch of webhooks per message.
serveRpc<{ type: string; id: number; request: SendRequest }>(
  (message) => (message.type === 'send' ? sendWebhooks(message.request) : Promise.reject(new Error(`unknown command ${message.type}`))),
  () => {
    for (const pool of pools.values()) void pool.destroy();
  },
);
