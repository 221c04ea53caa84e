// The emulator delivers status callbacks as Twilio does: every event type, signed so that Twilio's own
// validateRequestWithBody accepts it (and refuses another token or an altered body), with an
// I-Twilio-Idempotency-Token per delivery, retried on failure, never blocking the REST answer, only to
// loopback URLs; and the delivery faults (duplicate, reorder, delay, drop). Tests wait on the delivery
// log (webhooks.idle / waitFor), never on time.
import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIGURATION_ID, DEMO_LONG_CONVERSATION, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, DEMO_SID, DEMO_TOKEN, PASSWORD, textBody } from './helpers.ts';
import { startReceiver, type Received, type Receiver } from './webhook-receiver.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const demo: [string, string] = [DEMO_SID, DEMO_TOKEN];

let emulator: Emulator;
let receiver: Receiver;
beforeAll(async () => {
  emulator = await startEmulator({ webhooks: { maxAttempts: 3, retryBaseMs: 1 } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await emulator.close();
  await receiver.close();
});
beforeEach(() => {
  emulator.data.reset();
  emulator.webhooks.faults.clear();
  receiver.reset();
});

const valid = (token: string, request: Received, url = request.fullUrl, body = request.body) =>
  twilio.validateRequestWithBody(token, String(request.headers['x-twilio-signature']), url, body);
const event = (request: Received) => JSON.parse(request.body) as { eventType: string; timestamp: string; data: any };

/** A configuration of ACCOUNT whose statusCallbacks are `paths` on the receiver; its id. */
async function configurationWithCallbacks(...paths: string[]): Promise<string> {
  const created = await call(emulator, 'POST', '/v2/ControlPlane/Configurations', {
    body: {
      displayName: 'Hooks',
      description: '',
      conversationGroupingType: 'GROUP_BY_PROFILE',
      memoryStoreId: 'm',
      statusCallbacks: paths.map((path) => ({ url: receiver.base + path })),
    },
  });
  return created.body.related.configurationId;
}

/** Such a configuration, and a conversation naming it, with the deliveries of its creation cleared. */
async function conversationWithCallbacks(...paths: string[]): Promise<{ configurationId: string; conversationId: string }> {
  const configurationId = await configurationWithCallbacks(...paths);
  const conversation = await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId } });
  await emulator.webhooks.idle();
  receiver.reset();
  emulator.webhooks.clear();
  return { configurationId, conversationId: conversation.body.id };
}

const send = (conversationId: string, text: string, extra: Record<string, unknown> = {}) =>
  call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body: { ...textBody(text), ...extra } });

describe('status callbacks', () => {
  it('deliver every event type with the resource as the REST API returns it, signed as Twilio signs', async () => {
    const configurationId = await configurationWithCallbacks('/hooks');
    const ann = { name: 'Ann', type: 'CUSTOMER', addresses: [{ channel: 'SMS', address: '+15005550001' }] };
    const conversation = (
      await call(emulator, 'POST', '/v2/Conversations', { body: { configurationId, name: 'Hooked', participants: [ann] } })
    ).body;
    const base = `/v2/Conversations/${conversation.id}`;
    const bo = (
      await call(emulator, 'POST', `${base}/Participants`, {
        body: { name: 'Bo', type: 'HUMAN_AGENT', addresses: [{ channel: 'SMS', address: '+15005550002' }] },
      })
    ).body;
    const bob = (await call(emulator, 'PUT', `${base}/Participants/${bo.id}`, { body: { name: 'Bob' } })).body;
    const sent = (await send(conversation.id, 'hello', { resourceId: 'SM1' })).body;
    const edited = await send(conversation.id, 'hello, edited', { resourceId: 'SM1' });
    expect(edited.status).toBe(200);
    const updated = (await call(emulator, 'PATCH', base, { body: { status: 'INACTIVE' } })).body;
    const removed = emulator.data.removeParticipant(ACCOUNT, conversation.id, bo.id);
    await emulator.webhooks.idle();

    const { participants, ...conversationAsFetched } = conversation;
    const expected = [
      ['CONVERSATION_CREATED', conversationAsFetched],
      ['PARTICIPANT_ADDED', participants[0]],
      ['PARTICIPANT_ADDED', bo],
      ['PARTICIPANT_UPDATED', bob],
      ['COMMUNICATION_CREATED', sent],
      ['COMMUNICATION_UPDATED', edited.body],
      ['CONVERSATION_UPDATED', updated],
      ['PARTICIPANT_REMOVED', bob],
    ];
    expect(removed).toEqual(bob);
    // One callback URL, no faults: one request at a time, in the order of the changes.
    expect(receiver.received.map((r) => [event(r).eventType, event(r).data])).toEqual(expected);
    for (const request of receiver.received) {
      const hash = createHash('sha256').update(request.body).digest('hex');
      expect(request.method).toBe('POST');
      expect(request.url).toBe(`/hooks?bodySHA256=${hash}`);
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'TwilioProxy/1.1',
        'i-twilio-idempotency-token': expect.stringMatching(UUID),
      });
      expect(valid(PASSWORD, request)).toBe(true);
      expect(valid('another-token', request)).toBe(false);
      expect(valid(PASSWORD, request, request.fullUrl.replace('/hooks', '/other'))).toBe(false);
      expect(valid(PASSWORD, request, request.fullUrl, request.body.replace('"data":{', '"data":{"x":1,'))).toBe(false);
      const { eventType, timestamp, data } = event(request);
      expect(Object.keys(event(request))).toEqual(['eventType', 'timestamp', 'data']);
      expect(timestamp).toEqual(eventType === 'PARTICIPANT_REMOVED' ? expect.stringMatching(/^\d{4}-.*Z$/) : data.updatedAt);
    }
    const tokens = receiver.received.map((r) => r.headers['i-twilio-idempotency-token']);
    expect(new Set(tokens).size).toBe(8);
    const log = emulator.webhooks.deliveries();
    expect(log.map((d) => [d.token, d.state, d.attempts, d.sent, d.lastStatus, d.url, d.accountId])).toEqual(
      tokens.map((token) => [token, 'delivered', 1, 1, 204, `${receiver.base}/hooks`, ACCOUNT]),
    );
  });

  it('append bodySHA256 after an existing query with &, and pin localhost to 127.0.0.1', async () => {
    const port = new URL(receiver.base).port;
    const { conversationId } = await conversationWithCallbacks('/q?tenant=acme');
    await call(emulator, 'PATCH', `/v2/Conversations/${conversationId}`, {
      body: { configuration: { statusCallbacks: [{ url: `${receiver.base}/q?tenant=acme` }, { url: `http://localhost:${port}/local` }] } },
    });
    await emulator.webhooks.idle();
    const [local, query] = [...receiver.received].sort((a, b) => a.url.localeCompare(b.url));
    expect(query!.url).toMatch(/^\/q\?tenant=acme&bodySHA256=[0-9a-f]{64}$/);
    expect(valid(PASSWORD, query!)).toBe(true);
    expect(local!.url).toMatch(/^\/local\?bodySHA256=/);
    expect(valid(PASSWORD, local!, `http://localhost:${port}${local!.url}`)).toBe(true);
    expect(valid(PASSWORD, local!)).toBe(false); // signed for the URL as configured
  });

  it("go to the conversation's own callbacks when it has some, else to its configuration's; each URL once", async () => {
    const { configurationId, conversationId } = await conversationWithCallbacks('/config');
    const paths = () => receiver.received.map((r) => r.url.split('?')[0]).sort();
    const patch = async (body: unknown) => {
      await call(emulator, 'PATCH', `/v2/Conversations/${conversationId}`, { body });
      await emulator.webhooks.idle();
      const seen = paths();
      receiver.reset();
      return seen;
    };
    expect(await patch({ name: 'a' })).toEqual(['/config']);
    const own = [{ url: `${receiver.base}/b` }, { url: `${receiver.base}/b`, method: 'POST' }, { url: `${receiver.base}/c` }];
    expect(await patch({ configuration: { statusCallbacks: own } })).toEqual(['/b', '/c']);
    expect(await patch({ configuration: { statusCallbacks: [] } })).toEqual([]); // "an empty array … stops webhook delivery"
    expect(await patch({ configuration: { statusCallbacks: null } })).toEqual(['/config']);
    await call(emulator, 'PATCH', `/v2/ControlPlane/Configurations/${configurationId}`, {
      body: { statusCallbacks: [{ url: `${receiver.base}/moved` }] },
    });
    expect(await patch({ name: 'b' })).toEqual(['/moved']); // the configuration is read at each event
  });

  it('never hold up the REST answer: the communication is created while its webhook is still in flight', async () => {
    const { conversationId } = await conversationWithCallbacks('/slow');
    const held = receiver.hold();
    const created = await send(conversationId, 'fast');
    expect(created.status).toBe(201);
    await held.arrived;
    expect(emulator.webhooks.deliveries().map((d) => [d.resourceId, d.state])).toEqual([[created.body.id, 'sending']]);
    held.release(200);
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries().map((d) => d.state)).toEqual(['delivered']);
  });

  it('retry a failed delivery with the same token and signature, at least once, until maxAttempts', async () => {
    const { conversationId } = await conversationWithCallbacks('/flaky');
    receiver.script(503, 500);
    await send(conversationId, 'eventually');
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(3);
    const [first] = receiver.received;
    for (const request of receiver.received) {
      expect([request.url, request.body, request.headers['x-twilio-signature'], request.headers['i-twilio-idempotency-token']]).toEqual([
        first!.url,
        first!.body,
        first!.headers['x-twilio-signature'],
        first!.headers['i-twilio-idempotency-token'],
      ]);
    }
    expect(emulator.webhooks.deliveries()).toEqual([
      expect.objectContaining({ state: 'delivered', attempts: 3, sent: 1, lastStatus: 204 }),
    ]);

    receiver.answerAll(500);
    emulator.webhooks.clear();
    await send(conversationId, 'never');
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries()).toEqual([
      expect.objectContaining({ state: 'failed', attempts: 3, sent: 0, lastStatus: 500, lastError: 'answered 500' }),
    ]);
  });

  it('are not sent for a conversation DELETE, a configuration change or an idempotent replay', async () => {
    const { configurationId, conversationId } = await conversationWithCallbacks('/quiet');
    const headers = { 'idempotency-key': '7d9b3f0a-1c2e-4b5d-8e6f-0a1b2c3d4e5f' };
    await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body: textBody('once'), headers });
    await emulator.webhooks.idle();
    const replay = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body: textBody('once'), headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await call(emulator, 'PATCH', `/v2/ControlPlane/Configurations/${configurationId}`, { body: { description: 'changed' } });
    expect((await call(emulator, 'DELETE', `/v2/Conversations/${conversationId}`)).status).toBe(202);
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries().map((d) => d.eventType)).toEqual(['COMMUNICATION_CREATED']);
  });

  it('treat a redirect as a failure (not followed) and an attempt past timeoutMs as failed', async () => {
    const { conversationId } = await conversationWithCallbacks('/moved');
    receiver.answerAll(302);
    await send(conversationId, 'redirected');
    await emulator.webhooks.idle();
    expect(emulator.webhooks.deliveries()).toEqual([expect.objectContaining({ state: 'failed', attempts: 3, lastError: 'answered 302' })]);
    expect(receiver.received.map((r) => r.url.split('?')[0])).toEqual(['/moved', '/moved', '/moved']);

    receiver.reset();
    const impatient = await startEmulator({ demoStatusCallbackUrl: `${receiver.base}/slow`, webhooks: { timeoutMs: 100, maxAttempts: 1 } });
    try {
      const held = receiver.hold();
      await call(impatient, 'POST', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`, { auth: demo, body: textBody('slow') });
      await impatient.webhooks.idle();
      expect(impatient.webhooks.deliveries()).toEqual([
        expect.objectContaining({ state: 'failed', attempts: 1, lastError: expect.stringMatching(/timeout/i) }),
      ]);
      held.release(204);
    } finally {
      await impatient.close();
    }
  });

  it('are refused, contacting nothing, for non-loopback URLs, GET callbacks and accounts without a known token', async () => {
    const { conversationId } = await conversationWithCallbacks('/unused');
    const withCredentials = receiver.base.replace('http://', 'http://user:pw@');
    const callbacks = [
      { url: 'http://192.0.2.1/hook' },
      { url: 'https://example.com/h' },
      { url: `${receiver.base}/get`, method: 'GET' },
      { url: `${withCredentials}/x` },
    ];
    await call(emulator, 'PATCH', `/v2/Conversations/${conversationId}`, { body: { configuration: { statusCallbacks: callbacks } } });
    expect(emulator.webhooks.deliveries().map((d) => [d.url, d.state, d.attempts, d.lastError])).toEqual([
      [
        'http://192.0.2.1/hook',
        'refused',
        0,
        '192.0.2.1 is not a loopback address: the emulator only delivers to 127.0.0.0/8, [::1] and localhost',
      ],
      [
        'https://example.com/h',
        'refused',
        0,
        'example.com is not a loopback address: the emulator only delivers to 127.0.0.0/8, [::1] and localhost',
      ],
      [`${receiver.base}/get`, 'refused', 0, 'GET status callbacks are not emulated: the emulator POSTs JSON'],
      [`${withCredentials}/x`, 'refused', 0, 'credentials in the URL are not supported'],
    ]);
    const stranger = `AC${'5'.repeat(32)}`; // never authenticated: its auth token is unknown
    emulator.data.insertRaw(stranger, 'conversations', {
      id: 'conv_conversation_stranger',
      configurationId: DEMO_CONFIGURATION_ID,
      configuration: { statusCallbacks: [{ url: `${receiver.base}/x` }] },
    });
    emulator.data.createCommunication(stranger, 'conv_conversation_stranger', textBody('unsigned'));
    expect(emulator.webhooks.deliveries().at(-1)).toMatchObject({
      state: 'refused',
      lastError: 'no auth token to sign with: the account never authenticated over HTTP',
    });
    expect([emulator.webhooks.pending(), receiver.received.length]).toEqual([0, 0]);
  });

  it('of the demo account are signed with its token; setDemoStatusCallback wires the demo configuration and survives a reset', async () => {
    try {
      emulator.webhooks.setDemoStatusCallback(`${receiver.base}/facade`);
      const sent = await call(emulator, 'POST', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`, {
        auth: demo,
        body: textBody('live'),
      });
      const [delivered] = await emulator.webhooks.waitFor((d) => d.state === 'delivered');
      expect([delivered!.resourceId, delivered!.accountId]).toEqual([sent.body.id, DEMO_SID]);
      expect(valid(DEMO_TOKEN, receiver.received[0]!)).toBe(true);
      emulator.data.reset();
      const configuration = (await call(emulator, 'GET', `/v2/ControlPlane/Configurations/${DEMO_CONFIGURATION_ID}`, { auth: demo })).body;
      expect(configuration.statusCallbacks).toEqual([{ url: `${receiver.base}/facade`, method: 'POST' }]);
    } finally {
      emulator.webhooks.setDemoStatusCallback(null);
    }
    await call(emulator, 'POST', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`, { auth: demo, body: textBody('quiet') });
    expect(emulator.webhooks.deliveries()).toEqual([]);
  });

  it('use the configured demo token and demoStatusCallbackUrl from the start', async () => {
    const own = await startEmulator({ demoAuthToken: 'demo-secret', demoStatusCallbackUrl: `${receiver.base}/start` });
    try {
      await call(own, 'POST', `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications`, {
        auth: [DEMO_SID, 'demo-secret'],
        body: textBody('hi'),
      });
      await own.webhooks.idle();
      expect(receiver.received).toHaveLength(1);
      expect(valid('demo-secret', receiver.received[0]!)).toBe(true);
      expect(valid(DEMO_TOKEN, receiver.received[0]!)).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('are cancelled by a reset: their data is gone', async () => {
    const { conversationId } = await conversationWithCallbacks('/held');
    const held = receiver.hold();
    await send(conversationId, 'about to vanish');
    await held.arrived;
    emulator.data.reset();
    expect([emulator.webhooks.pending(), emulator.webhooks.deliveries()]).toEqual([0, []]);
    held.release(500); // would be retried, had it not been cancelled
    await emulator.webhooks.idle();
    expect([receiver.received.length, emulator.webhooks.deliveries()]).toEqual([1, []]);
  });
});

describe('delivery faults', () => {
  const ids = (requests = receiver.received) => requests.map((r) => event(r).data.id);

  it('duplicate: the same delivery (token, signature, body) arrives copies + 1 times', async () => {
    const { conversationId } = await conversationWithCallbacks('/dup');
    emulator.webhooks.faults.enqueue({ kind: 'duplicate', copies: 2 });
    const sent = (await send(conversationId, 'twice')).body;
    await emulator.webhooks.idle();
    expect(ids()).toEqual([sent.id, sent.id, sent.id]);
    expect(
      new Set(receiver.received.map((r) => `${r.headers['i-twilio-idempotency-token']} ${r.headers['x-twilio-signature']} ${r.body}`)).size,
    ).toBe(1);
    expect(emulator.webhooks.deliveries()).toEqual([
      expect.objectContaining({ state: 'delivered', sent: 3, attempts: 3, fault: 'duplicate' }),
    ]);
  });

  // Changes made in-process in one synchronous run reach the dispatcher before any timer can fire.
  const createAll = (conversationId: string, texts: string[]) =>
    texts.map((text) => emulator.data.createCommunication(ACCOUNT, conversationId, textBody(text)).id);

  it('reorder: the next `count` deliveries are held and released in reverse; a short group is released after holdMs', async () => {
    const { conversationId } = await conversationWithCallbacks('/reorder');
    emulator.webhooks.faults.enqueue({ kind: 'reorder', count: 3 });
    const sent = createAll(conversationId, ['one', 'two', 'three']);
    await emulator.webhooks.idle();
    expect(ids()).toEqual(sent.slice().reverse());
    expect(emulator.webhooks.deliveries().map((d) => d.fault)).toEqual(['reorder', 'reorder', 'reorder']);

    receiver.reset();
    emulator.webhooks.faults.enqueue({ kind: 'reorder', count: 10, holdMs: 50 });
    const short = createAll(conversationId, ['four', 'five']);
    expect(
      emulator.webhooks
        .deliveries()
        .slice(-2)
        .map((d) => d.state),
    ).toEqual(['held', 'held']);
    await emulator.webhooks.idle();
    expect(ids()).toEqual(short.slice().reverse());
  });

  it('reorder with order shuffle delivers every held delivery once', async () => {
    const { conversationId } = await conversationWithCallbacks('/shuffle');
    emulator.webhooks.faults.set({ seed: 42 });
    emulator.webhooks.faults.enqueue({ kind: 'reorder', count: 5, order: 'shuffle' });
    const sent = createAll(conversationId, ['m0', 'm1', 'm2', 'm3', 'm4']);
    await emulator.webhooks.idle();
    expect(ids().slice().sort()).toEqual(sent.slice().sort());
  });

  it('delay: a delayed delivery is overtaken by later ones, and arrives after its delay', async () => {
    const { conversationId } = await conversationWithCallbacks('/delay');
    emulator.webhooks.faults.enqueue({ kind: 'delay', ms: 60_000, match: { eventType: 'COMMUNICATION_CREATED', url: '*/delay' } });
    const [late, onTime] = createAll(conversationId, ['late', 'on time']);
    await emulator.webhooks.waitFor((d) => d.resourceId === onTime && d.state === 'delivered');
    expect(emulator.webhooks.deliveries().map((d) => [d.resourceId, d.state, d.fault])).toEqual([
      [late, 'delayed', 'delay'],
      [onTime, 'delivered', undefined],
    ]);
    expect(ids()).toEqual([onTime]);

    emulator.webhooks.faults.enqueue({ kind: 'delay', ms: 50 });
    const [delayed] = createAll(conversationId, ['delayed by 50 ms']);
    const [arrived] = await emulator.webhooks.waitFor((d) => d.resourceId === delayed && d.state === 'delivered');
    expect(arrived!.settledAt! - arrived!.createdAt).toBeGreaterThanOrEqual(50);
    expect(ids()).toEqual([onTime, delayed]);
  });

  it('drop: never delivered, logged as dropped; the next delivery is unaffected', async () => {
    const { conversationId } = await conversationWithCallbacks('/drop');
    emulator.webhooks.faults.enqueue({ kind: 'drop', match: { eventType: 'COMMUNICATION_CREATED' } });
    const dropped = (await send(conversationId, 'lost')).body.id;
    const kept = (await send(conversationId, 'kept')).body.id;
    await emulator.webhooks.idle();
    expect(ids()).toEqual([kept]);
    expect(emulator.webhooks.deliveries().map((d) => [d.resourceId, d.state, d.attempts])).toEqual([
      [dropped, 'dropped', 0],
      [kept, 'delivered', 1],
    ]);
  });

  it('standing rates apply to every delivery; rates adding up to more than 1 are refused', async () => {
    const { conversationId } = await conversationWithCallbacks('/rates');
    emulator.webhooks.faults.set({ duplicateRate: 1 });
    await send(conversationId, 'a');
    await send(conversationId, 'b');
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(4);
    emulator.webhooks.faults.set({ dropRate: 1 });
    await send(conversationId, 'c');
    await emulator.webhooks.idle();
    expect(receiver.received).toHaveLength(4);
    expect(() => emulator.webhooks.faults.set({ dropRate: 0.7, duplicateRate: 0.5 })).toThrow(/add up to more than 1/);
  });
});

describe('/__emulator/webhooks', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator.url}/__emulator/${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  it('queues and clears faults, waits until idle, shows and clears the log', async () => {
    const { conversationId } = await conversationWithCallbacks('/control');
    expect((await control('POST', 'webhooks/faults/queue', { kind: 'drop' })).status).toBe(204);
    expect((await control('POST', 'webhooks/faults/queue', { kind: 'explode' })).status).toBe(400);
    expect((await control('POST', 'webhooks/faults/queue', { kind: 'drop', match: { url: '(a+)+$' } })).body.message).toMatch(
      /not a regular expression/,
    );
    expect((await control('PUT', 'webhooks/faults', { dropRate: 2 })).status).toBe(400);
    await send(conversationId, 'dropped');
    await send(conversationId, 'delivered');
    expect((await control('GET', 'webhooks/idle')).status).toBe(204);
    const log = await control('GET', 'webhooks');
    expect([log.body.pending, log.body.deliveries.map((d: any) => d.state)]).toEqual([0, ['dropped', 'delivered']]);
    expect((await control('DELETE', 'webhooks')).status).toBe(204);
    expect((await control('GET', 'webhooks')).body.deliveries).toEqual([]);
    expect((await control('PUT', 'webhooks/faults', { delayRate: 0.5, delayMs: 10, seed: 1 })).status).toBe(204);
    expect((await control('DELETE', 'webhooks/faults')).status).toBe(204);
    expect((await control('POST', 'webhooks')).status).toBe(405);
    expect((await control('GET', 'webhooks/nope')).status).toBe(404);
  });
});

describe('bounds', () => {
  it('deliveries waiting and the log are bounded: beyond, new deliveries are dropped and the oldest entries go', async () => {
    const small = await startEmulator({ seedDemoData: false, webhooks: { maxPending: 2, maxLogged: 3 } });
    try {
      await call(small, 'GET', '/v2/Conversations'); // trust on first use: the account's token is known
      const conversation = small.data.createConversation(ACCOUNT, { configurationId: DEMO_CONFIGURATION_ID });
      const held = receiver.hold();
      await call(small, 'PATCH', `/v2/Conversations/${conversation.id}`, {
        body: { configuration: { statusCallbacks: [{ url: `${receiver.base}/bounded` }] } },
      });
      await held.arrived;
      for (const text of ['a', 'b', 'c']) small.data.createCommunication(ACCOUNT, conversation.id, textBody(text));
      expect(small.webhooks.pending()).toBe(2);
      expect(small.webhooks.deliveries().map((d) => [d.eventType, d.state, d.lastError])).toEqual([
        ['COMMUNICATION_CREATED', 'queued', undefined],
        ['COMMUNICATION_CREATED', 'dropped', 'the delivery queue is full'],
        ['COMMUNICATION_CREATED', 'dropped', 'the delivery queue is full'],
      ]);
      held.release(204);
      await small.webhooks.idle();
      expect(receiver.received).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});
