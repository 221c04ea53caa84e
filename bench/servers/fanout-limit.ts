// The fan-out workload's zero-framework limit (issue 11 item 10): a hand-written node:http + `ws`
// broadcaster that does the work any live facade must do for `communicationAdded`, and nothing
// else. Subscribing (GraphQL over SSE: a POST with `Accept: text/event-stream`; GraphQL over
// WebSocket: the graphql-transport-ws messages connection_init/ack, subscribe, complete, ping/pong)
// reads the conversation upstream with the caller's credentials (the access check, which names the
// account), then registers the subscriber under its account and conversation. A status callback
// (POST /webhooks/conversations) is verified exactly as the facade verifies it (its own
// verifyTwilioSignature, against the configured URL), de-duplicated by I-Twilio-Idempotency-Token,
// parsed and shape-checked; then the GraphQL response for the subscription is built ONCE (the same
// data as the facade's: global id, the facade's cursor via its CursorCodec, the content's text),
// serialised once, framed once per transport and written to every subscriber of that topic.
// No GraphQL parsing, validation or execution: the floor a Node broadcaster stands on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { WebSocketServer, type WebSocket } from 'ws';
import { CursorCodec, scopeTag } from '../../src/connections/cursor.ts';
import { verifyTwilioSignature } from '../../src/live/signature.ts';
import { encodeNodeId } from '../../src/schema/node-id.ts';
import { FANOUT_WEBHOOK_TOKEN, WEBHOOK_PATH } from '../fanout/shared.ts';
import { memoryAfterFullGc } from '../lib/memory.ts';

const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
const publicUrl = process.env.BENCH_PUBLIC_URL;
if (!upstreamUrl || !publicUrl) throw new Error('BENCH_UPSTREAM_URL and BENCH_PUBLIC_URL must be set');
const webhookUrl = publicUrl.replace(/\/+$/, '') + WEBHOOK_PATH;
const pool = new Pool(upstreamUrl, { connections: 16, keepAliveTimeout: 10_000 });
const cursors = new CursorCodec(process.env.BENCH_CURSOR_SECRET ?? 'bench cursor secret');
const MAX_BODY = 1_048_576;
const KEEP_ALIVE_MS = 12_000;
const SID = /^[A-Za-z0-9_-]{1,64}$/;

/** Subscribers of one account's conversation. */
interface Topic {
  sse: Set<ServerResponse>;
  /** Per socket, the ids of its subscriptions. */
  ws: Map<WebSocket, Set<string>>;
}

const topics = new Map<string, Topic>();
const topicKey = (accountSid: string, conversationSid: string) => `${accountSid}/${conversationSid}`;

function topicOf(key: string): Topic {
  let topic = topics.get(key);
  if (!topic) {
    topic = { sse: new Set(), ws: new Map() };
    topics.set(key, topic);
  }
  return topic;
}

/** Deliveries already published, by idempotency token: bounded, the oldest forgotten first. */
const seenDeliveries = new Set<string>();
const MAX_SEEN = 10_000;

class Refusal extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The access check: the conversation read with the caller's credentials; its account names the topic. */
async function accountOf(conversationSid: string, authorization: string | undefined): Promise<string> {
  if (!authorization?.startsWith('Basic ')) throw new Refusal(401, 'unauthenticated');
  if (!SID.test(conversationSid)) throw new Refusal(400, 'bad conversationSid');
  const response = await pool.request({
    method: 'GET',
    path: `/v2/Conversations/${encodeURIComponent(conversationSid)}`,
    headers: { authorization, accept: 'application/json', 'user-agent': 'bench-fanout-limit' },
  });
  const text = await response.body.text();
  if (response.statusCode === 404) throw new Refusal(404, 'not found');
  if (response.statusCode !== 200) throw new Refusal(502, `upstream ${response.statusCode}`);
  const accountId = (JSON.parse(text) as { accountId?: unknown }).accountId;
  if (typeof accountId !== 'string') throw new Refusal(502, 'upstream sent no accountId');
  return accountId;
}

/** The subscription's conversationSid, if the document is the one subscription this limit answers. */
function subscribedSid(request: { query?: unknown; variables?: { sid?: unknown } }): string {
  if (typeof request.query !== 'string' || !request.query.includes('communicationAdded')) {
    throw new Refusal(400, 'unknown operation');
  }
  const sid = request.variables?.sid;
  if (typeof sid !== 'string') throw new Refusal(400, 'sid is required');
  return sid;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new Refusal(413, 'too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function subscribeSse(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sid = subscribedSid(JSON.parse((await readBody(req, MAX_BODY)).toString('utf8')));
  const key = topicKey(await accountOf(sid, req.headers.authorization), sid);
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    connection: 'keep-alive',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  res.write(':\n\n');
  const topic = topicOf(key);
  topic.sse.add(res);
  res.on('close', () => topic.sse.delete(res));
}

// ---- status callbacks ----

const isObject = (value: unknown): value is Record<string, any> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The payload every subscriber of the communication's conversation receives. */
function communicationAddedPayload(c: Record<string, any>): string {
  const tag = scopeTag(JSON.stringify(['communications', c.conversationId, null]));
  // `content { ... on TextContent { text } }`: other content types match no fragment.
  const isText = isObject(c.content) && c.content.type === 'TEXT' && typeof c.content.text === 'string';
  const content = isText ? { text: c.content.text } : {};
  return JSON.stringify({
    data: {
      communicationAdded: {
        cursor: cursors.encode(tag, { id: c.id, page: null }),
        node: { id: encodeNodeId('Communication', `${c.conversationId}/${c.id}`), sid: c.id, content },
      },
    },
  });
}

function broadcast(key: string, payload: string): void {
  const topic = topics.get(key);
  if (!topic) return;
  const frame = Buffer.from(`event: next\ndata: ${payload}\n\n`);
  for (const res of topic.sse) res.write(frame);
  for (const [socket, ids] of topic.ws) {
    for (const id of ids) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`);
  }
}

async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req, MAX_BODY);
  const rawUrl = req.url ?? '';
  const query = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?')) : '';
  const signature = req.headers['x-twilio-signature'];
  const verdict = verifyTwilioSignature({ signature: typeof signature === 'string' ? signature : null, url: webhookUrl + query, body }, [
    FANOUT_WEBHOOK_TOKEN,
  ]);
  if (!verdict.ok) throw new Refusal(403, verdict.reason);
  const callback: unknown = JSON.parse(body.toString('utf8'));
  if (!isObject(callback) || typeof callback.eventType !== 'string') throw new Refusal(400, 'malformed');
  if (callback.eventType !== 'COMMUNICATION_CREATED') return answer(res, 200, { outcome: 'ignored' });
  const c = callback.data;
  const valid =
    isObject(c) &&
    typeof c.id === 'string' &&
    typeof c.conversationId === 'string' &&
    typeof c.accountId === 'string' &&
    isObject(c.author) &&
    Array.isArray(c.recipients);
  if (!valid) throw new Refusal(400, 'the data is not a communication');
  const token = req.headers['i-twilio-idempotency-token'];
  const delivery = `${c.accountId}\u0000${typeof token === 'string' ? token : body.toString('base64')}`;
  if (seenDeliveries.has(delivery)) return answer(res, 200, { outcome: 'duplicate' });
  seenDeliveries.add(delivery);
  if (seenDeliveries.size > MAX_SEEN) seenDeliveries.delete(seenDeliveries.values().next().value!);
  answer(res, 200, { outcome: 'accepted' });
  broadcast(topicKey(c.accountId, c.conversationId), communicationAddedPayload(c));
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const work =
    req.method === 'POST' && path === WEBHOOK_PATH
      ? webhook(req, res)
      : req.method === 'POST' && path === '/graphql' && String(req.headers.accept).includes('text/event-stream')
        ? subscribeSse(req, res)
        : Promise.reject(new Refusal(404, 'not found'));
  work.catch((error: unknown) => {
    if (res.headersSent) return void res.destroy();
    const status = error instanceof Refusal ? error.status : 400;
    answer(res, status, { errors: [{ message: error instanceof Error ? error.message : String(error) }] });
  });
});

// ---- GraphQL over WebSocket (graphql-transport-ws), just enough for the bench's clients ----

const sockets = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
});

sockets.on('connection', (socket: WebSocket, upgrade: IncomingMessage) => {
  let authorization = upgrade.headers.authorization;
  let acknowledged = false;
  const own = new Map<string, Topic>();
  socket.on('message', (data) => {
    let message: Record<string, any>;
    try {
      message = JSON.parse(String(data)) as Record<string, any>;
    } catch {
      return socket.close(4400, 'Invalid message received');
    }
    if (message.type === 'connection_init') {
      const fromParams = isObject(message.payload) ? message.payload.authorization : undefined;
      if (typeof fromParams === 'string') authorization = fromParams;
      acknowledged = true;
      return socket.send('{"type":"connection_ack"}');
    }
    if (message.type === 'ping') return socket.send('{"type":"pong"}');
    if (message.type === 'complete') {
      own.get(message.id)?.ws.get(socket)?.delete(message.id);
      own.delete(message.id);
      return;
    }
    if (message.type !== 'subscribe' || typeof message.id !== 'string') return;
    if (!acknowledged) return socket.close(4401, 'Unauthorized');
    const id = message.id;
    (async () => {
      const sid = subscribedSid(message.payload ?? {});
      const topic = topicOf(topicKey(await accountOf(sid, authorization), sid));
      let ids = topic.ws.get(socket);
      if (!ids) topic.ws.set(socket, (ids = new Set()));
      ids.add(id);
      own.set(id, topic);
    })().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      socket.send(JSON.stringify({ id, type: 'error', payload: [{ message }] }));
    });
  });
  socket.on('close', () => {
    for (const topic of own.values()) topic.ws.delete(socket);
  });
});

server.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '').split('?')[0] !== '/graphql') return socket.destroy();
  sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
});

// Keep-alives, as yoga's SSE (a comment every 12 s); graphql-ws clients need none.
setInterval(() => {
  for (const topic of topics.values()) for (const res of topic.sse) res.write(':\n\n');
}, KEEP_ALIVE_MS).unref();

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}/graphql` });
});
process.on('message', (message: { type?: string }) => {
  // The bench asks for the memory held after a full, memory-reducing GC (bench/lib/memory.ts).
  if (message?.type === 'heap') process.send?.({ type: 'heap', ...memoryAfterFullGc() });
  if (message?.type === 'stats') {
    let subscribers = 0;
    for (const topic of topics.values()) {
      subscribers += topic.sse.size;
      for (const ids of topic.ws.values()) subscribers += ids.size;
    }
    process.send?.({ type: 'stats', subscribers });
  }
});
process.on('disconnect', () => process.exit(0));
