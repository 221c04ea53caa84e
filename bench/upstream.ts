// The benchmark's upstream, run as its own child process: the project's emulator (seeded with the
// benchmark conversation) behind a small replay front that makes it cheap. The first time a GET is
// seen (its path, query and credentials), the front asks the emulator and keeps the answer's bytes;
// from then on it answers from memory, so every contestant pays the same near-zero upstream cost and
// the measurement isolates the facades' own work. Latency (e.g. 20 ± 5 ms) is added by the front,
// per call, uniformly for every contestant. The front counts calls per operation so the bench can
// report upstream calls per query.
//
// Control (loopback only, never logged as calls):
//   GET  /__bench/stats          → { counts: { FetchConversation: n, ... }, total, misses }
//   POST /__bench/reset-counts
//   PUT  /__bench/latency        body { latencyMs, jitterMs }
//   POST /__bench/communications body { text } → a new TEXT communication in the bench conversation,
//                                as its REST resource (what a COMMUNICATION_CREATED webhook carries);
//                                the conversation's cached list answers are dropped, so the next
//                                list read shows it (the fan-out workload, bench/fanout/)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { DEMO_ACCOUNT_SID, DEMO_CONFIGURATION_ID, startEmulator } from '../src/emulator/index.ts';
import { BENCH_AUTHORS, BENCH_COMMUNICATIONS, benchText, benchTranscript } from './workload.ts';

interface Cached {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const OPERATIONS: [RegExp, string][] = [
  [/^\/v2\/Conversations$/, 'ListConversations'],
  [/^\/v2\/Conversations\/[^/]+$/, 'FetchConversation'],
  [/^\/v2\/Conversations\/[^/]+\/Participants$/, 'ListParticipants'],
  [/^\/v2\/Conversations\/[^/]+\/Participants\/[^/]+$/, 'FetchParticipant'],
  [/^\/v2\/Conversations\/[^/]+\/Communications$/, 'ListCommunications'],
  [/^\/v2\/Conversations\/[^/]+\/Communications\/[^/]+$/, 'FetchCommunication'],
];

function operationOf(path: string): string {
  for (const [pattern, name] of OPERATIONS) if (pattern.test(path)) return name;
  return 'Other';
}

type Participant = ReturnType<Awaited<ReturnType<typeof startEmulator>>['data']['createParticipant']>;

/** Seeds the benchmark conversation: BENCH_AUTHORS participants, BENCH_COMMUNICATIONS communications. */
function seed(data: Awaited<ReturnType<typeof startEmulator>>['data']): { conversationId: string; participants: Participant[] } {
  const account = DEMO_ACCOUNT_SID;
  const conversation = data.createConversation(account, {
    configurationId: DEMO_CONFIGURATION_ID,
    name: 'Benchmark conversation',
    metadata: { purpose: 'bench' },
  });
  const participants = Array.from({ length: BENCH_AUTHORS }, (_, i) =>
    data.createParticipant(account, conversation.id, {
      name: `Author ${i + 1}`,
      type: i === 0 ? 'CUSTOMER' : i % 2 ? 'HUMAN_AGENT' : 'AI_AGENT',
      addresses: [{ channel: i === BENCH_AUTHORS - 1 ? 'VOICE' : 'SMS', address: `+1415555${String(100 + i).padStart(4, '0')}` }],
    }),
  );
  const start = Date.parse('2025-06-02T09:00:00Z');
  for (let i = 0; i < BENCH_COMMUNICATIONS; i++) {
    const author = participants[i % participants.length]!;
    const to = participants[(i + 1) % participants.length]!;
    const address = (p: typeof author) => ({
      address: p.addresses[0]!.address,
      channel: p.addresses[0]!.channel,
      participantId: p.id,
    });
    const voice = author.addresses[0]!.channel === 'VOICE';
    data.createCommunication(account, conversation.id, {
      author: address(author),
      recipients: [address(to)],
      content: voice
        ? {
            type: 'TRANSCRIPTION',
            text: benchTranscript(i),
            transcription: { channel: 1, confidence: 0.93, engine: 'bench' },
          }
        : { type: 'TEXT', text: benchText(i) },
      occurredAt: new Date(start + i * 37_000).toISOString(),
    });
  }
  return { conversationId: conversation.id, participants };
}

const emulator = await startEmulator({ port: 0, seedDemoData: false });
const { conversationId, participants } = seed(emulator.data);
/** Who writes the fan-out workload's communications: the participants with a text channel. */
const authors = participants.filter((p) => p.addresses[0]?.channel !== 'VOICE');
let created = 0;
const origin = new Pool(emulator.url, { connections: 8 });

const cache = new Map<string, Cached>();
const counts: Record<string, number> = {};
let total = 0;
let misses = 0;
let latencyMs = 0;
let jitterMs = 0;

function delay(): number {
  if (latencyMs === 0 && jitterMs === 0) return 0;
  return Math.max(0, latencyMs - jitterMs + Math.random() * 2 * jitterMs);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const body = await readBody(req);
  if (req.method === 'GET' && path === '/__bench/stats') {
    return json(res, 200, { counts, total, misses, conversationId });
  }
  if (req.method === 'POST' && path === '/__bench/reset-counts') {
    for (const key of Object.keys(counts)) delete counts[key];
    total = 0;
    return json(res, 200, { ok: true });
  }
  if (req.method === 'POST' && path === '/__bench/communications') {
    const { text } = JSON.parse(body || '{}') as { text?: string };
    const author = authors[created % authors.length]!;
    const to = authors[(created + 1) % authors.length]!;
    created++;
    const address = (p: typeof author) => ({ address: p.addresses[0]!.address, channel: p.addresses[0]!.channel, participantId: p.id });
    const communication = emulator.data.createCommunication(DEMO_ACCOUNT_SID, conversationId, {
      author: address(author),
      recipients: [address(to)],
      content: { type: 'TEXT', text: text ?? 'fan-out' },
    });
    const listPath = `/v2/Conversations/${conversationId}/Communications`;
    for (const key of cache.keys()) if (key.includes(`${listPath}?`) || key.endsWith(listPath)) cache.delete(key);
    return json(res, 201, communication);
  }
  if (req.method === 'PUT' && path === '/__bench/latency') {
    const value = JSON.parse(body || '{}') as { latencyMs?: number; jitterMs?: number };
    latencyMs = value.latencyMs ?? 0;
    jitterMs = value.jitterMs ?? 0;
    return json(res, 200, { latencyMs, jitterMs });
  }
  json(res, 404, { message: 'unknown control path' });
}

async function fetchFromEmulator(req: IncomingMessage, url: string): Promise<Cached> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.headers.authorization) headers.authorization = req.headers.authorization;
  const response = await origin.request({ method: 'GET', path: url, headers });
  const body = Buffer.from(await response.body.arrayBuffer());
  const contentType = response.headers['content-type'];
  return {
    status: response.statusCode,
    headers: { 'content-type': typeof contentType === 'string' ? contentType : 'application/json' },
    body,
  };
}

function send(res: ServerResponse, reply: Cached): void {
  res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
  res.end(reply.body);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (path.startsWith('/__bench/')) {
    control(req, res, path).catch((error: unknown) => json(res, 500, { message: String(error) }));
    return;
  }
  if (req.method !== 'GET') {
    json(res, 405, { message: 'the bench upstream answers GET only' });
    return;
  }
  const operation = operationOf(path);
  counts[operation] = (counts[operation] ?? 0) + 1;
  total++;
  const key = `${req.headers.authorization ?? ''} ${url}`;
  const wait = delay();
  const answer = (reply: Cached) => {
    if (wait > 0) setTimeout(() => send(res, reply), wait);
    else send(res, reply);
  };
  const hit = cache.get(key);
  if (hit) {
    answer(hit);
    return;
  }
  misses++;
  fetchFromEmulator(req, url).then(
    (reply) => {
      if (reply.status >= 200 && reply.status < 300) cache.set(key, reply);
      answer(reply);
    },
    (error: unknown) => json(res, 502, { message: String(error) }),
  );
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}`, conversationId });
});

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') {
    server.closeAllConnections();
    server.close();
    void origin
      .close()
      .then(() => emulator.close())
      .finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
