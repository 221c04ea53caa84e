// Fault injection: every scripted kind, matching and counting, standing faults, and validation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { call, rawRequest, seedConversation, textBody, twilioError } from './helpers.ts';

let emulator: Emulator;
let conversationId: string;
let list: string;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.data.reset();
  emulator.faults.clear();
  emulator.requests.clear();
  conversationId = seedConversation(emulator, 30).conversationId;
  list = `/v2/Conversations/${conversationId}/Communications`;
});

describe('scripted faults', () => {
  it('status: Twilio-shaped body with Retry-After, then normal answers again', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 429, retryAfter: 7 });
    const limited = await call(emulator, 'GET', list);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toEqual(twilioError(429, 20429, 'Too Many Requests'));
    expect((await call(emulator, 'GET', list)).status).toBe(200);
    expect(emulator.faults.pending()).toBe(0);
  });

  it('status: custom bodies (JSON or verbatim text) and an HTTP-date Retry-After', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 502, body: '<html>Bad Gateway</html>', retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' });
    emulator.faults.enqueue({ kind: 'status', status: 503, body: { anything: true } });
    const html = await rawRequest(emulator, 'GET', list);
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(html.headers['retry-after']).toBe('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(html.body.toString()).toBe('<html>Bad Gateway</html>');
    const json = await call(emulator, 'GET', list);
    expect([json.status, json.body]).toEqual([503, { anything: true }]);
  });

  it('an answering fault stops the operation: nothing is created', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 500 });
    const failed = await call(emulator, 'POST', list, { body: textBody('lost') });
    expect(failed.body).toEqual(twilioError(500, 20500, 'Internal Server Error'));
    const listed = await call(emulator, 'GET', `${list}?pageSize=1000`);
    expect(listed.body.communications.map((c: any) => c.content.text)).not.toContain('lost');
  });

  it('matches by method and path (a glob: `*` is any run of characters, else the exact path), uses `times`, and leaves others alone', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 503, match: { method: 'post' }, times: 2 });
    emulator.faults.enqueue({ kind: 'status', status: 500, match: { path: '*/Participants' } });
    emulator.faults.enqueue({ kind: 'status', status: 504, match: { path: '/v2/Conversations' } });
    expect(emulator.faults.pending()).toBe(4);
    expect((await call(emulator, 'GET', list)).status).toBe(200);
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Participants`)).status).toBe(500);
    expect((await call(emulator, 'GET', '/v2/Conversations?pageSize=1')).status).toBe(504);
    expect((await call(emulator, 'POST', list, { body: textBody('a') })).status).toBe(503);
    expect((await call(emulator, 'POST', list, { body: textBody('b') })).status).toBe(503);
    expect((await call(emulator, 'POST', list, { body: textBody('c') })).status).toBe(201);
    expect(emulator.faults.pending()).toBe(0);
  });

  it('uses queued faults in order', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 500 });
    emulator.faults.enqueue({ kind: 'status', status: 503 });
    expect((await call(emulator, 'GET', list)).status).toBe(500);
    expect((await call(emulator, 'GET', list)).status).toBe(503);
  });

  it('hang: never answers until the client gives up; logged with status 0', async () => {
    emulator.faults.enqueue({ kind: 'hang' });
    const hung = await rawRequest(emulator, 'GET', list, { timeoutMs: 300 });
    expect(hung.status).toBe(0);
    expect(hung.error?.name).toBe('AbortError');
    expect(hung.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(emulator.requests.entries()[0]).toMatchObject({ method: 'GET', path: list, status: 0 });
    expect((await call(emulator, 'GET', list)).status).toBe(200);
  });

  it('reset: the connection is reset before any response', async () => {
    emulator.faults.enqueue({ kind: 'reset' });
    const reset = await rawRequest(emulator, 'GET', list);
    expect(reset.status).toBe(0);
    expect(reset.error?.code).toBe('ECONNRESET');
    expect(emulator.requests.entries()[0]!.status).toBe(0);
  });

  it('resetMidBody: real status and headers, part of the real body, then the connection ends', async () => {
    emulator.faults.enqueue({ kind: 'resetMidBody' });
    const cut = await rawRequest(emulator, 'POST', list, { body: textBody('created anyway') });
    expect(cut.status).toBe(201);
    expect(cut.error?.code).toBe('ECONNRESET');
    const promised = Number(cut.headers['content-length']);
    expect(cut.body.length).toBeGreaterThan(0);
    expect(cut.body.length).toBeLessThan(promised);
    expect(cut.body.toString()).toMatch(/^\{"id":"conv_communication_/);
    // The operation itself happened: a retry would need the Idempotency-Key.
    const listed = await call(emulator, 'GET', `${list}?pageSize=1000`);
    expect(listed.body.communications.at(-1).content.text).toBe('created anyway');
  });

  it('malformed: 200 application/json that is not JSON', async () => {
    emulator.faults.enqueue({ kind: 'malformed' });
    const response = await rawRequest(emulator, 'GET', list);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(() => JSON.parse(response.body.toString())).toThrow(SyntaxError);
  });

  it('wrongShape: 200 valid JSON that matches no schema', async () => {
    emulator.faults.enqueue({ kind: 'wrongShape' });
    const response = await call(emulator, 'GET', list);
    expect(response.status).toBe(200);
    expect(response.body.communications).toBe('nope');
    expect(response.body.meta).toBe('nope');
  });

  it('slowBody: headers at once, the real body trickled in small chunks', async () => {
    const normal = await rawRequest(emulator, 'GET', `${list}?pageSize=3`);
    emulator.faults.enqueue({ kind: 'slowBody', chunkDelayMs: 40, chunkBytes: 400 });
    const slow = await rawRequest(emulator, 'GET', `${list}?pageSize=3`);
    expect(slow.status).toBe(200);
    const chunks = Math.ceil(normal.body.length / 400);
    expect(chunks).toBeGreaterThanOrEqual(3);
    expect(slow.chunks).toBe(chunks);
    expect(slow.elapsedMs).toBeGreaterThanOrEqual((chunks - 1) * 40 - 5);
    expect(JSON.parse(slow.body.toString()).communications).toEqual(JSON.parse(normal.body.toString()).communications);
  });

  it('oversized: a 200 JSON body of exactly the given size, without Content-Length', async () => {
    emulator.faults.enqueue({ kind: 'oversized', bytes: 3_000_000 });
    const big = await rawRequest(emulator, 'GET', list);
    expect(big.status).toBe(200);
    expect(big.headers['content-length']).toBeUndefined();
    expect(big.headers['transfer-encoding']).toBe('chunked');
    expect(big.body.length).toBe(3_000_000);
    expect(JSON.parse(big.body.toString()).padding).toHaveLength(3_000_000 - 14);
    emulator.faults.enqueue({ kind: 'oversized', bytes: 5 });
    expect((await rawRequest(emulator, 'GET', list)).body.toString()).toBe('{   }');
  });

  it('delay: the operation happens at once, the real answer comes later', async () => {
    emulator.faults.enqueue({ kind: 'delay', ms: 300 });
    const pending = rawRequest(emulator, 'POST', list, { body: textBody('early') });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stored = await call(emulator, 'GET', `${list}?pageSize=1000`);
    expect(stored.body.communications.at(-1).content.text).toBe('early');
    const delayed = await pending;
    expect(delayed.status).toBe(201);
    expect(delayed.elapsedMs).toBeGreaterThanOrEqual(290);
  });

  it('cycleTokens: the page is real but its nextToken leads back to the first page', async () => {
    const first = await call(emulator, 'GET', `${list}?pageSize=5`);
    const second = await call(emulator, 'GET', `${list}?pageSize=5&pageToken=${first.body.meta.nextToken}`);
    emulator.faults.enqueue({ kind: 'cycleTokens' });
    const cycled = await call(emulator, 'GET', `${list}?pageSize=5&pageToken=${first.body.meta.nextToken}`);
    expect(cycled.body.communications).toEqual(second.body.communications);
    expect(cycled.body.meta.previousToken).toBe(second.body.meta.previousToken);
    const back = await call(emulator, 'GET', `${list}?pageSize=5&pageToken=${cycled.body.meta.nextToken}`);
    expect(back.status).toBe(200);
    expect(back.body).toEqual(first.body);
    // Only valid with the same pageSize, like any token.
    expect((await call(emulator, 'GET', `${list}?pageSize=6&pageToken=${cycled.body.meta.nextToken}`)).status).toBe(400);
  });

  it('logs faulted requests with the fault status', async () => {
    emulator.faults.enqueue({ kind: 'status', status: 503 });
    emulator.faults.enqueue({ kind: 'wrongShape' });
    emulator.faults.enqueue({ kind: 'reset' });
    await call(emulator, 'GET', list);
    await call(emulator, 'GET', list);
    await rawRequest(emulator, 'GET', list);
    await call(emulator, 'GET', list);
    expect(emulator.requests.entries().map((e) => e.status)).toEqual([503, 200, 0, 200]);
  });
});

describe('standing faults', () => {
  it('injects error statuses at the configured rate with Retry-After', async () => {
    emulator.faults.set({ errorRates: { 503: 1 }, retryAfterSeconds: 2 });
    const response = await call(emulator, 'GET', list);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.body).toEqual(twilioError(503, 20503, 'Service Unavailable'));
    emulator.faults.set({});
    expect((await call(emulator, 'GET', list)).status).toBe(200);
  });

  it('draws the same faults for the same seed', async () => {
    const config = { errorRates: { 500: 0.3, 429: 0.2 }, seed: 42 };
    const statuses = async () => {
      emulator.faults.set(config);
      const seen: number[] = [];
      for (let i = 0; i < 30; i++) seen.push((await call(emulator, 'GET', list)).status);
      return seen;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
    const errors = first.filter((s) => s !== 200).length;
    expect(errors).toBeGreaterThan(5);
    expect(errors).toBeLessThan(25);
  });

  it('hangRate, resetRate and malformedRate', async () => {
    emulator.faults.set({ resetRate: 1 });
    expect((await rawRequest(emulator, 'GET', list)).error?.code).toBe('ECONNRESET');
    emulator.faults.set({ malformedRate: 1 });
    const malformed = await rawRequest(emulator, 'GET', list);
    expect(() => JSON.parse(malformed.body.toString())).toThrow(SyntaxError);
    emulator.faults.set({ hangRate: 1 });
    expect((await rawRequest(emulator, 'GET', list, { timeoutMs: 200 })).error?.name).toBe('AbortError');
  });

  it('adds latency, fixed ± jitter', async () => {
    emulator.faults.set({ latencyMs: 120 });
    expect((await rawRequest(emulator, 'GET', list)).elapsedMs).toBeGreaterThanOrEqual(115);
    emulator.faults.set({ latencyMs: 80, jitterMs: 60, seed: 1 });
    for (let i = 0; i < 5; i++) {
      const { elapsedMs } = await rawRequest(emulator, 'GET', list);
      expect(elapsedMs).toBeGreaterThanOrEqual(15);
      expect(elapsedMs).toBeLessThan(400);
    }
  });

  it('lets a scripted fault win over the standing ones, and clear() removes both', async () => {
    emulator.faults.set({ errorRates: { 500: 1 } });
    emulator.faults.enqueue({ kind: 'status', status: 429 });
    expect((await call(emulator, 'GET', list)).status).toBe(429);
    expect((await call(emulator, 'GET', list)).status).toBe(500);
    emulator.faults.enqueue({ kind: 'status', status: 429 });
    emulator.faults.clear();
    expect(emulator.faults.pending()).toBe(0);
    expect((await call(emulator, 'GET', list)).status).toBe(200);
  });

  it('rejects invalid configurations and faults with a TypeError', () => {
    expect(() => emulator.faults.set({ hangRate: 1.5 })).toThrow(TypeError);
    expect(() => emulator.faults.set({ hangRate: 0.6, resetRate: 0.6 })).toThrow(/add up to more than 1/);
    expect(() => emulator.faults.set({ errorRates: { 404: 0.5 } as never })).toThrow(TypeError);
    expect(() => emulator.faults.set({ latencyMs: -1 })).toThrow(TypeError);
    expect(() => emulator.faults.enqueue({ kind: 'explode' } as never)).toThrow(TypeError);
    expect(() => emulator.faults.enqueue({ kind: 'slowBody' } as never)).toThrow(TypeError);
    expect(() => emulator.faults.enqueue({ kind: 'status', status: 503, times: 0 })).toThrow(TypeError);
    expect(emulator.faults.pending()).toBe(0);
  });
});

describe('startEmulator({ faults })', () => {
  it('starts with standing faults, and close() ends hung requests at once', async () => {
    const faulty = await startEmulator({ seedDemoData: false, faults: { hangRate: 1 } });
    const hung = fetch(`${faulty.url}/v2/Conversations`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(faulty.requests.count()).toBe(1);
    const started = performance.now();
    await faulty.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(TypeError);
  });
});
