// A request body read to its end, but never past a byte limit: a declared Content-Length over it
// is refused before anything is read, a body that runs over it stops there. Used by /graphql
// (request-guard.ts) and the webhook intake (live/webhook.ts) in place of yoga's body limiter,
// which pipes every body through a TransformStream whose listeners stay on a request until its
// response ends: for an SSE subscription that is never, about 10 KB held per open stream.
export type BoundedBody = { bytes: Buffer } | { problem: 'too_large' | 'cut_off' };

export async function readBoundedBody(request: Request, maxBytes: number): Promise<BoundedBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) return { problem: 'too_large' };
  const reader = request.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0) };
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
