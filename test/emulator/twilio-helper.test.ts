// Fidelity: Twilio's own Node helper library (v6) drives the emulator through client.conversations.v2,
// with its HTTP client pointed at the emulator instead of https://conversations.twilio.com.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONVERSATIONS, DEMO_LONG_CONVERSATION, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, CONFIGURATION_ID, DEMO_SID, DEMO_TOKEN, PASSWORD } from './helpers.ts';

const TWILIO_URL = 'https://conversations.twilio.com';

/** The library's own RequestClient, with Twilio's host swapped for the emulator. */
class EmulatorRequestClient extends twilio.RequestClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    super();
    this.#baseUrl = baseUrl;
  }

  override request<TData>(options: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...options, uri: options.uri.replace(TWILIO_URL, this.#baseUrl) });
  }
}

let emulator: Emulator;
let client: twilio.Twilio;
let demo: twilio.Twilio;
beforeAll(async () => {
  emulator = await startEmulator();
  client = twilio(ACCOUNT, PASSWORD, { httpClient: new EmulatorRequestClient(emulator.url) });
  demo = twilio(DEMO_SID, DEMO_TOKEN, { httpClient: new EmulatorRequestClient(emulator.url) });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.data.reset();
  emulator.requests.clear();
});

describe('twilio-node v6 against the emulator', () => {
  it('creates a conversation, a participant and communications, and fetches them back', async () => {
    const created = await client.conversations.v2.conversations.create({
      configurationId: CONFIGURATION_ID,
      name: 'From twilio-node',
      metadata: { ticket: 'T-9' },
    });
    // The library types every field as optional.
    const conversation = { ...created.toJSON(), id: created.id! };
    expect(conversation.id).toMatch(/^conv_conversation_/);
    expect(conversation.accountId).toBe(ACCOUNT);
    expect(conversation.status).toBe('ACTIVE');
    expect(conversation.createdAt).toBeInstanceOf(Date);

    const participant = await client.conversations.v2.participants(conversation.id).create({
      name: 'Ann',
      type: 'CUSTOMER',
      addresses: [{ channel: 'SMS', address: '+15005550001' }],
    });
    expect(participant.conversationId).toBe(conversation.id);
    expect(participant.addresses).toEqual([expect.objectContaining({ channel: 'SMS', address: '+15005550001' })]);

    const communication = await client.conversations.v2.communications(conversation.id).create(
      {
        author: { address: '+15005550001', channel: 'SMS', participantId: participant.id },
        recipients: [{ address: '+15005550002', channel: 'SMS' }],
        content: { type: 'TEXT', text: 'Hello from the helper library' },
        resourceId: 'SM-helper-1',
      },
      { 'Idempotency-Key': '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11' },
    );
    expect(communication.content.text).toBe('Hello from the helper library');
    expect(communication.author.participantId).toBe(participant.id);
    expect(emulator.requests.entries().at(-1)).toMatchObject({
      method: 'POST',
      idempotencyKey: '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11',
      status: 201,
    });

    const fetched = await client.conversations.v2.conversations(conversation.id).fetch();
    expect(fetched.toJSON()).toMatchObject({ id: conversation.id, name: 'From twilio-node', metadata: { ticket: 'T-9' } });
    const fetchedParticipant = await client.conversations.v2.participants(conversation.id, participant.id).fetch();
    expect(fetchedParticipant.name).toBe('Ann');
    const fetchedCommunication = await client.conversations.v2.communications(conversation.id, communication.id).fetch();
    expect(fetchedCommunication.id).toBe(communication.id);
    expect(fetchedCommunication.recipients?.[0]?.address).toBe('+15005550002');
  });

  it('pages through a long list with the library’s own token paging (list and each)', async () => {
    const all = await demo.conversations.v2.communications(DEMO_LONG_CONVERSATION).list({ pageSize: 25 });
    const expected = emulator.requests.count({ method: 'GET' });
    expect(all.length).toBeGreaterThanOrEqual(120);
    expect(expected).toBe(Math.ceil(all.length / 25));
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(all.map((c) => c.createdAt.getTime())).toEqual([...all.map((c) => c.createdAt.getTime())].sort((a, b) => a - b));
    // Every follow-up request carried the token together with the same pageSize.
    const follow = emulator.requests.entries().slice(1);
    expect(follow.every((r) => r.query.pageSize?.[0] === '25' && r.query.pageToken?.length === 1)).toBe(true);

    emulator.requests.clear();
    const limited = await demo.conversations.v2.communications(DEMO_LONG_CONVERSATION).list({ pageSize: 10, limit: 35 });
    expect(limited.map((c) => c.id)).toEqual(all.slice(0, 35).map((c) => c.id));
    expect(emulator.requests.count()).toBe(4);

    const seen: string[] = [];
    await demo.conversations.v2.participants(DEMO_LONG_CONVERSATION).each({ pageSize: 2 }, (p) => {
      seen.push(p.name ?? '');
    });
    expect(seen).toEqual([
      'Elena Petrova',
      'Nova (virtual assistant)',
      'Marcus Reed',
      'Aisha Karim',
      'Luis Ortega',
      'Northwind Fiber status alerts',
    ]);
  });

  it('pages by hand with nextPage and previousPage', async () => {
    const first = await demo.conversations.v2.conversations.page({ pageSize: 2 });
    expect(first.instances).toHaveLength(2);
    expect(first.previousToken).toBeUndefined();
    const second = await first.nextPage();
    const back = await second!.previousPage();
    expect(back!.instances.map((c) => c.id)).toEqual(first.instances.map((c) => c.id));
  });

  it('lists conversations with the status filter as repeated keys', async () => {
    const closedOrInactive = await demo.conversations.v2.conversations.list({ status: ['CLOSED', 'INACTIVE'] });
    expect(closedOrInactive.map((c) => c.id).sort()).toEqual([DEMO_CONVERSATIONS.closedReminder, DEMO_CONVERSATIONS.voiceBilling].sort());
    expect(emulator.requests.entries()[0]!.query.status).toEqual(['CLOSED', 'INACTIVE']);
  });

  it('updates (PUT), patches and deletes a conversation, and updates a participant', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID, metadata: { a: '1' } });
    const updated = await client.conversations.v2.conversations(id).update({ status: 'INACTIVE', name: 'Put' });
    expect([updated.status, updated.name]).toEqual(['INACTIVE', 'Put']);
    const patched = await client.conversations.v2.conversations(id).patch({ metadata: { b: '2' } });
    expect(patched.metadata).toEqual({ a: '1', b: '2' });
    const participant = emulator.data.createParticipant(ACCOUNT, id, { addresses: [] });
    const renamed = await client.conversations.v2.participants(id, participant.id).update({ name: 'Renamed' });
    expect(renamed.name).toBe('Renamed');
    await client.conversations.v2.conversations(id).remove();
    expect(emulator.requests.entries().at(-1)).toMatchObject({ method: 'DELETE', status: 202 });
    await expect(client.conversations.v2.conversations(id).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('surfaces the emulator’s Twilio-shaped errors as RestExceptions', async () => {
    const { id } = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID });
    const error = await client.conversations.v2
      .communications(id)
      .create({ author: { address: '+15005550001', channel: 'SMS' }, recipients: [], content: { type: 'TEXT', text: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      code: 20001,
      message: "Invalid parameter 'recipients': must contain at least 1 item(s)",
      moreInfo: 'https://www.twilio.com/docs/errors/20001',
    });
    const wrongPassword = twilio(ACCOUNT, 'not-the-password', { httpClient: new EmulatorRequestClient(emulator.url) });
    await expect(wrongPassword.conversations.v2.conversations.list()).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});
