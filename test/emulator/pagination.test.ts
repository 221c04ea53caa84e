// Keyset pagination: opaque tokens, exact meta, both directions, and tokens bound to their list.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_LONG_CONVERSATION, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, seedConversation, textBody } from './helpers.ts';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.data.reset());

const texts = (body: any) => body.communications.map((c: any) => c.content.text);
const list = (conversationId: string, query: string) =>
  call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications?${query}`);

describe('keyset pagination', () => {
  it('pages forward and back with exact meta; tokens are absent at the ends', async () => {
    const { conversationId } = seedConversation(emulator, 7);
    const first = await list(conversationId, 'pageSize=3');
    expect(first.status).toBe(200);
    expect(texts(first.body)).toEqual(['message 0', 'message 1', 'message 2']);
    expect(Object.keys(first.body.meta)).toEqual(['key', 'pageSize', 'nextToken']);
    expect(first.body.meta).toMatchObject({ key: 'communications', pageSize: 3 });
    expect(first.body.meta.nextToken).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/); // URL-safe base64

    const second = await list(conversationId, `pageSize=3&pageToken=${first.body.meta.nextToken}`);
    expect(texts(second.body)).toEqual(['message 3', 'message 4', 'message 5']);
    expect(Object.keys(second.body.meta)).toEqual(['key', 'pageSize', 'nextToken', 'previousToken']);

    const third = await list(conversationId, `pageSize=3&pageToken=${second.body.meta.nextToken}`);
    expect(texts(third.body)).toEqual(['message 6']);
    expect(third.body.meta).toEqual({ key: 'communications', pageSize: 1, previousToken: expect.any(String) });

    const backToSecond = await list(conversationId, `pageSize=3&pageToken=${third.body.meta.previousToken}`);
    expect(texts(backToSecond.body)).toEqual(['message 3', 'message 4', 'message 5']);
    const backToFirst = await list(conversationId, `pageSize=3&pageToken=${backToSecond.body.meta.previousToken}`);
    expect(texts(backToFirst.body)).toEqual(['message 0', 'message 1', 'message 2']);
    expect(backToFirst.body.meta).toEqual({ key: 'communications', pageSize: 3, nextToken: expect.any(String) });
  });

  it('a page that covers the whole list has no tokens; an empty list has pageSize 0', async () => {
    const { conversationId } = seedConversation(emulator, 2);
    expect((await list(conversationId, 'pageSize=2')).body.meta).toEqual({ key: 'communications', pageSize: 2 });
    expect((await list(conversationId, '')).body.meta).toEqual({ key: 'communications', pageSize: 2 });
    const empty = seedConversation(emulator, 0).conversationId;
    expect((await list(empty, '')).body).toEqual({ communications: [], meta: { key: 'communications', pageSize: 0 } });
  });

  it('defaults to pageSize 50', async () => {
    const response = await call(emulator, 'GET', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`, {
      auth: [DEMO_SID, DEMO_TOKEN],
    });
    expect(response.body.communications).toHaveLength(50);
    expect(response.body.meta.pageSize).toBe(50);
  });

  it('keeps its place when items are added: the next page starts right after the last item seen', async () => {
    const { conversationId } = seedConversation(emulator, 4);
    const first = await list(conversationId, 'pageSize=2');
    emulator.data.createCommunication(ACCOUNT, conversationId, textBody('late'));
    const second = await list(conversationId, `pageSize=2&pageToken=${first.body.meta.nextToken}`);
    expect(texts(second.body)).toEqual(['message 2', 'message 3']);
    const third = await list(conversationId, `pageSize=2&pageToken=${second.body.meta.nextToken}`);
    expect(texts(third.body)).toEqual(['late']);
  });

  it('previousToken near the start may give fewer than pageSize items (keyset, not offsets)', async () => {
    const ids = Array.from(
      { length: 5 },
      (_, i) => emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, name: `c${i}` }).id,
    );
    const first = await call(emulator, 'GET', '/v2/Conversations?pageSize=3');
    const second = await call(emulator, 'GET', `/v2/Conversations?pageSize=3&pageToken=${first.body.meta.nextToken}`);
    expect(second.body.conversations.map((c: any) => c.name)).toEqual(['c3', 'c4']);
    await call(emulator, 'DELETE', `/v2/Conversations/${ids[1]}`);
    const back = await call(emulator, 'GET', `/v2/Conversations?pageSize=3&pageToken=${second.body.meta.previousToken}`);
    expect(back.body.conversations.map((c: any) => c.name)).toEqual(['c0', 'c2']);
    expect(back.body.meta).toEqual({ key: 'conversations', pageSize: 2, nextToken: expect.any(String) });
  });

  it('an emptied page still points back to what lies before it', async () => {
    const ids = Array.from(
      { length: 3 },
      (_, i) => emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, name: `c${i}` }).id,
    );
    const first = await call(emulator, 'GET', '/v2/Conversations?pageSize=2');
    await call(emulator, 'DELETE', `/v2/Conversations/${ids[2]}`);
    const emptied = await call(emulator, 'GET', `/v2/Conversations?pageSize=2&pageToken=${first.body.meta.nextToken}`);
    expect(emptied.body).toEqual({ conversations: [], meta: { key: 'conversations', pageSize: 0, previousToken: expect.any(String) } });
    const back = await call(emulator, 'GET', `/v2/Conversations?pageSize=2&pageToken=${emptied.body.meta.previousToken}`);
    expect(back.body.conversations.map((c: any) => c.name)).toEqual(['c0', 'c1']);
  });

  it('walks the demo long conversation forward and backward, in the same order as one big page', async () => {
    const auth: [string, string] = [DEMO_SID, DEMO_TOKEN];
    const all = await call(emulator, 'GET', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=1000`, { auth });
    const ids = all.body.communications.map((c: any) => c.id);
    expect(ids.length).toBeGreaterThanOrEqual(120);

    const forward: string[] = [];
    let token: string | undefined;
    let last: any;
    for (let pages = 0; pages < 100; pages++) {
      last = await call(
        emulator,
        'GET',
        `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=17${token ? `&pageToken=${token}` : ''}`,
        { auth },
      );
      forward.push(...last.body.communications.map((c: any) => c.id));
      token = last.body.meta.nextToken;
      if (!token) break;
    }
    expect(forward).toEqual(ids);

    const backward: string[] = [];
    token = last.body.meta.previousToken;
    for (let pages = 0; token && pages < 100; pages++) {
      const page = await call(
        emulator,
        'GET',
        `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=17&pageToken=${token}`,
        { auth },
      );
      expect(page.body.meta.pageSize).toBe(page.body.communications.length);
      backward.unshift(...page.body.communications.map((c: any) => c.id));
      token = page.body.meta.previousToken;
    }
    expect([...backward, ...last.body.communications.map((c: any) => c.id)]).toEqual(ids);
  });
});

describe('filters', () => {
  it('filters conversations by repeated status keys and by channelId, and pages within the filter', async () => {
    const make = (name: string, status: string) => {
      const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, name });
      if (status !== 'ACTIVE') return call(emulator, 'PATCH', `/v2/Conversations/${id}`, { body: { status } }).then(() => id);
      return Promise.resolve(id);
    };
    await make('a1', 'ACTIVE');
    await make('i1', 'INACTIVE');
    const withCall = await make('c1', 'CLOSED');
    await make('a2', 'ACTIVE');
    await make('c2', 'CLOSED');
    emulator.data.insertRaw(ACCOUNT, 'communications', { id: 'raw_1', conversationId: withCall, channelId: 'CA123' });
    const names = (body: any) => body.conversations.map((c: any) => c.name);

    const activeOrClosed = await call(emulator, 'GET', '/v2/Conversations?status=ACTIVE&status=CLOSED&pageSize=3');
    expect(names(activeOrClosed.body)).toEqual(['a1', 'c1', 'a2']);
    const rest = await call(
      emulator,
      'GET',
      `/v2/Conversations?status=CLOSED&status=ACTIVE&pageSize=3&pageToken=${activeOrClosed.body.meta.nextToken}`,
    );
    expect(rest.status).toBe(200); // the same set of statuses, in another order
    expect(names(rest.body)).toEqual(['c2']);
    expect(names((await call(emulator, 'GET', '/v2/Conversations?status=INACTIVE')).body)).toEqual(['i1']);
    expect(names((await call(emulator, 'GET', '/v2/Conversations?channelId=CA123')).body)).toEqual(['c1']);
  });

  it('matches conversations whose participant addresses carry the channelId', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, {
      configurationId: CONFIGURATION_ID,
      name: 'call',
      participants: [{ addresses: [{ channel: 'VOICE', address: '+15005550001', channelId: 'CA999' }] }],
    });
    const response = await call(emulator, 'GET', '/v2/Conversations?channelId=CA999');
    expect(response.body.conversations.map((c: any) => c.id)).toEqual([id]);
  });

  it('pages communications within a channelId filter', async () => {
    const { conversationId } = seedConversation(emulator, 0);
    for (let i = 0; i < 9; i++)
      emulator.data.createCommunication(ACCOUNT, conversationId, { ...textBody(`m${i}`), channelId: i % 3 === 0 ? 'CA1' : 'SM' });
    const first = await list(conversationId, 'channelId=CA1&pageSize=2');
    expect(texts(first.body)).toEqual(['m0', 'm3']);
    const second = await list(conversationId, `channelId=CA1&pageSize=2&pageToken=${first.body.meta.nextToken}`);
    expect(texts(second.body)).toEqual(['m6']);
    expect(second.body.meta).toEqual({ key: 'communications', pageSize: 1, previousToken: expect.any(String) });
  });
});

describe('tokens are bound to the request that issued them', () => {
  const rejected = {
    code: 20001,
    message: "Invalid parameter 'pageToken': is not a token this list issued for this pageSize and these filters",
    more_info: 'https://www.twilio.com/docs/errors/20001',
    status: 400,
  };

  it('rejects a token with another pageSize, including the default', async () => {
    const { conversationId } = seedConversation(emulator, 5);
    const token = (await list(conversationId, 'pageSize=2')).body.meta.nextToken;
    for (const query of [`pageSize=3&pageToken=${token}`, `pageToken=${token}`]) {
      const response = await list(conversationId, query);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(rejected);
    }
    expect((await list(conversationId, `pageSize=2&pageToken=${token}`)).status).toBe(200);
  });

  it('rejects a token with other filters', async () => {
    Array.from({ length: 3 }, () => emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }));
    const token = (await call(emulator, 'GET', '/v2/Conversations?status=ACTIVE&pageSize=1')).body.meta.nextToken;
    for (const query of ['', 'status=CLOSED&', 'status=ACTIVE&status=CLOSED&', 'status=ACTIVE&channelId=x&']) {
      const response = await call(emulator, 'GET', `/v2/Conversations?${query}pageSize=1&pageToken=${token}`);
      expect(response.status, query).toBe(400);
      expect(response.body).toEqual(rejected);
    }
    const { conversationId } = seedConversation(emulator, 3);
    emulator.data.createCommunication(ACCOUNT, conversationId, { ...textBody('x'), channelId: 'A' });
    const filtered = (await list(conversationId, 'pageSize=1')).body.meta.nextToken;
    expect((await list(conversationId, `channelId=A&pageSize=1&pageToken=${filtered}`)).status).toBe(400);
  });

  it('rejects a token from another list, conversation or account', async () => {
    const a = seedConversation(emulator, 3).conversationId;
    const b = seedConversation(emulator, 3).conversationId;
    emulator.data.createParticipant(ACCOUNT, a, { addresses: [] });
    emulator.data.createParticipant(ACCOUNT, a, { addresses: [] });
    const token = (await list(a, 'pageSize=1')).body.meta.nextToken;
    expect((await list(b, `pageSize=1&pageToken=${token}`)).status).toBe(400);
    expect((await call(emulator, 'GET', `/v2/Conversations/${a}/Participants?pageSize=1&pageToken=${token}`)).status).toBe(400);
    expect((await call(emulator, 'GET', `/v2/Conversations?pageSize=1&pageToken=${token}`)).status).toBe(400);

    const otherAccount = `AC${'f'.repeat(32)}`;
    const own = seedConversation(emulator, 3, otherAccount).conversationId;
    const foreign = (await call(emulator, 'GET', `/v2/Conversations/${own}/Communications?pageSize=1`, { auth: [otherAccount, 'x'] })).body
      .meta.nextToken;
    expect((await list(a, `pageSize=1&pageToken=${foreign}`)).status).toBe(400);
  });

  it('rejects tampered and garbage tokens', async () => {
    const { conversationId } = seedConversation(emulator, 5);
    const token: string = (await list(conversationId, 'pageSize=2')).body.meta.nextToken;
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(/"n"/, '"p"')).toString('base64url');
    const flipped = signature.slice(0, -1) + (signature.endsWith('A') ? 'B' : 'A');
    for (const bad of [`${forged}.${signature}`, `${payload}.${flipped}`, payload, `${token}.x`, '', 'eyJwYWdlIjoyfQ', '%%%']) {
      const response = await list(conversationId, `pageSize=2&pageToken=${encodeURIComponent(bad)}`);
      expect(response.status, bad).toBe(400);
      expect(response.body).toEqual(rejected);
    }
  });
});
