// The bytes of a subscription's event stream (src/server/sse-results.ts). Over HTTP/1.1 a shared
// result goes to the socket as one prebuilt chunk, not through node's response: what the client
// reads must still be exactly what node would have sent, one well-formed chunk per event. An
// HTTP/1.0 client gets no chunked encoding: its frames come through node's response, unframed.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationRenamed } from '../helpers/live-event.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/websocket.ts';
import { hookedConversation } from '../live/full-path.ts';

const EVENTS = `subscription ($sid: String!) { conversationEvents(conversationSid: $sid) { __typename eventId conversation { name } } }`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

/** A raw SSE subscription: everything the server sends, as bytes. */
function rawSubscription(version: '1.0' | '1.1', sid: string) {
  const url = new URL(stack.url);
  const body = JSON.stringify({ query: EVENTS, variables: { sid } });
  const socket = connect(Number(url.port), url.hostname);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(
    `POST ${url.pathname} HTTP/${version}\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return { socket, text: () => Buffer.concat(received).toString('utf8') };
}

/** Decodes an HTTP/1.1 chunked body strictly: each size line, exactly that many bytes, then CRLF. */
function chunksOf(body: string): string[] {
  const bytes = Buffer.from(body, 'utf8');
  const chunks: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error(`a size line without its end at ${at}`);
    const size = Number.parseInt(bytes.toString('latin1', at, lineEnd), 16);
    if (!Number.isInteger(size)) throw new Error(`not a chunk size: ${JSON.stringify(bytes.toString('latin1', at, lineEnd))}`);
    const start = lineEnd + 2;
    if (bytes.length < start + size + 2) break; // the rest has not arrived
    chunks.push(bytes.toString('utf8', start, start + size));
    if (bytes.toString('latin1', start + size, start + size + 2) !== '\r\n') throw new Error(`chunk of ${size} bytes not followed by CRLF`);
    at = start + size + 2;
  }
  return chunks;
}

async function publish(sid: string, n: number): Promise<void> {
  await stack.live.bus.publish(conversationRenamed(ACCOUNT_SID, sid, `chunk-${n}`, `renamed ${n} — ünïcode`));
}

const frame = (n: number) =>
  `event: next\ndata: {"data":{"conversationEvents":{"__typename":"ConversationUpdatedEvent","eventId":"chunk-${n}","conversation":{"name":"renamed ${n} — ünïcode"}}}}\n\n`;

describe('the bytes of an event stream', () => {
  it('HTTP/1.1: one well-formed chunk per event, the frame byte for byte, for each of two subscribers sharing the result', async () => {
    const sid = hookedConversation(stack, 'chunks');
    const subscribers = [rawSubscription('1.1', sid), rawSubscription('1.1', sid)];
    await waitFor(() => stack.live.subscribers.listening === 2, 'both subscriptions listening');
    for (const n of [1, 2, 3]) await publish(sid, n);
    for (const subscriber of subscribers) {
      await waitFor(() => subscriber.text().includes('chunk-3'), 'the third event', 5000);
      const [head, body] = subscriber.text().split('\r\n\r\n', 2) as [string, string];
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
      const chunks = chunksOf(body).filter((chunk) => chunk !== ':\n\n');
      expect(chunks).toEqual([frame(1), frame(2), frame(3)]);
      subscriber.socket.destroy();
    }
    await waitFor(() => stack.live.subscribers.listening === 0, 'both subscriptions gone');
  });

  it('HTTP/1.0: no chunked encoding; the frames come unframed, in order', async () => {
    const sid = hookedConversation(stack, 'http 1.0');
    const subscriber = rawSubscription('1.0', sid);
    await waitFor(() => stack.live.subscribers.listening === 1, 'the subscription listening');
    for (const n of [1, 2]) await publish(sid, n);
    await waitFor(() => subscriber.text().includes('chunk-2'), 'the second event', 5000);
    const [head, body] = subscriber.text().split('\r\n\r\n', 2) as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).not.toContain('transfer-encoding');
    expect(body.replaceAll(':\n\n', '')).toBe(frame(1) + frame(2));
    subscriber.socket.destroy();
    await waitFor(() => stack.live.subscribers.listening === 0, 'the subscription gone');
  });
});
