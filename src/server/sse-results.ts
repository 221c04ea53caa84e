// A subscription's Server-Sent Events, written as yoga writes them (graphql-yoga's SSE result
// processor: the same headers, a first `:` comment, a keep-alive comment every 12 s, `event: next`
// per result, `event: complete` at the end) with two differences that matter at fan-out sizes:
// - each event is one chunk (yoga enqueues `event: next` and `data:` separately: two socket writes);
// - a result shared by many subscribers (shared-executions.ts) is serialised once (a WeakMap from
//   the result object to its text), so a thousand subscribers cost one JSON.stringify per event.
import { Readable } from 'node:stream';
import type { ExecutionResult } from 'graphql';
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

export function processSseResult(result: AsyncIterable<ExecutionResult>, fetchAPI: FetchAPI): Response {
  // yoga's test setting, kept so that keep-alives show within a test's time.
  const pingIntervalMs = globalThis.process?.env?.NODE_ENV === 'test' ? 300 : 12_000;
  const iterator = result[Symbol.asyncIterator]();
  let reading = false;
  let closed = false;
  // A Node stream, not a web ReadableStream: the server adapter pipes it straight into the
  // response (a web stream goes through a ponyfill and a promise per chunk on top).
  const body: Readable = new Readable({
    // Pulls one result when the response wants more: a client that does not read holds its
    // results back in the subscription's bounded buffer (and is cut off there), not here.
    highWaterMark: 1,
    read() {
      if (reading || closed) return;
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
      clearInterval(pingInterval);
      if (!closed) {
        closed = true;
        Promise.resolve(iterator.return?.()).catch(() => {});
      }
      callback(error);
    },
  });
  // Some browsers do not hand over a response before its first bytes.
  body.push(COMMENT);
  const pingInterval = setInterval(() => {
    if (!closed && body.readableLength === 0) body.push(COMMENT);
  }, pingIntervalMs);
  const headers = {
    'Content-Type': 'text/event-stream',
    Connection: 'keep-alive',
    'Cache-Control': 'no-cache',
    'Content-Encoding': 'none',
  };
  // The server adapter's own Response takes a Node stream; a platform Response takes a web one.
  const bodyInit =
    fetchAPI.Response === globalThis.Response ? (Readable.toWeb(body) as ReadableStream<Uint8Array>) : (body as unknown as BodyInit);
  return new fetchAPI.Response(bodyInit, { status: 200, headers });
}
