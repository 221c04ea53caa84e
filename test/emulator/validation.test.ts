// Request validation: each 400 names the offending parameter as a quoted path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT, call, CONFIGURATION_ID, textBody, twilioError } from './helpers.ts';

let emulator: Emulator;
let conversationId: string;
beforeAll(async () => {
  emulator = await startEmulator({ seedDemoData: false });
  conversationId = emulator.data.createConversation(ACCOUNT, { configurationId: CONFIGURATION_ID }).id;
});
afterAll(() => emulator.close());

const valid = textBody('hello');
const communicationCases: [string, unknown, string][] = [
  ['empty body', {}, "Missing required parameter 'author'"],
  ['no content', { author: valid.author, recipients: valid.recipients }, "Missing required parameter 'content'"],
  ['author without address', { ...valid, author: { channel: 'SMS' } }, "Missing required parameter 'author.address'"],
  [
    'bad author channel',
    { ...valid, author: { address: '+15005550001', channel: 'EMAIL' } },
    "Invalid parameter 'author.channel': must be one of VOICE, SMS, RCS, WHATSAPP, CHAT, VIDEO",
  ],
  [
    'bad recipient channel',
    { ...valid, recipients: [{ address: 'x', channel: 'FAX' }] },
    "Invalid parameter 'recipients[0].channel': must be one of VOICE, SMS, RCS, WHATSAPP, CHAT, VIDEO",
  ],
  ['no recipients', { ...valid, recipients: [] }, "Invalid parameter 'recipients': must contain at least 1 item(s)"],
  ['recipients not an array', { ...valid, recipients: 'x' }, "Invalid parameter 'recipients': must be an array"],
  [
    'address not a string',
    { ...valid, author: { address: 15005550001, channel: 'SMS' } },
    "Invalid parameter 'author.address': must be a string",
  ],
  ['content without type', { ...valid, content: { text: 'x' } }, "Missing required parameter 'content.type'"],
  [
    'unknown content type',
    { ...valid, content: { type: 'IMAGE', url: 'x' } },
    "Invalid parameter 'content.type': must be one of TEXT, TRANSCRIPTION",
  ],
  ['text content without text', { ...valid, content: { type: 'TEXT' } }, "Missing required parameter 'content.text'"],
  [
    'transcription channel not an integer',
    { ...valid, content: { type: 'TRANSCRIPTION', text: 'x', transcription: { channel: 1.5 } } },
    "Invalid parameter 'content.transcription.channel': must be an integer",
  ],
  [
    'confidence above 1',
    { ...valid, content: { type: 'TRANSCRIPTION', text: 'x', transcription: { confidence: 1.2 } } },
    "Invalid parameter 'content.transcription.confidence': must be at most 1",
  ],
  ['empty resourceId', { ...valid, resourceId: '' }, "Invalid parameter 'resourceId': must be at least 1 character(s) long"],
  [
    'occurredAt not a date-time',
    { ...valid, occurredAt: 'yesterday' },
    "Invalid parameter 'occurredAt': must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z",
  ],
  [
    'SMS address not E.164',
    { ...valid, author: { address: '555-0100', channel: 'SMS' } },
    "Invalid parameter 'author.address': must be an E.164 phone number such as +18005550100 for channel SMS",
  ],
  [
    'VOICE address too short',
    { ...valid, recipients: [{ address: '+1234567', channel: 'VOICE' }] },
    "Invalid parameter 'recipients[0].address': must be an E.164 phone number such as +18005550100 for channel VOICE",
  ],
  [
    'WhatsApp address without prefix',
    { ...valid, author: { address: '+18005550100', channel: 'WHATSAPP' } },
    "Invalid parameter 'author.address': must look like whatsapp:+18005550100 for channel WHATSAPP",
  ],
  [
    'RCS address without prefix',
    { ...valid, author: { address: 'brand_agent', channel: 'RCS' } },
    "Invalid parameter 'author.address': must look like rcs:brand_agent or rcs:+18005550100 for channel RCS",
  ],
  [
    'empty CHAT address',
    { ...valid, author: { address: '', channel: 'CHAT' } },
    "Invalid parameter 'author.address': must not be empty for channel CHAT",
  ],
  ['not an object', [1, 2], 'Invalid request body: must be a JSON object'],
];

describe('communication create validation', () => {
  it.each(communicationCases)('%s', async (_name, body, message) => {
    const response = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, { body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, message));
  });

  it('accepts every documented address form', async () => {
    const forms = [
      { address: '+18005550100', channel: 'SMS' },
      { address: '+442071838750', channel: 'VOICE' },
      { address: 'whatsapp:+18005550100', channel: 'WHATSAPP' },
      { address: 'rcs:brand_acme_agent', channel: 'RCS' },
      { address: 'rcs:+18005550100', channel: 'RCS' },
      { address: 'customer-42', channel: 'CHAT' },
      { address: 'room-7', channel: 'VIDEO' },
    ];
    const response = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, {
      body: { ...valid, recipients: forms },
    });
    expect(response.status).toBe(201);
    expect(response.body.recipients).toEqual(forms);
  });

  it('drops properties the document does not describe', async () => {
    const response = await call(emulator, 'POST', `/v2/Conversations/${conversationId}/Communications`, {
      body: { ...valid, content: { type: 'TEXT', text: 'x', html: '<b>x</b>' }, deliveryStatus: 'READ', extra: 1 },
    });
    expect(response.status).toBe(201);
    expect(response.body.content).toEqual({ type: 'TEXT', text: 'x' });
    expect(response.body).not.toHaveProperty('extra');
  });
});

const conversationCases: [string, unknown, string][] = [
  ['no configurationId', {}, "Missing required parameter 'configurationId'"],
  [
    'malformed configurationId',
    { configurationId: 'cfg_1' },
    "Invalid parameter 'configurationId': must be a configuration id such as conv_configuration_01jq2x8d5ve0yqa1srhm2w4g9c",
  ],
  [
    'too many metadata entries',
    { configurationId: CONFIGURATION_ID, metadata: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])) },
    "Invalid parameter 'metadata': must have at most 8 entries",
  ],
  [
    'metadata value too long',
    { configurationId: CONFIGURATION_ID, metadata: { k: 'x'.repeat(513) } },
    "Invalid parameter 'metadata.k': must be at most 512 characters long",
  ],
  [
    'metadata value not a string',
    { configurationId: CONFIGURATION_ID, metadata: { k: 1 } },
    "Invalid parameter 'metadata.k': must be a string",
  ],
  [
    'metadata key with a space',
    { configurationId: CONFIGURATION_ID, metadata: { 'a b': 'v' } },
    "Invalid parameter 'metadata': keys must be 1 to 128 characters: letters, digits, periods, underscores or dashes",
  ],
  [
    'too many intelligence configurations',
    { configurationId: CONFIGURATION_ID, configuration: { intelligenceConfigurationIds: ['1', '2', '3', '4', '5', '6'] } },
    "Invalid parameter 'configuration.intelligenceConfigurationIds': must contain at most 5 item(s)",
  ],
  [
    'bad participant type',
    { configurationId: CONFIGURATION_ID, participants: [{ type: 'BOT' }] },
    "Invalid parameter 'participants[0].type': must be one of HUMAN_AGENT, CUSTOMER, AI_AGENT, AGENT, UNKNOWN",
  ],
  [
    'bad participant address',
    { configurationId: CONFIGURATION_ID, participants: [{ addresses: [{ channel: 'SMS', address: 'x' }] }] },
    "Invalid parameter 'participants[0].addresses[0].address': must be an E.164 phone number such as +18005550100 for channel SMS",
  ],
  [
    'too many participants',
    { configurationId: CONFIGURATION_ID, participants: Array.from({ length: 51 }, () => ({})) },
    "Invalid parameter 'participants': must contain at most 50 item(s)",
  ],
];

describe('conversation validation', () => {
  it.each(conversationCases)('create: %s', async (_name, body, message) => {
    const response = await call(emulator, 'POST', '/v2/Conversations', { body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, message));
  });

  it.each([
    ['PUT', { status: 'OPEN' }, "Invalid parameter 'status': must be one of ACTIVE, INACTIVE, CLOSED"],
    ['PATCH', { status: 'OPEN' }, "Invalid parameter 'status': must be one of ACTIVE, INACTIVE, CLOSED"],
    ['PATCH', { metadata: { k: 3 } }, "Invalid parameter 'metadata.k': must be a string"],
    [
      'PATCH',
      { configuration: { statusCallbacks: [{ url: 'not a url' }] } },
      "Invalid parameter 'configuration.statusCallbacks[0].url': must be a URL",
    ],
    [
      'PATCH',
      { configuration: { statusCallbacks: [{ url: 'https://x.example', method: 'PUT' }] } },
      "Invalid parameter 'configuration.statusCallbacks[0].method': must be one of POST, GET",
    ],
  ])('%s %j', async (method, body, message) => {
    const response = await call(emulator, method, `/v2/Conversations/${conversationId}`, { body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, message));
  });
});

describe('participant validation', () => {
  it.each([
    ['POST', '', {}, "Missing required parameter 'addresses'"],
    ['POST', '', { addresses: [{ address: '+18005550100' }] }, "Missing required parameter 'addresses[0].channel'"],
    [
      'POST',
      '',
      { addresses: [], type: 'BOT' },
      "Invalid parameter 'type': must be one of HUMAN_AGENT, CUSTOMER, AI_AGENT, AGENT, UNKNOWN",
    ],
    ['PUT', '/conv_participant_x', { name: 5 }, "Invalid parameter 'name': must be a string"],
  ])('%s%s %j', async (method, suffix, body, message) => {
    let path = `/v2/Conversations/${conversationId}/Participants`;
    if (suffix) path += `/${emulator.data.createParticipant(ACCOUNT, conversationId, { addresses: [] }).id}`;
    const response = await call(emulator, method, path, { body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, message));
  });
});

describe('query parameter validation', () => {
  it.each([
    ['pageSize=0', "Invalid parameter 'pageSize': must be an integer from 1 to 1000"],
    ['pageSize=1001', "Invalid parameter 'pageSize': must be an integer from 1 to 1000"],
    ['pageSize=abc', "Invalid parameter 'pageSize': must be an integer from 1 to 1000"],
    ['pageSize=2.5', "Invalid parameter 'pageSize': must be an integer from 1 to 1000"],
    ['pageSize=5&pageSize=6', "Invalid parameter 'pageSize': must be given at most once"],
    ['status=OPEN', "Invalid parameter 'status': must be one of ACTIVE, INACTIVE, CLOSED (repeat the parameter for several)"],
    ['status=ACTIVE,CLOSED', "Invalid parameter 'status': must be one of ACTIVE, INACTIVE, CLOSED (repeat the parameter for several)"],
    ['pageToken=garbage', "Invalid parameter 'pageToken': is not a token this list issued for this pageSize and these filters"],
  ])('GET /v2/Conversations?%s', async (query, message) => {
    const response = await call(emulator, 'GET', `/v2/Conversations?${query}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(twilioError(400, 20001, message));
  });

  it('accepts pageSize 1 and 1000', async () => {
    expect((await call(emulator, 'GET', '/v2/Conversations?pageSize=1')).status).toBe(200);
    expect((await call(emulator, 'GET', '/v2/Conversations?pageSize=1000')).status).toBe(200);
  });
});
