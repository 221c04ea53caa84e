import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, textBody, twilioError } from './helpers.ts';

let emulator: Emulator;
let conversationId: string;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.data.reset();
  conversationId = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
});

describe('participants', () => {
  it('creates (201), lists, fetches and replaces given fields with PUT', async () => {
    const base = `/v2/Conversations/${conversationId}/Participants`;
    const created = await call(emulator, 'POST', base, {
      body: {
        name: 'Dana S.',
        type: 'CUSTOMER',
        profileId: 'mem_profile_1',
        addresses: [{ channel: 'WHATSAPP', address: 'whatsapp:+18005550100' }],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^conv_participant_[0-9a-z]{26}$/),
      conversationId,
      accountId: ACCOUNT,
      name: 'Dana S.',
      type: 'CUSTOMER',
      profileId: 'mem_profile_1',
      addresses: [{ channel: 'WHATSAPP', address: 'whatsapp:+18005550100' }],
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
    });
    const unnamed = await call(emulator, 'POST', base, { body: { addresses: [] } });
    expect(unnamed.body).toMatchObject({ name: null, type: 'UNKNOWN', addresses: [] });

    const listed = await call(emulator, 'GET', base);
    expect(listed.body).toEqual({ participants: [created.body, unnamed.body], meta: { key: 'participants', pageSize: 2 } });
    expect((await call(emulator, 'GET', `${base}/${created.body.id}`)).body).toEqual(created.body);

    const put = await call(emulator, 'PUT', `${base}/${created.body.id}`, {
      body: { name: 'Dana Smith', addresses: [{ channel: 'SMS', address: '+18005550100' }] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      name: 'Dana Smith',
      type: 'CUSTOMER',
      profileId: 'mem_profile_1',
      addresses: [{ channel: 'SMS', address: '+18005550100' }],
    });
    expect(put.body.updatedAt > put.body.createdAt).toBe(true);
  });

  it('PUT with name: null clears the name and keeps the fields left out', async () => {
    const base = `/v2/Conversations/${conversationId}/Participants`;
    const created = emulator.data.createParticipant(ACCOUNT, conversationId, { name: 'Dana', type: 'AGENT', addresses: [] });
    const put = await call(emulator, 'PUT', `${base}/${created.id}`, { body: { name: null } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: null, type: 'AGENT', addresses: [] });
  });

  it('answers 404 for a participant of another conversation or a missing conversation', async () => {
    const other = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
    const participant = emulator.data.createParticipant(ACCOUNT, other, { addresses: [] });
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Participants/${participant.id}`)).status).toBe(404);
    const missing = await call(emulator, 'POST', '/v2/Conversations/conv_conversation_nope/Participants', { body: { addresses: [] } });
    expect(missing.status).toBe(404);
  });
});

describe('communications', () => {
  it('creates (201) with occurredAt defaulting to the creation time, fetches and lists it', async () => {
    const base = `/v2/Conversations/${conversationId}/Communications`;
    const created = await call(emulator, 'POST', base, { body: { ...textBody('hello'), channelId: 'SM1' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^conv_communication_[0-9a-z]{26}$/),
      conversationId,
      accountId: ACCOUNT,
      author: { address: '+15005550001', channel: 'SMS' },
      content: { type: 'TEXT', text: 'hello' },
      channelId: 'SM1',
      recipients: [{ address: '+15005550002', channel: 'SMS' }],
      createdAt: expect.any(String),
      updatedAt: created.body.createdAt,
      occurredAt: created.body.createdAt,
    });
    expect((await call(emulator, 'GET', `${base}/${created.body.id}`)).body).toEqual(created.body);
    expect((await call(emulator, 'GET', base)).body.communications).toEqual([created.body]);
  });

  it('stores transcription content and a given occurredAt', async () => {
    const created = emulator.data.createCommunication(ACCOUNT, conversationId, {
      author: { address: '+15005550001', channel: 'VOICE' },
      recipients: [{ address: '+15005550002', channel: 'VOICE' }],
      content: { type: 'TRANSCRIPTION', text: 'hi there', transcription: { channel: 0, confidence: 0.91, engine: 'twilio' } },
      occurredAt: '2025-01-02T03:04:05Z',
    });
    expect(created.content).toEqual({
      type: 'TRANSCRIPTION',
      text: 'hi there',
      transcription: { channel: 0, confidence: 0.91, engine: 'twilio' },
    });
    expect(created.occurredAt).toBe('2025-01-02T03:04:05Z');
  });

  it('filters the list by channelId', async () => {
    for (const channelId of ['CA1', 'SM2', 'CA1'])
      emulator.data.createCommunication(ACCOUNT, conversationId, { ...textBody(channelId), channelId });
    const listed = await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications?channelId=CA1`);
    expect(listed.body.communications.map((c: any) => c.content.text)).toEqual(['CA1', 'CA1']);
    expect(listed.body.meta).toEqual({ key: 'communications', pageSize: 2 });
  });

  it('upserts by resourceId: same conversation → 200, updated in place, id and createdAt kept, updatedAt bumped', async () => {
    const base = `/v2/Conversations/${conversationId}/Communications`;
    const first = await call(emulator, 'POST', base, { body: { ...textBody('draft'), resourceId: 'SM-1', channelId: 'SM-1' } });
    expect(first.status).toBe(201);
    const second = await call(emulator, 'POST', base, {
      body: { ...textBody('final', '+15005550003', '+15005550004'), resourceId: 'SM-1' },
    });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      ...first.body,
      author: { address: '+15005550003', channel: 'SMS' },
      content: { type: 'TEXT', text: 'final' },
      recipients: [{ address: '+15005550004', channel: 'SMS' }],
      updatedAt: second.body.updatedAt,
    });
    expect(second.body.updatedAt > first.body.updatedAt).toBe(true);
    const listed = await call(emulator, 'GET', base);
    expect(listed.body.communications).toEqual([second.body]);

    // The same resourceId in another conversation is a different communication.
    const other = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
    const elsewhere = await call(emulator, 'POST', `/v2/Conversations/${other}/Communications`, {
      body: { ...textBody('x'), resourceId: 'SM-1' },
    });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.id).not.toBe(first.body.id);
  });

  it('checks that participantIds belong to the conversation', async () => {
    const participant = emulator.data.createParticipant(ACCOUNT, conversationId, {
      addresses: [{ channel: 'SMS', address: '+15005550001' }],
    });
    const other = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
    const stranger = emulator.data.createParticipant(ACCOUNT, other, { addresses: [] });
    const base = `/v2/Conversations/${conversationId}/Communications`;
    const ok = await call(emulator, 'POST', base, {
      body: { ...textBody('hi'), author: { address: '+15005550001', channel: 'SMS', participantId: participant.id } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.author.participantId).toBe(participant.id);
    const bad = await call(emulator, 'POST', base, {
      body: {
        ...textBody('hi'),
        recipients: [
          { address: '+15005550002', channel: 'SMS' },
          { address: '+15005550003', channel: 'SMS', participantId: stranger.id },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      twilioError(
        400,
        20001,
        `Invalid parameter 'recipients[1].participantId': no participant ${stranger.id} in conversation ${conversationId}`,
      ),
    );
  });

  it('answers 404 for a communication in a missing conversation, and 400 in a CLOSED one', async () => {
    const missing = await call(emulator, 'POST', '/v2/Conversations/conv_conversation_nope/Communications', { body: textBody('x') });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(twilioError(404, 20404, 'The requested resource /v2/Conversations/conv_conversation_nope was not found'));
    await call(emulator, 'PATCH', `/v2/Conversations/${conversationId}`, { body: { status: 'CLOSED' } });
    const closed = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body: textBody('x') });
    expect(closed.status).toBe(400);
    expect(closed.body.message).toBe(
      `Invalid parameter 'ConversationId': conversation ${conversationId} is CLOSED and accepts no new participants or communications`,
    );
    const participant = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Participants`, { body: { addresses: [] } });
    expect(participant.status).toBe(400);
    // Reading still works.
    expect((await call(emulator, 'GET', `/v2/Conversations/${conversationId}/Communications`)).status).toBe(200);
  });

  it('answers 404 for a communication fetched through another conversation', async () => {
    const { id } = emulator.data.createCommunication(ACCOUNT, conversationId, textBody('x'));
    const other = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
    const response = await call(emulator, 'GET', `/v2/Conversations/${other}/Communications/${id}`);
    expect(response.status).toBe(404);
    expect(response.body.message).toBe(`The requested resource /v2/Conversations/${other}/Communications/${id} was not found`);
  });
});
