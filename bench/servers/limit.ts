// Contestant (b), the zero-framework limit: a hand-written node:http handler that does exactly the
// data work any facade must do for the benchmark's two operations, and nothing else. It reads and
// parses the POSTed GraphQL request, makes the same undici upstream calls as the facade (a keep-alive
// Pool of the same size, Basic credentials passed through, JSON.parse of the bodies), reshapes the
// upstream JSON into the GraphQL response (global ids, the facade's signed cursors via its own
// CursorCodec, content typename, enum fallbacks), and serialises it. No GraphQL parsing, validation
// or execution, no schema, no loaders: it is the floor any Node facade stands on, and the yardstick
// for ours. Its answers' data equal the facade's (the smoke mode checks that).
//
// It issues the upstream calls of one request in parallel, since it knows up front what it needs.
// Cursors come from the facade's own CursorCodec (src/connections/cursor.ts), so a change of the
// cursor format can never leave the limit answering stale cursors.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { CursorCodec, scopeTag } from '../../src/connections/cursor.ts';
import { encodeNodeId } from '../../src/schema/node-id.ts';
import { MAX_PAGE_SIZE } from '../../src/upstream/api.ts';
import { PAGE_SIZE } from '../workload.ts';

const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!upstreamUrl) throw new Error('BENCH_UPSTREAM_URL is not set');
const connections = Number(process.env.BENCH_UPSTREAM_CONNECTIONS ?? 64);
const pool = new Pool(upstreamUrl, { connections, keepAliveTimeout: 10_000 });
const cursors = new CursorCodec(process.env.BENCH_CURSOR_SECRET ?? 'bench cursor secret');

/** The cursor of an item of the list's first page (read without a token: its position is its index). */
function encodeCursor(tag: string, id: string, index: number, next: string | null, previous: string | null): string {
  return cursors.encode(tag, {
    id,
    page: {
      size: PAGE_SIZE,
      token: null,
      index,
      offset: index,
      ...(next !== null && { next }),
      ...(previous !== null && { previous }),
    },
  });
}

const SID = /^[A-Za-z0-9_-]{1,64}$/;
const CHANNELS = new Set(['VOICE', 'SMS', 'RCS', 'WHATSAPP', 'CHAT', 'VIDEO', 'UNKNOWN']);
const STATUSES = new Set(['ACTIVE', 'INACTIVE', 'CLOSED']);
const PARTICIPANT_TYPES = new Set(['HUMAN_AGENT', 'CUSTOMER', 'AI_AGENT', 'AGENT', 'UNKNOWN']);

type Json = Record<string, any>;

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function get(path: string, authorization: string): Promise<Json | null> {
  const response = await pool.request({
    method: 'GET',
    path,
    headers: { authorization, accept: 'application/json', 'user-agent': 'bench-limit' },
  });
  const text = await response.body.text();
  if (response.statusCode === 404) return null;
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new HttpError(502, `upstream ${response.statusCode}`);
  }
  return JSON.parse(text) as Json;
}

const channel = (value: unknown) => (typeof value === 'string' && CHANNELS.has(value) ? value : 'UNKNOWN');
const str = (value: unknown) => (typeof value === 'string' ? value : null);

function content(raw: unknown): Json {
  const c = raw as Json | null;
  if (c && typeof c === 'object' && typeof c.text === 'string') {
    if (c.type === 'TEXT') return { __typename: 'TextContent', text: c.text };
    if (c.type === 'TRANSCRIPTION') return { __typename: 'TranscriptionContent', text: c.text };
  }
  return { __typename: 'UnsupportedContent' };
}

function participantNode(conversationId: string, p: Json | undefined): Json | null {
  if (!p) return null;
  return {
    id: encodeNodeId('Participant', `${conversationId}/${p.id}`),
    sid: p.id,
    name: str(p.name),
    type: typeof p.type === 'string' ? (PARTICIPANT_TYPES.has(p.type) ? p.type : 'UNKNOWN') : null,
  };
}

async function page(sid: string, authorization: string, withAuthors: boolean): Promise<Json> {
  if (!SID.test(sid)) throw new HttpError(400, 'bad sid');
  const base = `/v2/Conversations/${encodeURIComponent(sid)}`;
  const [conversation, list, participants] = await Promise.all([
    get(base, authorization),
    get(`${base}/Communications?pageSize=${PAGE_SIZE}`, authorization),
    withAuthors ? get(`${base}/Participants?pageSize=${MAX_PAGE_SIZE}`, authorization) : null,
  ]);
  if (!conversation || !list) return { data: { conversation: null } };
  const items = (Array.isArray(list.communications) ? list.communications : []) as Json[];
  const next = str(list.meta?.nextToken) || null;
  const previous = str(list.meta?.previousToken) || null;
  const tag = scopeTag(JSON.stringify(['communications', conversation.id, null]));
  const byId = new Map<string, Json>();
  if (participants) for (const p of (participants.participants ?? []) as Json[]) byId.set(p.id, p);
  const status = STATUSES.has(conversation.status) ? conversation.status : null;
  const conversationNode = withAuthors ? { sid: conversation.id, name: str(conversation.name), status } : null;

  const edges = items.map((c, index) => {
    const last = index === items.length - 1;
    const cursor = encodeCursor(tag, c.id, index, last ? next : null, index === 0 ? previous : null);
    const participantId = str(c.author.participantId);
    const author: Json = {
      address: c.author.address,
      channel: channel(c.author.channel),
      participantSid: participantId,
    };
    if (withAuthors) {
      author.participant = participantId ? participantNode(conversation.id, byId.get(participantId)) : null;
    }
    const node: Json = {
      id: encodeNodeId('Communication', `${c.conversationId}/${c.id}`),
      sid: c.id,
      occurredAt: str(c.occurredAt),
      author,
    };
    if (withAuthors) node.conversation = conversationNode;
    node.content = content(c.content);
    return { cursor, node };
  });
  const communications = {
    pageInfo: { hasNextPage: next !== null, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null },
    edges,
  };
  return {
    data: {
      conversation: withAuthors ? { sid: conversation.id, name: str(conversation.name), communications } : { communications },
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/graphql-response+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST' || req.url !== '/graphql') throw new HttpError(404, 'not found');
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Basic ')) throw new HttpError(401, 'unauthenticated');
  const request = JSON.parse(await readBody(req)) as { operationName?: string; variables?: { sid?: unknown } };
  const sid = request.variables?.sid;
  if (typeof sid !== 'string') throw new HttpError(400, 'sid is required');
  switch (request.operationName) {
    case 'Page':
      return reply(res, 200, await page(sid, authorization, false));
    case 'PageWithAuthors':
      return reply(res, 200, await page(sid, authorization, true));
    default:
      throw new HttpError(400, 'unknown operation');
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    const status = error instanceof HttpError ? error.status : 500;
    reply(res, status, { errors: [{ message: error instanceof Error ? error.message : String(error) }] });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}/graphql` });
});
process.on('disconnect', () => process.exit(0));
