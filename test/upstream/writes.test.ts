// The upstream writes the mutations stand on (api.ts, loaders/writes.ts), against the emulator over
// HTTP: each answers a WriteResult — created/updated/deleted with the decoded value, or the refusal
// of what was sent (reason and the upstream parameter it names) — and never throws for a refusal;
// what is not a refusal (a 503 after retries) still throws. One upstream call per write.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { createLoaders, type Loaders } from '../../src/loaders/index.ts';
import { conversationsApi } from '../../src/upstream/api.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { UpstreamError } from '../../src/upstream/errors.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from '../helpers/stack.ts';
import { emulatorClientOptions } from '../helpers/upstream-client.ts';

const CONFIGURATION_ID = 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa';

let emulator: Emulator;
let client: UpstreamClient;
let loaders: Loaders;

function calls() {
  const entries = emulator.requests.entries();
  emulator.requests.clear();
  return entries.map((entry) => `${entry.method} ${entry.status}`);
}

beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
  client = new UpstreamClient(emulatorClientOptions(emulator.url));
});

beforeEach(() => {
  loaders = createLoaders(conversationsApi(client, { credentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN) }));
  emulator.faults.clear();
  emulator.requests.clear();
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

describe('writes answer a WriteResult', () => {
  it('a conversation and a participant: created, updated, deleted — one call each, results primed for reads', async () => {
    const created = await loaders.writes.createConversation({ configurationId: CONFIGURATION_ID, name: 'first' });
    expect(created).toMatchObject({ kind: 'created', value: { kind: 'Conversation', name: 'first' } });
    if (created.kind === 'rejected') throw new Error('unreachable');
    const id = created.value.id;

    const renamed = await loaders.writes.updateConversation(id, { name: null, status: 'INACTIVE' });
    expect(renamed).toMatchObject({ kind: 'updated', value: { id, status: 'INACTIVE' } });
    expect((await loaders.conversation.load(id))?.status).toBe('INACTIVE');

    const participant = await loaders.writes.createParticipant(id, {
      name: 'Ana',
      addresses: [{ address: '+15005550006', channel: 'SMS' }],
    });
    expect(participant).toMatchObject({ kind: 'created', value: { kind: 'Participant', name: 'Ana', conversationId: id } });
    if (participant.kind === 'rejected') throw new Error('unreachable');
    const replaced = await loaders.writes.replaceParticipant(id, participant.value.id, { name: 'Ana B.' });
    expect(replaced).toMatchObject({ kind: 'updated', value: { name: 'Ana B.' } });
    expect((await loaders.participant.load({ conversationId: id, id: participant.value.id }))?.name).toBe('Ana B.');

    expect(await loaders.writes.deleteConversation(id, { idempotencyKey: randomUUID() })).toEqual({
      kind: 'deleted',
      value: { conversationId: id },
    });
    expect(await loaders.conversation.load(id)).toBeNull();
    // The reads after each write were served from the primed loaders: only the writes went upstream.
    expect(calls()).toEqual(['POST 201', 'PATCH 200', 'POST 201', 'PUT 200', 'DELETE 202']);
  });

  it('refusals are values naming the upstream parameter: the missing resource, a closed conversation, a reused key', async () => {
    const missing = 'conv_conversation_01jzzzzzzzzzzzzzzzzzzzzzzz';
    expect(await loaders.writes.deleteConversation(missing)).toEqual({
      kind: 'rejected',
      status: 404,
      code: 20404,
      reason: 'not_found',
      parameter: 'id',
    });
    const conversation = emulator.data.createConversation(ACCOUNT_SID, { configurationId: CONFIGURATION_ID });
    expect(
      await loaders.writes.replaceParticipant(conversation.id, 'conv_participant_01jzzzzzzzzzzzzzzzzzzzzzzz', { name: 'x' }),
    ).toMatchObject({
      kind: 'rejected',
      reason: 'not_found',
      parameter: 'id',
    });
    expect(await loaders.writes.replaceParticipant(missing, 'conv_participant_01jzzzzzzzzzzzzzzzzzzzzzzz', { name: 'x' })).toMatchObject({
      kind: 'rejected',
      reason: 'not_found',
      parameter: 'ConversationId',
    });

    await loaders.writes.updateConversation(conversation.id, { status: 'CLOSED' });
    expect(await loaders.writes.createParticipant(conversation.id, { addresses: [] })).toEqual({
      kind: 'rejected',
      status: 400,
      code: 20001,
      reason: 'invalid',
      parameter: 'ConversationId',
    });

    const idempotencyKey = randomUUID();
    await loaders.writes.createConversation({ configurationId: CONFIGURATION_ID, name: 'a' }, { idempotencyKey });
    expect(await loaders.writes.createConversation({ configurationId: CONFIGURATION_ID, name: 'b' }, { idempotencyKey })).toEqual({
      kind: 'rejected',
      status: 409,
      code: 20409,
      reason: 'conflict',
      parameter: 'Idempotency-Key',
    });
    expect(calls()).toEqual(['DELETE 404', 'PUT 404', 'PUT 404', 'PATCH 200', 'POST 400', 'POST 201', 'POST 409']);
  });

  it('what is not a refusal still throws: a persistent 503 is an UpstreamError after the attempt limit', async () => {
    emulator.faults.enqueue({ match: { method: 'POST' }, kind: 'status', status: 503, times: 10 });
    const write = loaders.writes.createConversation({ configurationId: CONFIGURATION_ID }, { idempotencyKey: randomUUID() });
    await expect(write).rejects.toBeInstanceOf(UpstreamError);
    expect(calls()).toEqual(['POST 503', 'POST 503', 'POST 503']);
  });
});
