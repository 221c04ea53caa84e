// The fan-out subscribers' two clients, written on raw `node:net` sockets: GraphQL over SSE (a
// streaming POST) and GraphQL over WebSocket (the graphql-transport-ws messages on a hand-framed
// RFC 6455 connection). Why not node:http, `ws` and the graphql-ws client, as a browser tab would
// use: with 2,000 subscribers at 50 events/s the clients read 100,000 messages a second on the same
// two cores as the server, and those libraries spent 13.5 µs of CPU per message (1.35 cores), so
// the measured latencies were the clients' queues as much as the server's. These read each message
// once, as bytes, and hand on only where its event marker is; a payload is parsed as JSON only when
// the caller asks (the sample it keeps) or when it is not what a `next` of the workload looks like.
// What the protocols need is all here (the HTTP upgrade, masking, ping/pong, close); the test suite
// checks the servers against the real clients.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface WireHandlers {
  /** A payload's event marker, `fanout <tag> <seq>`, found in its raw bytes; `payload()` parses the whole payload. */
  onEvent(tag: string, seq: number, at: number, payload: () => unknown): void;
  /** A payload that is not a plain `next` of the workload (errors, another shape), or a protocol failure. */
  onProblem(what: string): void;
  /** The stream or socket ended. */
  onEnd(): void;
}

const MARKER = Buffer.from('"text":"fanout ');
const HEADER_END = Buffer.from('\r\n\r\n');
const SSE_FRAME_END = Buffer.from('\n\n');
const SSE_DATA = Buffer.from('data: ');
const ERRORS = Buffer.from('"errors"');

const clock = () => performance.timeOrigin + performance.now();

/** Every event marker in `bytes[from, to)`: `fanout <tag> <seq>"`. False when none was found. */
function scanMarkers(bytes: Buffer, from: number, to: number, payload: () => unknown, handlers: WireHandlers): boolean {
  const at = clock();
  let found = false;
  let index = bytes.indexOf(MARKER, from);
  while (index >= 0 && index < to) {
    const tagStart = index + MARKER.length;
    const space = bytes.indexOf(32, tagStart);
    const quote = bytes.indexOf(34, space);
    if (space < 0 || quote < 0 || quote > to) break;
    const tag = bytes.toString('latin1', tagStart, space);
    const seq = Number(bytes.toString('latin1', space + 1, quote));
    handlers.onEvent(tag, seq, at, payload);
    found = true;
    index = bytes.indexOf(MARKER, quote);
  }
  return found;
}

/** Reads an HTTP response head; then hands every later byte to `body`. */
function readHead(socket: Socket, onHead: (head: string) => boolean, body: (chunk: Buffer) => void, fail: (what: string) => void): void {
  let head: Buffer | undefined = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    if (head === undefined) return body(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf(HEADER_END);
    if (end < 0) {
      if (head.length > 65_536) fail('response head over 64 KiB');
      return;
    }
    const text = head.toString('latin1', 0, end);
    const rest = head.subarray(end + 4);
    head = undefined;
    if (onHead(text) && rest.length) body(rest);
  });
}

function hostOf(url: URL): { host: string; port: number } {
  return { host: url.hostname, port: Number(url.port || 80) };
}

/**
 * One SSE subscription (a POST with `Accept: text/event-stream`); resolves with its socket once the
 * server answered 200 with an event stream. Chunked framing is skipped over: each SSE frame (`\n\n`
 * ended) is scanned for its `data:` line.
 */
export function openSseWire(url: string, authorization: string, body: string, handlers: WireHandlers): Promise<Socket> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(hostOf(target));
    socket.setNoDelay(true);
    let pending: Buffer | undefined;
    let open = false;
    const fail = (what: string) => {
      if (!open) reject(new Error(what));
      else handlers.onProblem(what);
      socket.destroy();
    };
    socket.on('error', (error) => fail(`SSE socket: ${error.message}`));
    socket.on('close', () => {
      if (open) handlers.onEnd();
      else reject(new Error('SSE socket closed before the stream opened'));
    });
    readHead(
      socket,
      (head) => {
        if (!/^HTTP\/1\.1 200 /.test(head) || !/\r\ncontent-type: text\/event-stream/i.test(head)) {
          fail(`SSE subscribe: ${head.split('\r\n')[0]}`);
          return false;
        }
        open = true;
        resolve(socket);
        return true;
      },
      (chunk) => {
        const bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
        let from = 0;
        for (let end = bytes.indexOf(SSE_FRAME_END, from); end >= 0; end = bytes.indexOf(SSE_FRAME_END, from)) {
          const data = bytes.indexOf(SSE_DATA, from);
          if (data >= 0 && data < end) {
            const frame = bytes.subarray(data + SSE_DATA.length, end);
            const payload = () => JSON.parse(frame.toString('utf8'));
            const isNext = bytes.lastIndexOf('event: next', data) >= from;
            if (!isNext) handlers.onProblem(`SSE event other than next: ${bytes.toString('utf8', from, end).trim().slice(0, 200)}`);
            else if (frame.indexOf(ERRORS) >= 0 || !scanMarkers(bytes, data, end, payload, handlers))
              handlers.onProblem(`unexpected payload: ${frame.toString('utf8').slice(0, 300)}`);
          }
          from = end + SSE_FRAME_END.length;
        }
        pending = from < bytes.length ? Buffer.from(bytes.subarray(from)) : undefined;
      },
      fail,
    );
    const { host, port } = hostOf(target);
    socket.write(
      `POST ${target.pathname} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/json\r\n` +
        `Accept: text/event-stream\r\nAuthorization: ${authorization}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

/** A masked client frame (RFC 6455 §5.2): FIN, the opcode, a zero-free random mask. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extended + 4 + length);
  frame[0] = 0x80 | opcode;
  if (extended === 0) frame[1] = 0x80 | length;
  else if (extended === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, 2 + extended);
  const start = 2 + extended + 4;
  for (let i = 0; i < length; i++) frame[start + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

const sendText = (socket: Socket, message: unknown) => socket.write(clientFrame(0x1, Buffer.from(JSON.stringify(message))));

const NEXT = Buffer.from('"type":"next"');
const ACK = Buffer.from('"type":"connection_ack"');
const PING = Buffer.from('"type":"ping"');

/**
 * One WebSocket connection with one subscription (id "1"): connection_init with `authorization`,
 * then subscribe; resolves with the socket once the server acknowledged connection_init.
 */
export function openWsWire(url: string, authorization: string, subscribe: unknown, handlers: WireHandlers): Promise<Socket> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(hostOf(target));
    socket.setNoDelay(true);
    let acknowledged = false;
    let pending: Buffer | undefined;
    const fail = (what: string) => {
      if (!acknowledged) reject(new Error(what));
      else handlers.onProblem(what);
      socket.destroy();
    };
    socket.on('error', (error) => fail(`WebSocket: ${error.message}`));
    socket.on('close', () => {
      if (acknowledged) handlers.onEnd();
      else reject(new Error('WebSocket closed before connection_ack'));
    });
    const onMessage = (message: Buffer) => {
      if (message.indexOf(NEXT) >= 0) {
        const payload = () => (JSON.parse(message.toString('utf8')) as { payload: unknown }).payload;
        if (message.indexOf(ERRORS) >= 0 || !scanMarkers(message, 0, message.length, payload, handlers))
          handlers.onProblem(`unexpected payload: ${message.toString('utf8').slice(0, 300)}`);
      } else if (message.indexOf(PING) >= 0) sendText(socket, { type: 'pong' });
      else if (message.indexOf(ACK) >= 0 && !acknowledged) {
        acknowledged = true;
        sendText(socket, { id: '1', type: 'subscribe', payload: subscribe });
        resolve(socket);
      } else handlers.onProblem(`WebSocket message: ${message.toString('utf8').slice(0, 300)}`);
    };
    readHead(
      socket,
      (head) => {
        if (!/^HTTP\/1\.1 101 /.test(head)) {
          fail(`WebSocket upgrade: ${head.split('\r\n')[0]}`);
          return false;
        }
        sendText(socket, { type: 'connection_init', payload: { authorization } });
        return true;
      },
      (chunk) => {
        let bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
        for (;;) {
          if (bytes.length < 2) break;
          const opcode = bytes[0]! & 0x0f;
          let length = bytes[1]! & 0x7f;
          let offset = 2;
          if (length === 126) {
            if (bytes.length < 4) break;
            length = bytes.readUInt16BE(2);
            offset = 4;
          } else if (length === 127) {
            if (bytes.length < 10) break;
            length = Number(bytes.readBigUInt64BE(2));
            offset = 10;
          }
          if (bytes.length < offset + length) break;
          const payload = bytes.subarray(offset, offset + length);
          bytes = bytes.subarray(offset + length);
          if (opcode === 0x1) onMessage(payload);
          else if (opcode === 0x9) socket.write(clientFrame(0xa, payload));
          else if (opcode === 0x8) {
            handlers.onProblem(`WebSocket closed by the server: ${payload.length >= 2 ? payload.readUInt16BE(0) : ''}`);
            socket.end();
          }
        }
        pending = bytes.length ? Buffer.from(bytes) : undefined;
      },
      fail,
    );
    const { host, port } = hostOf(target);
    socket.write(
      `GET ${target.pathname} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    );
  });
}
