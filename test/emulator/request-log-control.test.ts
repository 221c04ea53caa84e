// The request log and the /__emulator control endpoint.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleControl } from '../../src/emulator/control.ts';
import { Faults } from '../../src/emulator/faults.ts';
import { RequestRecorder } from '../../src/emulator/request-log.ts';
import { DEMO_CONVERSATIONS, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, textBody, twilioError } from './helpers.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.data.reset();
  emulator.faults.clear();
  emulator.requests.clear();
});

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/__emulator/${path}`, {
    method,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('request log', () => {
  it('records every /v2 request in arrival order with query, username, keys, body and status', async () => {
    const before = Date.now();
    await call(emulator, 'GET', '/v2/Conversations?status=ACTIVE&status=CLOSED&pageSize=5', { headers: { 'x-request-id': 'req-1' } });
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    await call(emulator, 'POST', `/v2/Conversations/${id}/Communications`, {
      body: textBody('x'),
      headers: { 'idempotency-key': '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11' },
    });
    await call(emulator, 'GET', '/v2/Conversations', { auth: null });
    await call(emulator, 'GET', '/v2/Nope');
    await call(emulator, 'GET', '/elsewhere'); // not the API: not logged
    await control('GET', 'health'); // not logged

    const entries = emulator.requests.entries();
    expect(entries).toEqual([
      {
        method: 'GET',
        path: '/v2/Conversations',
        query: { status: ['ACTIVE', 'CLOSED'], pageSize: ['5'] },
        username: ACCOUNT,
        requestId: 'req-1',
        status: 200,
        at: expect.any(Number),
      },
      {
        method: 'POST',
        path: `/v2/Conversations/${id}/Communications`,
        query: {},
        username: ACCOUNT,
        idempotencyKey: '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11',
        body: JSON.stringify(textBody('x')),
        status: 201,
        at: expect.any(Number),
      },
      { method: 'GET', path: '/v2/Conversations', query: {}, username: null, status: 401, at: expect.any(Number) },
      { method: 'GET', path: '/v2/Nope', query: {}, username: ACCOUNT, status: 404, at: expect.any(Number) },
    ]);
    expect(entries[0]!.at).toBeGreaterThanOrEqual(before);
    expect(entries[3]!.at).toBeGreaterThanOrEqual(entries[0]!.at);
  });

  it('counts with filters, hands out copies, and clears', async () => {
    await call(emulator, 'GET', '/v2/Conversations');
    await call(emulator, 'GET', '/v2/Conversations');
    await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId: CONFIGURATION_ID } });
    await call(emulator, 'GET', '/v2/Conversations/x/Participants');
    expect(emulator.requests.count()).toBe(4);
    expect(emulator.requests.count({ method: 'get' })).toBe(3);
    expect(emulator.requests.count({ path: '/v2/Conversations' })).toBe(3);
    expect(emulator.requests.count({ method: 'GET', path: '/v2/Conversations' })).toBe(2);
    expect(emulator.requests.count({ path: /Participants$/ })).toBe(1);

    const copy = emulator.requests.entries();
    copy[0]!.status = 999;
    copy[0]!.query.extra = ['x'];
    expect(emulator.requests.entries()[0]).toMatchObject({ status: 200, query: {} });
    emulator.requests.clear();
    expect(emulator.requests.entries()).toEqual([]);
    expect(emulator.requests.count()).toBe(0);
  });
});

describe('control endpoint', () => {
  it('reports health, serves and clears the request log', async () => {
    expect(await control('GET', 'health')).toEqual({ status: 200, body: { status: 'ok' } });
    await call(emulator, 'GET', '/v2/Conversations?pageSize=2');
    const log = await control('GET', 'requests');
    expect(log.status).toBe(200);
    expect(log.body.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/v2/Conversations', query: { pageSize: ['2'] }, status: 200 }),
    ]);
    expect((await control('DELETE', 'requests')).status).toBe(204);
    expect(emulator.requests.count()).toBe(0);
  });

  it('sets standing faults and clears them', async () => {
    expect((await control('PUT', 'faults', { errorRates: { 503: 1 }, retryAfterSeconds: 3 })).status).toBe(204);
    const failed = await call(emulator, 'GET', '/v2/Conversations');
    expect([failed.status, failed.headers.get('retry-after')]).toEqual([503, '3']);
    expect((await control('DELETE', 'faults')).status).toBe(204);
    expect((await call(emulator, 'GET', '/v2/Conversations')).status).toBe(200);
  });

  it('queues scripted faults whose match.path is a glob', async () => {
    expect(
      (await control('POST', 'faults/queue', { kind: 'status', status: 429, retryAfter: 1, match: { path: '*Communications' }, times: 2 }))
        .status,
    ).toBe(204);
    expect(emulator.faults.pending()).toBe(2);
    expect((await call(emulator, 'GET', '/v2/Conversations')).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/Conversations/x/Communications')).status).toBe(429);
  });

  it('rejects invalid faults and bodies with Twilio-shaped 400s', async () => {
    const badRate = await control('PUT', 'faults', { hangRate: 2 });
    expect(badRate.status).toBe(400);
    expect(badRate.body).toEqual(twilioError(400, 20001, /^Invalid FaultConfig: /));
    expect((await control('POST', 'faults/queue', { kind: 'meltdown' })).status).toBe(400);
    expect((await control('POST', 'faults/queue', { kind: 'hang', match: { path: '(a+)+$' } })).body.message).toMatch(
      /^Invalid scripted fault: .*must be a path glob \('\*' matches any characters\), not a regular expression/s,
    );
    expect((await control('PUT', 'faults', 'not json')).body.message).toBe('Invalid request body: must be a JSON object');
  });

  it('resets the data to the seed', async () => {
    const auth: [string, string] = [DEMO_SID, DEMO_TOKEN];
    await call(emulator, 'DELETE', `/v2/Conversations/${DEMO_CONVERSATIONS.smsOrder}`, { auth });
    emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    expect((await control('POST', 'reset')).status).toBe(204);
    expect((await call(emulator, 'GET', `/v2/Conversations/${DEMO_CONVERSATIONS.smsOrder}`, { auth })).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/Conversations')).body.conversations).toEqual([]);
  });

  it('answers 404 for unknown control paths and 405 for wrong methods', async () => {
    expect((await control('GET', 'nope')).body).toEqual(twilioError(404, 20404, 'The requested resource /__emulator/nope was not found'));
    expect((await control('POST', 'health')).status).toBe(405);
  });

  it('answers loopback callers only', () => {
    const deps = { requests: new RequestRecorder(), faults: new Faults(), reset: () => {} };
    const remote = handleControl({ method: 'GET', path: '/__emulator/health', body: '', remoteAddress: '192.0.2.10' }, deps);
    expect(remote.status).toBe(403);
    const local = handleControl({ method: 'GET', path: '/__emulator/health', body: '', remoteAddress: '::1' }, deps);
    expect(local.status).toBe(200);
  });
});
