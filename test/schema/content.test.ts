// The content union and enum fallbacks: every content variant the upstream documents, and
// everything it might send later, without ever failing the query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

let stack: Stack;
let conversationSid: string;

const STATUS = graphql(`
  query ContentConversationStatus($sid: String!) {
    conversation(sid: $sid) { sid status }
  }
`);

const QUERY = graphql(`
  query Content($sid: String!) {
    conversation(sid: $sid) {
      status
      communications(first: 50) {
        nodes {
          sid
          author { channel }
          recipients { channel deliveryStatus }
          content {
            __typename
            ... on TextContent { text }
            ... on TranscriptionContent {
              text
              transcription { channel confidence engine words { text startTime endTime } }
            }
            ... on UnsupportedContent { type raw }
          }
        }
      }
      participants(first: 10) { nodes { type addresses { channel } } }
    }
  }
`);

const words = [
  { text: 'Hi', startTime: '2026-01-01T10:30:00.000Z', endTime: '2026-01-01T10:30:00.200Z' },
  { text: 'there', startTime: '2026-01-01T10:30:00.250Z', endTime: '2026-01-01T10:30:00.600Z' },
];

const rawContents: unknown[] = [
  'cannot-guess',
  {},
  { type: 'IMAGE', url: 'https://example.com/cat.png' },
  { type: 'TEXT' },
  { type: 'TEXT', text: 42 },
  null,
  42,
  ['a', 'b'],
];

beforeAll(async () => {
  stack = await startStack();
  const { data } = stack.emulator;
  conversationSid = seedConversation(stack.emulator, 'content');
  const base = { author: { channel: 'VOICE', address: '+15005550001' }, recipients: [{ channel: 'VOICE', address: '+15005550002' }] };
  data.createCommunication(ACCOUNT_SID, conversationSid, { ...base, content: { type: 'TEXT', text: 'plain text' } });
  data.createCommunication(ACCOUNT_SID, conversationSid, {
    ...base,
    content: { type: 'TRANSCRIPTION', text: 'Hi there', transcription: { channel: 1, confidence: 0.93, engine: 'twilio' } },
  });
  data.createCommunication(ACCOUNT_SID, conversationSid, { ...base, content: { type: 'TRANSCRIPTION', text: 'no metadata' } });
  // Word timings, unknown content and unknown enum values go in as-is, beyond what the API accepts.
  const raw = (i: number, content: unknown, extra: Record<string, unknown> = {}) =>
    data.insertRaw(ACCOUNT_SID, 'communications', {
      id: `conv_communication_01jraw0000000000000000000${i}`,
      conversationId: conversationSid,
      accountId: ACCOUNT_SID,
      author: base.author,
      recipients: base.recipients,
      content,
      ...extra,
    });
  raw(0, {
    type: 'TRANSCRIPTION',
    text: 'Hi there',
    transcription: { channel: 0, confidence: 0.5, engine: 'x', words: [...words, { nope: true }] },
  });
  for (const [i, content] of rawContents.entries()) raw(i + 1, content);
  raw(
    9,
    { type: 'TEXT', text: 'from email' },
    {
      author: { channel: 'EMAIL', address: 'dana@example.com' },
      recipients: [{ channel: 'SMS', address: '+15005550002', deliveryStatus: 'QUEUED_FOR_LATER' }],
    },
  );
  data.insertRaw(ACCOUNT_SID, 'participants', {
    id: 'conv_participant_01jraw00000000000000000000',
    conversationId: conversationSid,
    accountId: ACCOUNT_SID,
    type: 'BOT',
    addresses: [{ channel: 'CARRIER_PIGEON', address: 'coop 7' }],
  });
});

afterAll(() => stack.close());

describe('CommunicationContent', () => {
  it('resolves every variant from the upstream `type`, and anything else to UnsupportedContent', async () => {
    const response = await stack.graphql(QUERY, { sid: conversationSid });
    expect(response.errors).toBeUndefined();
    const contents = response.data.conversation!.communications.nodes.map((node) => node.content);
    expect(contents).toEqual([
      { __typename: 'TextContent', text: 'plain text' },
      {
        __typename: 'TranscriptionContent',
        text: 'Hi there',
        transcription: { channel: 1, confidence: 0.93, engine: 'twilio', words: [] },
      },
      { __typename: 'TranscriptionContent', text: 'no metadata', transcription: null },
      {
        __typename: 'TranscriptionContent',
        text: 'Hi there',
        transcription: { channel: 0, confidence: 0.5, engine: 'x', words },
      },
      { __typename: 'UnsupportedContent', type: null, raw: 'cannot-guess' },
      { __typename: 'UnsupportedContent', type: null, raw: {} },
      { __typename: 'UnsupportedContent', type: 'IMAGE', raw: { type: 'IMAGE', url: 'https://example.com/cat.png' } },
      { __typename: 'UnsupportedContent', type: 'TEXT', raw: { type: 'TEXT' } },
      { __typename: 'UnsupportedContent', type: 'TEXT', raw: { type: 'TEXT', text: 42 } },
      { __typename: 'UnsupportedContent', type: null, raw: null },
      { __typename: 'UnsupportedContent', type: null, raw: 42 },
      { __typename: 'UnsupportedContent', type: null, raw: ['a', 'b'] },
      { __typename: 'TextContent', text: 'from email' },
    ]);
  });

  it('maps enum values the schema does not know to their documented fallbacks', async () => {
    const response = await stack.graphql(QUERY, { sid: conversationSid });
    expect(response.errors).toBeUndefined();
    const last = response.data.conversation!.communications.nodes.at(-1);
    expect(last?.author.channel).toBe('UNKNOWN');
    expect(last?.recipients).toEqual([{ channel: 'SMS', deliveryStatus: null }]);
    expect(response.data.conversation!.participants.nodes).toEqual([{ type: 'UNKNOWN', addresses: [{ channel: 'UNKNOWN' }] }]);
  });

  it('maps an unknown conversation status to null', async () => {
    const id = 'conv_conversation_01jraw00000000000000000000';
    stack.emulator.data.insertRaw(ACCOUNT_SID, 'conversations', {
      id,
      accountId: ACCOUNT_SID,
      configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
      status: 'ARCHIVED',
    });
    const response = await stack.graphql(STATUS, { sid: id });
    expect(response.errors).toBeUndefined();
    expect(response.data.conversation).toEqual({ sid: id, status: null });
  });
});
