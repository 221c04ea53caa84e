// The demo data: its shape, and that it is the same on every start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_CONFIGURATION_ID,
  DEMO_CONVERSATIONS,
  DEMO_LONG_CONVERSATION,
  DEMO_PARTICIPANTS,
  demoExample,
  startEmulator,
  type Emulator,
} from '../../src/emulator/index.ts';
import { call, DEMO_SID, DEMO_TOKEN } from './helpers.ts';

let emulator: Emulator;
const auth: [string, string] = [DEMO_SID, DEMO_TOKEN];
const get = (path: string) => call(emulator, 'GET', path, { auth }).then((r) => r.body);

let conversations: any[];
let participants: any[];
let communications: any[];
beforeAll(async () => {
  emulator = await startEmulator();
  conversations = (await get('/v2/Conversations?pageSize=1000')).conversations;
  participants = [];
  communications = [];
  for (const c of conversations) {
    participants.push(...(await get(`/v2/Conversations/${c.id}/Participants?pageSize=1000`)).participants);
    communications.push(...(await get(`/v2/Conversations/${c.id}/Communications?pageSize=1000`)).communications);
  }
});
afterAll(() => emulator.close());

describe('demo data', () => {
  it('has the exported conversations, with one CLOSED and one INACTIVE', () => {
    expect(conversations.map((c) => c.id).sort()).toEqual(Object.values(DEMO_CONVERSATIONS).sort());
    expect(conversations.filter((c) => c.status === 'CLOSED').map((c) => c.id)).toEqual([DEMO_CONVERSATIONS.closedReminder]);
    expect(conversations.filter((c) => c.status === 'INACTIVE').map((c) => c.id)).toEqual([DEMO_CONVERSATIONS.voiceBilling]);
    expect(conversations.every((c) => c.configurationId === DEMO_CONFIGURATION_ID && c.accountId === DEMO_SID)).toBe(true);
  });

  it('covers SMS, WhatsApp and voice, and every participant type with names and addresses', () => {
    expect(new Set(communications.map((c) => c.author.channel))).toEqual(new Set(['SMS', 'WHATSAPP', 'VOICE']));
    expect(new Set(participants.map((p) => p.type))).toEqual(new Set(['HUMAN_AGENT', 'CUSTOMER', 'AI_AGENT', 'AGENT', 'UNKNOWN']));
    expect(participants.map((p) => p.id).sort()).toEqual(Object.values(DEMO_PARTICIPANTS).sort());
    expect(participants.every((p) => p.addresses.length > 0)).toBe(true);
    expect(participants.filter((p) => p.type === 'CUSTOMER').every((p) => /^mem_profile_/.test(p.profileId))).toBe(true);
  });

  it('has transcriptions with channel, confidence, engine and word timings', () => {
    const transcriptions = communications.filter((c) => c.content.type === 'TRANSCRIPTION');
    expect(transcriptions.length).toBeGreaterThanOrEqual(5);
    for (const { content, occurredAt } of transcriptions) {
      expect(content.transcription).toMatchObject({ channel: expect.any(Number), confidence: expect.any(Number), engine: 'twilio' });
      const words = content.transcription.words;
      expect(words.map((w: any) => w.text).join(' ')).toBe(content.text);
      expect(Date.parse(words[0].startTime)).toBe(Date.parse(occurredAt));
      for (const w of words) expect(Date.parse(w.endTime)).toBeGreaterThan(Date.parse(w.startTime));
    }
  });

  it('has a long conversation with several authors and delivery statuses on recipients', async () => {
    const long = communications.filter((c) => c.conversationId === DEMO_LONG_CONVERSATION);
    expect(long.length).toBeGreaterThanOrEqual(120);
    expect(new Set(long.map((c) => c.author.participantId)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(communications.flatMap((c) => c.recipients.map((r: any) => r.deliveryStatus)))).toEqual(
      new Set(['DELIVERED', 'READ', 'FAILED', 'IN_PROGRESS']),
    );
  });

  it('lists everything oldest first, ids and createdAt agreeing', () => {
    for (const items of [conversations, ...conversations.map((c) => communications.filter((m) => m.conversationId === c.id))]) {
      const sorted = [...items].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
      expect(items.map((i) => i.id)).toEqual(sorted.map((i) => i.id));
      expect(items.map((i) => i.id)).toEqual([...items.map((i) => i.id)].sort());
    }
  });

  it('is the same on every start, and new resources sort after it', async () => {
    const again = await startEmulator();
    try {
      const long = `/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=1000`;
      expect((await call(again, 'GET', long, { auth })).body.communications).toEqual(
        communications.filter((c) => c.conversationId === DEMO_LONG_CONVERSATION),
      );
      const { author, recipient } = demoExample();
      const created = again.data.createCommunication(DEMO_SID, DEMO_LONG_CONVERSATION, {
        author: { address: author.address, channel: author.channel, participantId: author.participantSid },
        recipients: [{ address: recipient.address, channel: recipient.channel, participantId: recipient.participantSid }],
        content: { type: 'TEXT', text: 'new' },
      });
      const listed = (await call(again, 'GET', long, { auth })).body.communications;
      expect(listed.at(-1).id).toBe(created.id);
    } finally {
      await again.close();
    }
  });

  it('offers a GraphiQL example that names demo participants, the demo configuration and a conversation to close', () => {
    expect(demoExample()).toEqual({
      conversationSid: DEMO_LONG_CONVERSATION,
      author: { address: '+18005550177', channel: 'SMS', participantSid: DEMO_PARTICIPANTS.marcus },
      recipient: { address: '+16175550148', channel: 'SMS', participantSid: DEMO_PARTICIPANTS.elena },
      configurationSid: DEMO_CONFIGURATION_ID,
      joiningAgent: { name: 'Ravi Shah', type: 'HUMAN_AGENT', addresses: [{ address: '+18005550177', channel: 'SMS' }] },
      conversationToCloseSid: DEMO_CONVERSATIONS.voiceBilling,
    });
    // The conversation to close is none of the others the example names.
    expect(demoExample().conversationToCloseSid).not.toBe(DEMO_LONG_CONVERSATION);
  });
});
