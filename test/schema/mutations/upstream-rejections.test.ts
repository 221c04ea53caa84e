// The translation of upstream refusals, in memory: which refusals are values (write-result.ts), and
// how the one table (upstream-rejections.ts) turns the upstream's parameter names into input paths
// and the facade's own messages, for createCommunication's real input type and for the shapes of
// the coming mutations (a conversation addressed by `sid`, a participant inside a conversation).
import { GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLString, type GraphQLInputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../../src/schema/index.ts';
import { userErrorForRejection } from '../../../src/schema/mutations/upstream-rejections.ts';
import { errorForStatus, timeoutError, unavailableError } from '../../../src/upstream/errors.ts';
import { rejectionOf, type PathParameters, type Rejection } from '../../../src/upstream/write-result.ts';

const createCommunicationInput = schema.getMutationType()!.getFields().createCommunication!.args[0]!.type;

// The shape of updateParticipant's input (contract §2.1), built here so the table is tested before that mutation exists.
const participantAddress = new GraphQLInputObjectType({
  name: 'TestParticipantAddressInput',
  fields: { address: { type: GraphQLString }, channel: { type: GraphQLString }, channelId: { type: GraphQLString } },
});
const updateParticipantInput = new GraphQLNonNull(
  new GraphQLInputObjectType({
    name: 'TestUpdateParticipantInput',
    fields: {
      conversationSid: { type: new GraphQLNonNull(GraphQLString) },
      sid: { type: new GraphQLNonNull(GraphQLString) },
      name: { type: GraphQLString },
      metadata: { type: GraphQLString },
      addresses: { type: new GraphQLList(new GraphQLNonNull(participantAddress)) },
      idempotencyKey: { type: GraphQLString },
    },
  }),
);

function refusal(status: number, message?: string, pathParameters: PathParameters = []): Rejection | undefined {
  return rejectionOf(errorForStatus(status, 'Test', message === undefined ? {} : { code: 20001, message }, undefined), pathParameters);
}

const rejection = (reason: Rejection['reason'], parameter?: string): Rejection => ({
  kind: 'rejected',
  status: 400,
  code: undefined,
  reason,
  ...(parameter === undefined ? {} : { parameter }),
});

const textInput = { content: { text: { text: 'hi' } } };
const transcriptionInput = { content: { transcription: { text: 'hi', confidence: 2 } } };

describe('rejectionOf: which upstream failures are refusals of what was sent', () => {
  it.each([
    [400, "Invalid parameter 'recipients[0].address': must be an E.164 phone number", 'invalid', 'recipients[0].address'],
    [400, "Missing required parameter 'author.address'", 'required', 'author.address'],
    [409, "Conflict on parameter 'Idempotency-Key': it was already used with a different request", 'conflict', 'Idempotency-Key'],
    [422, "Invalid parameter 'occurredAt': out of range", 'invalid', 'occurredAt'],
    [413, 'Request entity too large', 'too_large', undefined],
    [400, 'Something else went wrong', 'invalid', undefined],
  ])('%i %s → %s, parameter %s', (status, message, reason, parameter) => {
    expect(refusal(status, message)).toEqual({
      kind: 'rejected',
      status,
      code: 20001,
      reason,
      ...(parameter === undefined ? {} : { parameter }),
    });
  });

  it('a 404 names the path parameter whose resource is missing: the parent conversation or the addressed resource', () => {
    const path: PathParameters = [
      ['ConversationId', 'conv_conversation_1'],
      ['id', 'conv_participant_2'],
    ];
    expect(refusal(404, 'The requested resource /v2/Conversations/conv_conversation_1 was not found', path)?.parameter).toBe(
      'ConversationId',
    );
    expect(
      refusal(404, 'The requested resource /v2/Conversations/conv_conversation_1/Participants/conv_participant_2 was not found', path)
        ?.parameter,
    ).toBe('id');
    expect(refusal(404, undefined, path)).toMatchObject({ reason: 'not_found', parameter: 'id' });
    expect(refusal(404, undefined, [])).toEqual({ kind: 'rejected', status: 404, code: undefined, reason: 'not_found' });
  });

  it('failures that are not about the input stay thrown errors: 401, 403, 429, 5xx, timeouts, transport, non-upstream errors', () => {
    for (const status of [401, 403, 405, 408, 429, 500, 502, 503, 504]) expect(refusal(status, "Invalid parameter 'x'")).toBeUndefined();
    expect(rejectionOf(timeoutError('Test', 'response headers'))).toBeUndefined();
    expect(rejectionOf(unavailableError('Test', 'reset', true))).toBeUndefined();
    expect(rejectionOf(new Error('boom'))).toBeUndefined();
  });
});

describe('userErrorForRejection: the one table, upstream parameter → input path, in the facade’s words', () => {
  it.each<[string, Rejection, Record<string, unknown>, GraphQLInputType, unknown]>([
    [
      'author.participantId',
      rejection('invalid', 'author.participantId'),
      textInput,
      createCommunicationInput,
      {
        field: ['input', 'author', 'participantSid'],
        code: 'INVALID',
        message: 'No participant with this sid is part of the conversation.',
      },
    ],
    [
      'recipients[2].participantId',
      rejection('invalid', 'recipients[2].participantId'),
      textInput,
      createCommunicationInput,
      {
        field: ['input', 'recipients', '2', 'participantSid'],
        code: 'INVALID',
        message: 'No participant with this sid is part of the conversation.',
      },
    ],
    [
      'recipients[1].address',
      rejection('invalid', 'recipients[1].address'),
      textInput,
      createCommunicationInput,
      { field: ['input', 'recipients', '1', 'address'], code: 'INVALID', message: 'Not a valid address for its channel.' },
    ],
    [
      'a CLOSED conversation (ConversationId refused)',
      rejection('invalid', 'ConversationId'),
      textInput,
      createCommunicationInput,
      {
        field: ['input', 'conversationSid'],
        code: 'INVALID',
        message: 'The conversation is closed: it accepts no new communications or participants.',
      },
    ],
    [
      'a missing conversation',
      rejection('not_found', 'ConversationId'),
      textInput,
      createCommunicationInput,
      { field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: 'No conversation with this sid exists.' },
    ],
    [
      'a reused Idempotency-Key',
      rejection('conflict', 'Idempotency-Key'),
      textInput,
      createCommunicationInput,
      {
        field: ['input', 'idempotencyKey'],
        code: 'CONFLICT',
        message: 'This idempotencyKey was already used with a different input: use a new key for a new request.',
      },
    ],
    [
      'content.text of a text',
      rejection('required', 'content.text'),
      textInput,
      createCommunicationInput,
      { field: ['input', 'content', 'text', 'text'], code: 'REQUIRED', message: 'This field is required.' },
    ],
    [
      'content.text of a transcription',
      rejection('invalid', 'content.text'),
      transcriptionInput,
      createCommunicationInput,
      {
        field: ['input', 'content', 'transcription', 'text'],
        code: 'INVALID',
        message: 'The conversation service did not accept this value.',
      },
    ],
    [
      'content.transcription.confidence',
      rejection('invalid', 'content.transcription.confidence'),
      transcriptionInput,
      createCommunicationInput,
      {
        field: ['input', 'content', 'transcription', 'confidence'],
        code: 'INVALID',
        message: 'The conversation service did not accept this value.',
      },
    ],
    [
      'content.type (the discriminator the input does not have)',
      rejection('invalid', 'content.type'),
      textInput,
      createCommunicationInput,
      { field: ['input', 'content', 'text'], code: 'INVALID', message: 'The conversation service did not accept this value.' },
    ],
    [
      'a parameter the input does not have',
      rejection('invalid', 'participants[0].name'),
      textInput,
      createCommunicationInput,
      { field: null, code: 'INVALID', message: 'The conversation service did not accept this value.' },
    ],
    [
      'a parameter named like an Object.prototype member',
      rejection('invalid', 'constructor'),
      textInput,
      createCommunicationInput,
      { field: null, code: 'INVALID', message: 'The conversation service did not accept this value.' },
    ],
    [
      'no parameter, too large',
      rejection('too_large'),
      textInput,
      createCommunicationInput,
      { field: null, code: 'INVALID', message: 'The input is too large for the conversation service.' },
    ],
    [
      'updateParticipant: a missing participant (id)',
      rejection('not_found', 'id'),
      {},
      updateParticipantInput,
      { field: ['input', 'sid'], code: 'NOT_FOUND', message: 'Nothing with this sid exists.' },
    ],
    [
      'updateParticipant: a missing conversation',
      rejection('not_found', 'ConversationId'),
      {},
      updateParticipantInput,
      { field: ['input', 'conversationSid'], code: 'NOT_FOUND', message: 'No conversation with this sid exists.' },
    ],
    [
      'updateParticipant: addresses[1].address',
      rejection('invalid', 'addresses[1].address'),
      {},
      updateParticipantInput,
      { field: ['input', 'addresses', '1', 'address'], code: 'INVALID', message: 'Not a valid address for its channel.' },
    ],
    [
      'a metadata key (the path stops at the JSON value)',
      rejection('invalid', 'metadata.some-key'),
      {},
      updateParticipantInput,
      { field: ['input', 'metadata'], code: 'INVALID', message: 'The conversation service did not accept this value.' },
    ],
  ])('%s', (_name, refused, input, type, expected) => {
    expect(userErrorForRejection(refused, input, type)).toEqual(expected);
  });

  it('never repeats the upstream’s words: messages come from the facade whatever the upstream said', () => {
    const upstreamMessage =
      "Invalid parameter 'author.participantId': no participant conv_participant_9 in conversation conv_conversation_1";
    const refused = refusal(400, upstreamMessage)!;
    const userError = userErrorForRejection(refused, textInput, createCommunicationInput);
    expect(userError.field).toEqual(['input', 'author', 'participantSid']);
    for (const leak of ['participantId', 'conv_participant_9', 'Invalid parameter', "'"]) expect(userError.message).not.toContain(leak);
  });
});
