// How answers leave the emulator: as they are, or in one of the broken ways a fault asks for.
// `sendFault` answers instead of the API (the operation never runs); `sendReply` delivers the API's
// real answer, possibly late, trickled, cut off or with a looping nextToken.
import { once } from 'node:events';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioErrorBody } from './errors.ts';
import type { FaultAction } from './faults.ts';
import { LIST_START, type PageTokens } from './pagination.ts';
import { jsonReply, JSON_CONTENT_TYPE, type HttpReply } from './reply.ts';

type ActionOf<K extends FaultAction['kind']> = Extract<FaultAction, { kind: K }>;
type ReplacingAction = ActionOf<'status' | 'hang' | 'reset' | 'malformed' | 'wrongShape' | 'oversized'>;

/** Faults that answer in place of the API, so the request has no effect on the data. */
export function replacesResponse(action: FaultAction): action is ReplacingAction {
  return ['status', 'hang', 'reset', 'malformed', 'wrongShape', 'oversized'].includes(action.kind);
}

/** Valid JSON that matches none of the document's response schemas. */
const WRONG_SHAPE = { conversations: 'nope', participants: 'nope', communications: 'nope', meta: 'nope', id: 42 };
const MALFORMED = '{"meta":{"key":"conversations","pageSize":';
const STREAM_CHUNK = 64 * 1024;

/** Returns the status sent, 0 when none is. */
export async function sendFault(res: ServerResponse, action: ReplacingAction, signal: AbortSignal): Promise<number> {
  switch (action.kind) {
    case 'status':
      send(res, statusReply(action));
      return action.status;
    case 'hang':
      return 0; // the socket stays open until the client leaves or close() destroys it
    case 'reset':
      res.socket?.resetAndDestroy();
      return 0;
    case 'malformed':
      send(res, { status: 200, headers: { 'content-type': JSON_CONTENT_TYPE }, body: MALFORMED });
      return 200;
    case 'wrongShape':
      send(res, jsonReply(200, WRONG_SHAPE));
      return 200;
    case 'oversized':
      await streamOversized(res, action.bytes, signal);
      return 200;
  }
}

/** Delivers the API's answer as `action` (if any) asks; returns the status sent. */
export async function sendReply(
  res: ServerResponse,
  reply: HttpReply,
  action: FaultAction | undefined,
  tokens: PageTokens,
  signal: AbortSignal,
): Promise<number> {
  switch (action?.kind) {
    case 'delay':
      await sleep(action.ms, undefined, { signal });
      send(res, reply);
      break;
    case 'cycleTokens':
      send(res, withNextTokenToStart(reply, tokens));
      break;
    case 'slowBody':
      await trickle(res, reply, action.chunkDelayMs, action.chunkBytes ?? 64, signal);
      break;
    case 'resetMidBody':
      await cutOff(res, reply);
      break;
    default:
      send(res, reply);
  }
  return reply.status;
}

export function send(res: ServerResponse, reply: HttpReply): void {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
  res.end(body);
}

function statusReply(action: ActionOf<'status'>): HttpReply {
  const headers: Record<string, string> = action.retryAfter === undefined ? {} : { 'retry-after': String(action.retryAfter) };
  if (action.body === undefined) {
    return jsonReply(action.status, twilioErrorBody(action.status, STATUS_CODES[action.status] ?? 'Injected fault'), headers);
  }
  if (typeof action.body === 'string') {
    return { status: action.status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: action.body };
  }
  return jsonReply(action.status, action.body, headers);
}

function withNextTokenToStart(reply: HttpReply, tokens: PageTokens): HttpReply {
  if (!reply.list) return reply;
  const body = JSON.parse(reply.body) as { meta: Record<string, unknown> };
  body.meta.nextToken = tokens.issue(reply.list.scope, reply.list.pageSize, LIST_START);
  return { ...reply, body: JSON.stringify(body) };
}

async function write(res: ServerResponse, chunk: Buffer | string, signal: AbortSignal): Promise<void> {
  if (!res.write(chunk) && !res.destroyed) await Promise.race([once(res, 'drain', { signal }), once(res, 'close', { signal })]);
}

async function streamOversized(res: ServerResponse, bytes: number, signal: AbortSignal): Promise<void> {
  res.writeHead(200, { 'content-type': JSON_CONTENT_TYPE });
  // {"padding":"xxx…"} when there is room for it, else {   } padded with spaces; both exactly `bytes` long.
  const [open, fill, close] = bytes >= 14 ? ['{"padding":"', 'x', '"}'] : ['{', ' ', '}'];
  await write(res, open, signal);
  for (let left = bytes - open.length - close.length; left > 0 && !res.destroyed; left -= STREAM_CHUNK) {
    await write(res, fill.repeat(Math.min(left, STREAM_CHUNK)), signal);
  }
  res.end(close);
}

async function trickle(res: ServerResponse, reply: HttpReply, delayMs: number, chunkBytes: number, signal: AbortSignal): Promise<void> {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
  res.flushHeaders();
  for (let at = 0; at < body.length && !res.destroyed; at += chunkBytes) {
    if (at > 0) await sleep(delayMs, undefined, { signal });
    await write(res, body.subarray(at, at + chunkBytes), signal);
  }
  res.end();
}

/** Headers promising the whole body, about half of it, then the connection closes. */
async function cutOff(res: ServerResponse, reply: HttpReply): Promise<void> {
  const body = Buffer.from(reply.body);
  res.writeHead(reply.status, { ...reply.headers, 'content-length': body.length });
  const part = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
  await new Promise<void>((resolve) => res.write(part, () => resolve()));
  res.socket?.destroy();
}
