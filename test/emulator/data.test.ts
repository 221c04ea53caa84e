// EmulatorData (direct seeding for tests) and the cacheListPages fast path.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { Operations } from '../../src/emulator/operations.ts';
import { ACCOUNT, call, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, textBody } from './helpers.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.data.reset());

describe('EmulatorData', () => {
  it('creates resources exactly as the API returns them', async () => {
    const conversation = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, name: 'direct' });
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversation.id}`)).body).toEqual(conversation);
    const participant = emulator.data.createParticipant(ACCOUNT, conversation.id, { name: 'P', addresses: [] });
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversation.id}/Participants/${participant.id}`)).body).toEqual(participant);
    const communication = emulator.data.createCommunication(ACCOUNT, conversation.id, { ...textBody('hi'), resourceId: 'R1' });
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversation.id}/Communications/${communication.id}`)).body).toEqual(
      communication,
    );
    const upserted = emulator.data.createCommunication(ACCOUNT, conversation.id, { ...textBody('edited'), resourceId: 'R1' });
    expect([upserted.id, upserted.content]).toEqual([communication.id, { type: 'TEXT', text: 'edited' }]);
  });

  it('throws an ApiError where HTTP would answer an error, and a TypeError for a malformed account', () => {
    const attempt = () => emulator.data.createConversation(ACCOUNT, { name: 'no configuration' });
    expect(attempt).toThrow(ApiError);
    expect(attempt).toThrow("Missing required parameter 'configurationId'");
    try {
      emulator.data.createCommunication(ACCOUNT, 'conv_conversation_missing', textBody('x'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect([(error as ApiError).status, (error as ApiError).code]).toEqual([404, 20404]);
    }
    expect(() => emulator.data.createConversation('nope', { configurationId: CONFIGURATION_ID })).toThrow(TypeError);
  });

  it('insertRaw stores content the document does not describe, served as-is', async () => {
    const { id: conversationId } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    const odd = [
      { id: 'raw_1', conversationId, content: 'cannot-guess', author: { address: 'x', channel: 'EMAIL' }, recipients: [] },
      { id: 'raw_2', conversationId, content: {} },
      { id: 'raw_3', conversationId, content: { type: 'IMAGE', url: 'https://example.com/cat.png' }, createdAt: '2030-01-01T00:00:00Z' },
    ];
    const stored = odd.map((resource) => emulator.data.insertRaw(ACCOUNT, 'communications', resource));
    expect(stored[0]).toEqual({ ...odd[0], createdAt: expect.any(String) });
    const listed = await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications`);
    expect(listed.body.communications).toEqual(stored);
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications/raw_3`)).body).toEqual(odd[2]);

    emulator.data.insertRaw(ACCOUNT, 'participants', { id: 'bot_1', conversationId, type: 'BOT', name: 'Robo' });
    const participants = await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Participants`);
    expect(participants.body.participants).toEqual([
      { id: 'bot_1', conversationId, type: 'BOT', name: 'Robo', createdAt: expect.any(String) },
    ]);
  });

  it('insertRaw keeps list order by createdAt, even for records older than existing ones', async () => {
    emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, name: 'new' });
    emulator.data.insertRaw(ACCOUNT, 'conversations', {
      id: 'old_conversation',
      name: 'old',
      createdAt: '2020-01-01T00:00:00Z',
      status: 'WEIRD',
    });
    const listed = await call(emulator, 'GET', '/v2/Conversations');
    expect(listed.body.conversations.map((c: any) => c.name)).toEqual(['old', 'new']);
  });

  it('insertRaw needs an id, and a stored conversation for nested kinds', () => {
    expect(() => emulator.data.insertRaw(ACCOUNT, 'conversations', { name: 'no id' })).toThrow(TypeError);
    expect(() => emulator.data.insertRaw(ACCOUNT, 'communications', { id: 'c', conversationId: 'missing' })).toThrow(TypeError);
  });

  it('reset() brings back the seed and forgets everything else', async () => {
    const auth: [string, string] = [DEMO_SID, DEMO_TOKEN];
    const before = (await call(emulator, 'GET', '/v2/Conversations', { auth })).body;
    await call(emulator, 'POST', '/v2/Conversations', { auth, body: { configurationId: CONFIGURATION_ID } });
    emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    emulator.data.reset();
    expect((await call(emulator, 'GET', '/v2/Conversations', { auth })).body).toEqual(before);
    expect((await call(emulator, 'GET', '/v2/Conversations')).body.conversations).toEqual([]);
  });
});

describe('seedDemoData: false', () => {
  it('starts empty, also after reset()', async () => {
    const empty = await startEmulator({ seedDemoData: false });
    try {
      const auth: [string, string] = [DEMO_SID, DEMO_TOKEN];
      expect((await call(empty, 'GET', '/v2/Conversations', { auth })).body.conversations).toEqual([]);
      empty.data.reset();
      expect((await call(empty, 'GET', '/v2/Conversations', { auth })).body.conversations).toEqual([]);
    } finally {
      await empty.close();
    }
  });
});

describe('cacheListPages', () => {
  let cached: Emulator;
  let conversationId: string;
  beforeAll(async () => {
    cached = await startEmulator({ seedDemoData: false, cacheListPages: true });
  });
  afterAll(() => cached.close());
  beforeEach(() => {
    cached.data.reset();
    conversationId = cached.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
    for (let i = 0; i < 5; i++) cached.data.createCommunication(ACCOUNT, conversationId, textBody(`m${i}`));
  });
  afterEach(() => vi.restoreAllMocks());

  it('serves an identical list request from the cache, byte for byte', async () => {
    const spy = vi.spyOn(Operations.prototype, 'listCommunications');
    const path = `/v2/Conversations/${conversationId}/Communications?pageSize=2`;
    const first = await call(cached, 'GET', path);
    const second = await call(cached, 'GET', path);
    expect(second.body).toEqual(first.body);
    expect(spy).toHaveBeenCalledTimes(1);
    await call(cached, 'GET', `/v2/Conversations/${conversationId}/Communications?pageSize=3`);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('forgets an account’s pages on any write in that account, and keeps accounts apart', async () => {
    const path = `/v2/Conversations/${conversationId}/Communications?pageSize=100`;
    expect((await call(cached, 'GET', path)).body.meta.pageSize).toBe(5);
    await call(cached, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body: textBody('new') });
    expect((await call(cached, 'GET', path)).body.meta.pageSize).toBe(6);
    cached.data.createCommunication(ACCOUNT, conversationId, textBody('direct'));
    expect((await call(cached, 'GET', path)).body.meta.pageSize).toBe(7);

    expect((await call(cached, 'GET', '/v2/Conversations')).body.conversations).toHaveLength(1);
    expect((await call(cached, 'GET', '/v2/Conversations', { auth: [`AC${'3'.repeat(32)}`, 'x'] })).body.conversations).toEqual([]);
  });

  it('still checks credentials before answering from the cache', async () => {
    const path = `/v2/Conversations/${conversationId}/Communications`;
    await call(cached, 'GET', path);
    expect((await call(cached, 'GET', path, { auth: [ACCOUNT, 'wrong'] })).status).toBe(401);
  });
});
