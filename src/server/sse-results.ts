// A subscription's Server-Sent Events, written as yoga writes them (graphql-yoga's SSE result
// processor: the same headers, a first `:` comment, a keep-alive comment every 12 s, `event: next`
// per result, `event: complete` at the end) with two differences that matter at fan-out sizes:
// - each event is one chunk (yoga enqueues `event: next` and `data:` separately: two socket writes);
// - a result shared by many subscribers (shared-executions.ts) is serialised once (a WeakMap from
//   the result object to its text), so a thousand subscribers cost one JSON.stringify per event.
import type { ExecutionResult } from 'graphql';
import { formattedResult } from './websocket-operations.ts';

type FetchAPI = { ReadableStream: typeof ReadableStream; Response: typeof Response; TextEncoder: typeof TextEncoder };

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
  const pingIntervalMs = globalThis.process?.env?.['NODE_ENV'] === 'test' ? 300 : 12_000;
  let iterator: AsyncIterator<ExecutionResult>;
  let pingInterval: NodeJS.Timeout | undefined;
  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // Some browsers do not hand over a response before its first bytes.
      controller.enqueue(COMMENT);
      pingInterval = setInterval(() => {
        if (controller.desiredSize === null) clearInterval(pingInterval);
        else if (controller.desiredSize > 0) controller.enqueue(COMMENT);
      }, pingIntervalMs);
      iterator = result[Symbol.asyncIterator]();
    },
    async pull(controller) {
      let step: IteratorResult<ExecutionResult>;
      try {
        step = await iterator.next();
      } catch (error) {
        clearInterval(pingInterval);
        controller.error(error);
        return;
      }
      if (step.value != null) controller.enqueue(frameOf(step.value));
      if (step.done) {
        controller.enqueue(COMPLETE);
        clearInterval(pingInterval);
        controller.close();
      }
    },
    async cancel(reason) {
      clearInterval(pingInterval);
      await iterator.return?.(reason);
    },
  });
  return new fetchAPI.Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' },
  });
}
