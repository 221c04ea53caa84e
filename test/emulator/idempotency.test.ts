// Idempotency-Key: replay of the original answer for 24 hours, 409 for a reused key, nothing created twice.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, textBody, twilioError } from './helpers.ts';

let emulator: Emulator;
let now = Date.parse('2026-01-01T00:00:00Z');
let conversationId: string;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false, now: () => now });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.data.reset();
  emulator.faults.clear();
  conversationId = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
});

const KEY = '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11';
const OTHER_KEY = '01890a5d-aa0f-7c80-b8e6-0242ac140004';
const communications = () => call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications`).then((r) => r.body.communications);
const post = (body: unknown, key = KEY, auth?: [string, string]) =>
  call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, {
    body,
    headers: { 'idempotency-key': key },
    ...(auth && { auth }),
  });

describe('Idempotency-Key', () => {
  it('replays the original status and body and creates nothing new', async () => {
    const first = await post(textBody('once'));
    expect(first.status).toBe(201);
    const again = await post({ ...textBody('once') });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await communications()).toHaveLength(1);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const body = textBody('once');
    await post(body);
    const reordered = { content: body.content, recipients: body.recipients, author: body.author };
    expect((await post(reordered)).status).toBe(201);
    expect(await communications()).toHaveLength(1);
  });

  it('answers 409 (code 20409) when the key comes back with a different body or path', async () => {
    await post(textBody('once'));
    const different = await post(textBody('twice'));
    expect(different.status).toBe(409);
    expect(different.body).toEqual(
      twilioError(409, 20409, "Conflict on parameter 'Idempotency-Key': it was already used with a different request"),
    );
    const otherPath = await call(emulator, 'POST', '/v2/Conversations', {
      body: { configurationId: CONFIGURATION_ID },
      headers: { 'idempotency-key': KEY },
    });
    expect(otherPath.status).toBe(409);
    expect(await communications()).toHaveLength(1);
  });

  it('scopes keys to the account', async () => {
    await post(textBody('mine'));
    const other = `AC${'2'.repeat(32)}`;
    const theirConversation = emulator.data.createConversation(other, { configurationId: CONFIGURATION_ID }).id;
    const theirs = await call(emulator, 'POST', `/v2/Conversations/${theirConversation}/Communications`, {
      auth: [other, 'x'],
      body: textBody('theirs'),
      headers: { 'idempotency-key': KEY },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.content.text).toBe('theirs');
  });

  it('keeps keys for 24 hours', async () => {
    const first = await post(textBody('once'));
    now += 24 * 60 * 60 * 1000 - 1;
    expect((await post(textBody('once'))).body.id).toBe(first.body.id);
    now += 1;
    const later = await post(textBody('once'));
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(await communications()).toHaveLength(2);
  });

  it('replays conversation and participant creates and the 202 of a delete', async () => {
    const headers = { 'idempotency-key': OTHER_KEY };
    const a = await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId: CONFIGURATION_ID }, headers });
    const b = await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId: CONFIGURATION_ID }, headers });
    expect([a.status, b.status, b.body.id]).toEqual([201, 201, a.body.id]);

    const p = { addresses: [] };
    const p1 = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Participants`, {
      body: p,
      headers: { 'idempotency-key': KEY },
    });
    const p2 = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Participants`, {
      body: p,
      headers: { 'idempotency-key': KEY },
    });
    expect(p2.body).toEqual(p1.body);

    const deleteKey = { 'idempotency-key': '11111111-2222-3333-4444-555555555555' };
    const d1 = await call(emulator, 'DELETE', `/v2/Conversations/${a.body.id}`, { headers: deleteKey });
    const d2 = await call(emulator, 'DELETE', `/v2/Conversations/${a.body.id}`, { headers: deleteKey });
    expect([d1.status, d2.status]).toEqual([202, 202]);
    expect(d2.body).toEqual(d1.body);
    expect(d2.headers.get('operation-id')).toBe(d1.headers.get('operation-id'));
  });

  it('keeps only successes: a request rejected by validation or an injected fault can be retried with its key', async () => {
    const invalid = await post({ ...textBody('x'), recipients: [] });
    expect(invalid.status).toBe(400);
    expect((await post(textBody('fixed'))).status).toBe(201);

    emulator.faults.enqueue({ kind: 'status', status: 503 });
    expect((await post(textBody('retried'), OTHER_KEY)).status).toBe(503);
    const retried = await post(textBody('retried'), OTHER_KEY);
    expect(retried.status).toBe(201);
    expect((await post(textBody('retried'), OTHER_KEY)).body.id).toBe(retried.body.id);
    expect(await communications()).toHaveLength(2);
  });

  it('replays the upsert answer too', async () => {
    emulator.data.createCommunication(ACCOUNT, conversationId, { ...textBody('v1'), resourceId: 'SM1' });
    const upsert = await post({ ...textBody('v2'), resourceId: 'SM1' });
    expect(upsert.status).toBe(200);
    const replay = await post({ ...textBody('v2'), resourceId: 'SM1' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(upsert.body);
  });

  it('compares keys case-insensitively, as UUIDs: an upper-case copy replays the original, a different body is a 409', async () => {
    const first = await post(textBody('once'), KEY);
    const upper = await post(textBody('once'), KEY.toUpperCase());
    expect([first.status, upper.status]).toEqual([201, 201]);
    expect(upper.body.id).toBe(first.body.id);
    expect(upper.headers.get('idempotent-replayed')).toBe('true');
    expect((await post(textBody('other'), KEY.toUpperCase())).status).toBe(409);
    expect(await communications()).toHaveLength(1);
  });

  it('rejects a key that is not a UUID', async () => {
    const response = await post(textBody('x'), 'not-a-uuid');
    expect(response.status).toBe(400);
    expect(response.body).toEqual(
      twilioError(400, 20001, "Invalid parameter 'Idempotency-Key': must be a UUID such as 01890a5d-aa0f-7c80-b8e6-0242ac140004"),
    );
  });
});
