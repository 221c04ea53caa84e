// A request body read to its end, but never past a byte limit: a declared Content-Length over it
// is refused before anything is read, a body that runs over it stops there. Used by /graphql
// (request-guard.ts) and the webhook intake (live/webhook.ts) in place of yoga's body limiter,
// which pipes every body through a TransformStream whose listeners stay on a request until its
// response ends: for an SSE subscription that is never, about 10 KB held per open stream.
import { Readable } from 'node:stream';

export type BoundedBody = { bytes: Buffer } | { problem: 'too_large' | 'cut_off' };

export async function readBoundedBody(request: Request, maxBytes: number): Promise<BoundedBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) return { problem: 'too_large' };
  const body = request.body;
  if (!body) return { bytes: Buffer.alloc(0) };
  // The server adapter's body is node's request stream: read with listeners of our own, taken off
  // at the end. Its reader (the stream's async iterator) leaves its end-of-stream listeners on the
  // request until the request closes, which for an SSE subscription is when its response ends.
  const stream = (body as { readable?: unknown }).readable;
  if (stream instanceof Readable) return readNodeStream(stream, maxBytes);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        void reader.cancel().catch(() => {});
        return { problem: 'too_large' };
      }
      chunks.push(value);
    }
  } catch {
    return { problem: 'cut_off' };
  }
  // Read to its end: let go of the reader, or the request keeps its listeners for as long as its
  // response lasts (an SSE subscription's: as long as it is open).
  reader.releaseLock();
  return { bytes: Buffer.concat(chunks, total) };
}

function readNodeStream(stream: Readable, maxBytes: number): Promise<BoundedBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (outcome: BoundedBody) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onCutOff);
      stream.off('close', onCutOff);
      resolve(outcome);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      total += bytes.byteLength;
      if (total > maxBytes) {
        // The rest is not read (node deals with it once the answer is sent).
        stream.pause();
        settle({ problem: 'too_large' });
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => settle({ bytes: Buffer.concat(chunks, total) });
    const onCutOff = () => settle({ problem: 'cut_off' });
    if (stream.readableEnded) return onEnd();
    if (stream.destroyed) return onCutOff();
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onCutOff);
    stream.once('close', onCutOff);
  });
}
