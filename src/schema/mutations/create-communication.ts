// Mutation.createCommunication: Relay-style input and payload on the paved path (run-mutation.ts):
// bounds, idempotencyKey and the checks below cost nothing upstream; what the upstream refuses comes
// back as userErrors pointing into `input`; everything else is a top-level error.
import { standaloneEdge } from '../../connections/index.ts';
import type { CreateCommunicationBody, UpstreamCommunication, UpstreamParticipantAddress } from '../../upstream/types.ts';
import { builder } from '../builder.ts';
import { Communication, CommunicationEdge, communicationsScope } from '../communication.ts';
import { CommunicationContentInput } from '../content.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { DateTime } from '../scalars.ts';
import { AddressInput, mutationInputFields, type AddressInputShape } from './inputs.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

/** Audio channels of a transcription, as the OpenAPI document describes them: 0 inbound, 1 outbound. */
const TRANSCRIPTION_CHANNELS = { min: 0, max: 1 } as const;

const CreateCommunicationInput = builder.inputType('CreateCommunicationInput', {
  fields: (t) => ({
    conversationSid: t.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }),
    author: t.field({ type: AddressInput, required: true }),
    recipients: t.field({ type: [AddressInput], required: true, description: 'At least one.' }),
    content: t.field({ type: CommunicationContentInput, required: true }),
    channelId: t.string(),
    resourceId: t.string({
      description: 'Your id for this communication (e.g. a MessageSid): sending it again updates the same communication.',
    }),
    occurredAt: t.field({ type: DateTime }),
    ...mutationInputFields(t, 'create'),
  }),
});

type Input = typeof CreateCommunicationInput.$inferInput;

interface Payload extends PayloadBase {
  communication: UpstreamCommunication | null;
}

const CreateCommunicationPayload = payloadType<Payload>('CreateCommunicationPayload', {
  fields: (t) => ({
    communication: t.field({ type: Communication, nullable: true, resolve: (payload) => payload.communication }),
    communicationEdge: t.field({
      type: CommunicationEdge,
      nullable: true,
      description: "The new communication as an edge of its conversation's `communications`, for Relay's @appendEdge.",
      resolve: (payload, _args, context) =>
        payload.communication
          ? standaloneEdge(payload.communication, communicationsScope(payload.communication.conversationId, null), context.cursors)
          : null,
    }),
  }),
});

function toUpstreamAddress(address: AddressInputShape): UpstreamParticipantAddress {
  return {
    address: address.address,
    channel: address.channel,
    ...(address.participantSid ? { participantId: address.participantSid } : {}),
  };
}

function toUpstreamBody(input: Input): CreateCommunicationBody {
  const { text, transcription } = input.content;
  const content: CreateCommunicationBody['content'] = transcription
    ? {
        type: 'TRANSCRIPTION',
        text: transcription.text,
        transcription: {
          ...(transcription.channel == null ? {} : { channel: transcription.channel }),
          ...(transcription.confidence == null ? {} : { confidence: transcription.confidence }),
          ...(transcription.engine == null ? {} : { engine: transcription.engine }),
        },
      }
    : { type: 'TEXT', text: text!.text };
  return {
    author: toUpstreamAddress(input.author),
    recipients: input.recipients.map(toUpstreamAddress),
    content,
    ...(input.channelId == null ? {} : { channelId: input.channelId }),
    ...(input.resourceId == null ? {} : { resourceId: input.resourceId }),
    ...(input.occurredAt == null ? {} : { occurredAt: input.occurredAt }),
  };
}

/** What the facade can tell is wrong without asking the upstream. */
function checkInput(input: Input, errors: InputErrors): void {
  errors.sid(['conversationSid'], input.conversationSid, 'conversation');
  if (input.recipients.length === 0) errors.add(['recipients'], 'At least one recipient is required.', 'REQUIRED');
  const addresses: [(string | number)[], AddressInputShape][] = [
    [['author'], input.author],
    ...input.recipients.map((recipient, i): [(string | number)[], AddressInputShape] => [['recipients', i], recipient]),
  ];
  for (const [path, address] of addresses) {
    errors.address(path, address);
    errors.sid([...path, 'participantSid'], address.participantSid, 'participant');
  }
  if (input.resourceId === '') errors.add(['resourceId'], 'resourceId cannot be empty.');
  const transcription = input.content.transcription;
  if (transcription) {
    errors.range(['content', 'transcription', 'confidence'], transcription.confidence, 0, 1, 'confidence must be between 0 and 1.');
    errors.range(
      ['content', 'transcription', 'channel'],
      transcription.channel,
      TRANSCRIPTION_CHANNELS.min,
      TRANSCRIPTION_CHANNELS.max,
      'channel must be 0 (inbound) or 1 (outbound).',
    );
  }
}

builder.mutationField('createCommunication', (t) =>
  t.field({
    type: CreateCommunicationPayload,
    description:
      'Adds a communication to a conversation (or updates the one with the same `resourceId`). Safe to retry with an `idempotencyKey`.',
    args: { input: t.arg({ type: CreateCommunicationInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => context.loaders.writes.createCommunication(input.conversationSid, toUpstreamBody(input), options),
        payload: (communication) => ({ communication }),
      }),
  }),
);
