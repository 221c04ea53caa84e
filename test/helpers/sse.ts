// A GraphQL-over-SSE client for tests, on fetch: it opens a subscription (POST or GET with
// `Accept: text/event-stream`), parses the stream as it arrives, and hands out each `next` payload
// in order. Every wait is bounded: a payload that does not come within its time fails the test.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/**
 * A `next` payload; typed by the document when SseStream.open was given a typed one (test/generated's
 * graphql()). `data` is typed as present, as in stack.graphql: reading it from an error payload fails the test.
 */
export interface Payload<TData = any> {
  data: TData;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
}

export interface SubscribeOptions {
  method?: 'POST' | 'GET';
  headers?: Record<string, string>;
  operationName?: string;
}

export class SseStream<TData = any> {
  readonly status: number;
  readonly headers: Headers;
  /** Keep-alive comments (`:`) seen so far. */
  keepAlives = 0;
  /** True once `event: complete` arrived or the connection ended. */
  ended = false;
  readonly #payloads: Payload<TData>[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly #abort: AbortController;
  readonly #done: Promise<void>;
  #body = '';

  private constructor(response: Response, abort: AbortController) {
    this.status = response.status;
    this.headers = response.headers;
    this.#abort = abort;
    this.#done = this.#read(response);
  }

  static async open<TResult, TVariables>(
    url: string,
    document: TypedDocumentNode<TResult, TVariables>,
    variables?: TVariables,
    options?: SubscribeOptions,
  ): Promise<SseStream<TResult>>;
  static async open(url: string, query: string, variables?: Record<string, unknown>, options?: SubscribeOptions): Promise<SseStream>;
  static async open(
    url: string,
    document: string | TypedDocumentNode,
    variables: unknown = {},
    options: SubscribeOptions = {},
  ): Promise<SseStream> {
    const query = typeof document === 'string' ? document : print(document);
    const abort = new AbortController();
    const method = options.method ?? 'POST';
    const headers = { accept: 'text/event-stream', ...options.headers };
    const params = { query, variables, ...(options.operationName ? { operationName: options.operationName } : {}) };
    const response =
      method === 'GET'
        ? await fetch(
            `${url}?${new URLSearchParams({ query, variables: JSON.stringify(variables), ...(options.operationName ? { operationName: options.operationName } : {}) })}`,
            {
              headers,
              signal: abort.signal,
            },
          )
        : await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(params),
            signal: abort.signal,
          });
    return new SseStream(response, abort);
  }

  /** The response body as text, for answers that are not a stream (read to the end). */
  async text(): Promise<string> {
    await this.#done;
    return this.#body;
  }

  /** The next payload, in order; fails when none comes within `timeoutMs` or the stream ended first. */
  async next(timeoutMs = 5000): Promise<Payload<TData>> {
    const deadline = Date.now() + timeoutMs;
    while (this.#payloads.length === 0) {
      if (this.ended) throw new Error(`The stream ended without another payload (received: ${this.#body.slice(0, 500)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No payload within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#payloads.shift()!;
  }

  /** Payloads received and not yet taken. */
  get pending(): number {
    return this.#payloads.length;
  }

  /** Waits until the stream ends (complete, or the server closed it), within `timeoutMs`. */
  async untilEnded(timeoutMs = 5000): Promise<void> {
    const timer = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`The stream did not end within ${timeoutMs} ms`)), timeoutMs).unref(),
    );
    await Promise.race([this.#done, timer]);
  }

  /** Drops the connection, as a client that goes away. */
  close(): void {
    this.#abort.abort();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async #read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      const reader = response.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const chunk = decoder.decode(value, { stream: true });
        this.#body += chunk;
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          this.#message(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // Aborted by close(), or the server dropped the connection.
    } finally {
      this.ended = true;
      this.#wake();
    }
  }

  #message(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.keepAlives++;
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event === 'next' && data.length) {
      this.#payloads.push(JSON.parse(data.join('\n')) as Payload<TData>);
      this.#wake();
    } else if (event === 'complete') {
      this.ended = true;
      this.#wake();
    }
  }
}

/** Waits (bounded) until `condition` holds; for states that change outside the test's control. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A response's body as text, bounded for streams: a subscription that started streams until its
 * client leaves, so an event stream is read until it completes or for `streamForMs` at most, then
 * the client leaves (which ends the subscription on the server). For fuzzers: no case can hang.
 */
export async function readBounded(response: Response, streamForMs = 100): Promise<string> {
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || !response.body) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const stopAt = Date.now() + streamForMs;
  let text = '';
  while (!text.includes('event: complete')) {
    const left = stopAt - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const step = await Promise.race([reader.read(), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)))]);
    clearTimeout(timer);
    if (step === null || step.done) break;
    text += decoder.decode(step.value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text;
}
