// A subscription's Server-Sent Events, written as yoga writes them (graphql-yoga's SSE result
// processor: the same headers, a first `:` comment, a keep-alive comment every 12 s, `event: next`
// per result, `event: complete` at the end) with three differences that matter at fan-out sizes:
// - each event is one chunk (yoga enqueues `event: next` and `data:` separately: two socket writes);
// - a result shared by many subscribers (shared-executions.ts) is serialised once (a WeakMap from
//   the result object to its text), so a thousand subscribers cost one JSON.stringify per event.
// - served by node:http, the frames go straight into node's response (the body's pipe() is taken
//   over), polled from the subscription's stream (live/ready-stream.ts): an event goes from the bus
//   push to this write in one call, with no stream machinery or promise step in between.
import { Readable, type Writable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
import { asReadyStream } from '../live/ready-stream.ts';
import { formattedResult } from './websocket-operations.ts';

type FetchAPI = { Response: typeof Response };

const serialised = new WeakMap<object, string>();

/** The result as JSON without the hints the pipeline adds for yoga's responses (extensions `http`, `unexpected`), made once per result object. */
export function resultJson(result: ExecutionResult): string {
  let text = serialised.get(result);
  if (text === undefined) {
    text = JSON.stringify(result.errors?.length || result.extensions?.http ? withoutInternals(result) : result);
    serialised.set(result, text);
  }
  return text;
}

function withoutInternals(result: ExecutionResult): unknown {
  const formatted = formattedResult(result) as ExecutionResult;
  if (!formatted.extensions) return formatted;
  const { http: _http, ...extensions } = formatted.extensions;
  return { ...formatted, extensions: Object.keys(extensions).length ? extensions : undefined };
}

const encoder = new TextEncoder();
const COMMENT = encoder.encode(':\n\n');
const COMPLETE = encoder.encode('event: complete\ndata:\n\n');
/** Encoded frames of shared results: one Uint8Array per result object, written to every subscriber. */
const frames = new WeakMap<object, Uint8Array>();

function frameOf(result: ExecutionResult): Uint8Array {
  let frame = frames.get(result);
  if (frame === undefined) {
    frame = encoder.encode(`event: next\ndata: ${resultJson(result)}\n\n`);
    frames.set(result, frame);
  }
  return frame;
}

/** What the server adapter pipes the body into: node's ServerResponse (only what the pump uses). */
interface NodeResponse {
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array): unknown;
  destroy(error?: Error): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
  readonly headersSent: boolean;
  /** node's: the body goes out in HTTP/1.1 chunks. */
  readonly chunkedEncoding?: boolean;
  readonly socket: (Writable & { _httpMessage?: unknown }) | null;
}

const CRLF = new Uint8Array([13, 10]);
/** A shared result's frame as one HTTP/1.1 chunk (size line, frame, CRLF): the same bytes for every subscriber. */
const chunks = new WeakMap<object, Buffer>();

function chunkOf(result: ExecutionResult): Buffer {
  let chunk = chunks.get(result);
  if (chunk === undefined) {
    const frame = frameOf(result);
    chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
    chunks.set(result, chunk);
  }
  return chunk;
}

const uncork = (socket: Writable) => socket.uncork();

/**
 * Where a frame is written: node's response frames each write as a chunk in three buffers through
 * its own stream machinery, which made an SSE delivery about twice a WebSocket one. Once the
 * response's head is out and it owns its socket (nothing of its own is waiting to go first), the
 * shared chunk goes to the socket as one write: the same bytes node would send. Otherwise (an
 * HTTP/1.0 client, a pipelined request still ahead) the response writes the frame. Answers where
 * to wait for a drain when the write was refused (false: taken).
 */
/** What a refused write is drained by. */
type Drains = { once(event: 'drain', listener: () => void): unknown };

function writeFrame(response: NodeResponse, result: ExecutionResult): false | Drains {
  const socket = response.socket;
  const direct =
    response.chunkedEncoding === true &&
    response.headersSent &&
    socket !== null &&
    socket._httpMessage === response &&
    response.writableLength === socket.writableLength;
  if (!direct) return response.write(frameOf(result)) ? false : response;
  // As node's own chunked writes do: corked until the end of this tick, so that the frames of
  // several events handled in one turn (under load) leave in one write instead of one each.
  if (!socket.writableCorked) {
    socket.cork();
    process.nextTick(uncork, socket);
  }
  return socket.write(chunkOf(result)) ? false : socket;
}

export function processSseResult(result: AsyncIterable<ExecutionResult>, fetchAPI: FetchAPI): Response {
  // yoga's test setting, kept so that keep-alives show within a test's time.
  const pingIntervalMs = globalThis.process?.env?.NODE_ENV === 'test' ? 300 : 12_000;
  const iterator = asReadyStream(result);
  let reading = false;
  let closed = false;
  let commented = false;
  /** Set once the adapter pipes the body into node's response: results are then written to it directly. */
  let direct: NodeResponse | undefined;
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(pingInterval);
    Promise.resolve(iterator.return?.()).catch(() => {});
  };
  // Straight into node's response, one write of one shared frame per result, in the call that
  // brought it (the stream polls: an event goes from the bus to this write with no promise step).
  // Polls again only once the response took the last write: a client that does not read holds
  // its results back in the subscription's bounded buffer (and is cut off there), not here.
  let draining = false;
  let blocked = false;
  const unblock = () => {
    blocked = false;
    drain();
  };
  const drain = (): void => {
    if (draining || blocked || closed || !direct) return;
    draining = true;
    try {
      for (;;) {
        const response = direct;
        if (closed || response.destroyed) return;
        let step: IteratorResult<ExecutionResult, undefined> | undefined;
        try {
          step = iterator.poll(drain);
        } catch (error) {
          stop();
          response.destroy(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (step === undefined) return;
        if (step.done) {
          closed = true;
          clearInterval(pingInterval);
          response.end(COMPLETE);
          return;
        }
        const refusedBy = writeFrame(response, step.value);
        if (refusedBy) {
          blocked = true;
          refusedBy.once('drain', unblock);
          return;
        }
      }
    } finally {
      draining = false;
    }
  };
  // A Node stream, not a web ReadableStream: the server adapter hands it to node's response with
  // pipe(), which the direct pump takes over; read as a stream otherwise (yoga.fetch, a platform Response).
  const body: Readable = new Readable({
    highWaterMark: 1,
    read() {
      if (reading || closed || direct) return;
      // The first `:` comment, pushed when first read (taken over by pipe(), it would stay unread in the buffer).
      if (!commented) {
        commented = true;
        body.push(COMMENT);
        return;
      }
      reading = true;
      iterator.next().then(
        (step) => {
          reading = false;
          if (closed) return;
          if (step.value != null) body.push(frameOf(step.value));
          if (step.done) {
            closed = true;
            clearInterval(pingInterval);
            body.push(COMPLETE);
            body.push(null);
          }
        },
        (error: unknown) => {
          reading = false;
          body.destroy(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
    destroy(error, callback) {
      stop();
      callback(error);
    },
  });
  body.pipe = (<T extends NodeJS.WritableStream>(destination: T): T => {
    const response = destination as unknown as NodeResponse;
    direct = response;
    response.once('close', () => body.destroy());
    // Some browsers do not hand over a response before its first bytes.
    response.write(COMMENT);
    drain();
    return destination;
  }) as Readable['pipe'];
  const pingInterval = setInterval(() => {
    if (closed) return;
    if (direct) {
      if (direct.writableLength === 0) direct.write(COMMENT);
    } else if (body.readableLength === 0) body.push(COMMENT);
  }, pingIntervalMs);
  const headers = {
    'Content-Type': 'text/event-stream',
    Connection: 'keep-alive',
    'Cache-Control': 'no-cache',
    'Content-Encoding': 'none',
    // nginx would otherwise hold events back. Set here rather than on the response afterwards:
    // headers given up front are written once and not kept per open stream.
    'X-Accel-Buffering': 'no',
  };
  // The server adapter's own Response takes a Node stream; a platform Response takes a web one.
  const bodyInit =
    fetchAPI.Response === globalThis.Response ? (Readable.toWeb(body) as ReadableStream<Uint8Array>) : (body as unknown as BodyInit);
  return new fetchAPI.Response(bodyInit, { status: 200, headers });
}
