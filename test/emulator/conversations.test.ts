import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, twilioError } from './helpers.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
});
afterAll(() => emulator.close());
beforeEach(() => emulator.data.reset());

const ID = /^conv_conversation_[0-9a-hjkmnp-tv-z]{26}$/;

describe('conversations', () => {
  it('creates a conversation (201) with server-set id, status, account and timestamps, and fetches it', async () => {
    const created = await call(emulator, 'POST', '/v2/Conversations', {
      body: { configurationId: CONFIGURATION_ID, name: 'Support', metadata: { ticket: 'T-1' } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(ID),
      accountId: ACCOUNT,
      configurationId: CONFIGURATION_ID,
      status: 'ACTIVE',
      name: 'Support',
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
      metadata: { ticket: 'T-1' },
    });
    const fetched = await call(emulator, 'GET', `/v2/Conversations/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('creates the participants given with the conversation and returns them in the create response only', async () => {
    const created = await call(emulator, 'POST', '/v2/Conversations', {
      body: {
        configurationId: CONFIGURATION_ID,
        participants: [
          { name: 'Ann', type: 'CUSTOMER', addresses: [{ channel: 'SMS', address: '+15005550001' }] },
          { name: 'Bot', type: 'AI_AGENT' },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.participants.map((p: any) => [p.name, p.type, p.conversationId, p.addresses])).toEqual([
      ['Ann', 'CUSTOMER', created.body.id, [{ channel: 'SMS', address: '+15005550001' }]],
      ['Bot', 'AI_AGENT', created.body.id, []],
    ]);
    const fetched = await call(emulator, 'GET', `/v2/Conversations/${created.body.id}`);
    expect(fetched.body.participants).toBeUndefined();
    const listed = await call(emulator, 'GET', `/v2/Conversations/${created.body.id}/Participants`);
    expect(listed.body.participants.map((p: any) => p.id)).toEqual(created.body.participants.map((p: any) => p.id));
  });

  it('PUT replaces the given fields (metadata as a whole) and keeps the others', async () => {
    const { id, createdAt } = emulator.data.createConversation(ACCOUNT, {
      configurationId: CONFIGURATION_ID,
      name: 'Old',
      metadata: { a: '1', b: '2' },
    });
    const put = await call(emulator, 'PUT', `/v2/Conversations/${id}`, { body: { status: 'INACTIVE', metadata: { c: '3' } } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, name: 'Old', status: 'INACTIVE', metadata: { c: '3' }, createdAt });
    expect(put.body.updatedAt > createdAt).toBe(true);
    const missingStatus = await call(emulator, 'PUT', `/v2/Conversations/${id}`, { body: { name: 'x' } });
    expect(missingStatus.status).toBe(400);
    expect(missingStatus.body).toEqual(twilioError(400, 20001, "Missing required parameter 'status'"));
  });

  it('PATCH merges metadata: keys set to null are removed, others added or replaced', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, {
      configurationId: CONFIGURATION_ID,
      name: 'N',
      metadata: { keep: 'k', drop: 'd', change: 'old' },
    });
    const patched = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, {
      body: { metadata: { drop: null, change: 'new', added: 'a' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.metadata).toEqual({ keep: 'k', change: 'new', added: 'a' });
    expect(patched.body.name).toBe('N');
    expect(patched.body.status).toBe('ACTIVE');

    const cleared = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, { body: { name: null, status: 'CLOSED' } });
    expect(cleared.body).toMatchObject({ name: null, status: 'CLOSED', metadata: { keep: 'k', change: 'new', added: 'a' } });
  });

  it('PATCH rejects a merge that would exceed 8 metadata entries', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v']));
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, metadata });
    const patched = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, { body: { metadata: { k9: 'v' } } });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toMatch(/^Invalid parameter 'metadata': must have at most 8 entries/);
    const swapped = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, { body: { metadata: { k0: null, k9: 'v' } } });
    expect(swapped.status).toBe(200);
  });

  it('PATCH sets and removes configuration.statusCallbacks', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, {
      configurationId: CONFIGURATION_ID,
      configuration: { intelligenceConfigurationIds: ['ic1'] },
    });
    const set = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, {
      body: { configuration: { statusCallbacks: [{ url: 'https://example.com/hook' }] } },
    });
    expect(set.body.configuration).toEqual({
      intelligenceConfigurationIds: ['ic1'],
      statusCallbacks: [{ url: 'https://example.com/hook' }],
    });
    const removed = await call(emulator, 'PATCH', `/v2/Conversations/${id}`, { body: { configuration: { statusCallbacks: null } } });
    expect(removed.body.configuration).toEqual({ intelligenceConfigurationIds: ['ic1'] });
  });

  it('DELETE answers 202 with statusUrl, related and the operation headers, and the conversation is gone', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    const deleted = await call(emulator, 'DELETE', `/v2/Conversations/${id}`);
    expect(deleted.status).toBe(202);
    const operationId = deleted.headers.get('operation-id');
    expect(operationId).toMatch(/^proc_job_[0-9a-z]{26}$/);
    const statusUrl = `${emulator.url}/v2/ControlPlane/Operations/${operationId}`;
    expect(deleted.body).toEqual({ statusUrl, related: { conversationId: id } });
    expect(deleted.headers.get('location')).toBe(statusUrl);
    expect(deleted.headers.get('retry-after')).toBe('1');
    expect((await call(emulator, 'GET', `/v2/Conversations/${id}`)).status).toBe(404);
    expect((await call(emulator, 'DELETE', `/v2/Conversations/${id}`)).status).toBe(404);
  });

  it('answers 404 for unknown conversations and paths, 405 with Allow for wrong methods, all Twilio-shaped', async () => {
    const missing = await call(emulator, 'GET', '/v2/Conversations/conv_conversation_00000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(
      twilioError(404, 20404, 'The requested resource /v2/Conversations/conv_conversation_00000000000000000000000000 was not found'),
    );
    const unknown = await call(emulator, 'GET', '/v2/Nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(twilioError(404, 20404, 'The requested resource /v2/Nope was not found'));
    const outside = await call(emulator, 'GET', '/');
    expect(outside.status).toBe(404);
    const wrong = await call(emulator, 'PATCH', '/v2/Conversations');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect(wrong.body).toEqual(twilioError(405, 20004, 'Method PATCH not allowed on /v2/Conversations'));
    const noDeleteForCommunications = await call(emulator, 'DELETE', '/v2/Conversations/x/Communications/y');
    expect(noDeleteForCommunications.status).toBe(405);
    expect(noDeleteForCommunications.headers.get('allow')).toBe('GET');
  });

  it('rejects a body that is not JSON', async () => {
    const response = await call(emulator, 'POST', '/v2/Conversations', { body: '{nope' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, 'Invalid request body: not valid JSON'));
  });

  it('gives ids and timestamps that increase strictly with creation order, even within one millisecond', () => {
    const created = Array.from({ length: 50 }, () => emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }));
    for (let i = 1; i < created.length; i++) {
      expect(created[i]!.id > created[i - 1]!.id).toBe(true);
      expect(Date.parse(created[i]!.createdAt)).toBeGreaterThan(Date.parse(created[i - 1]!.createdAt));
    }
  });
});
