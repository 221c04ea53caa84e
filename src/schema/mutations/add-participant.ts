// Mutation.addParticipant (contract §2.1) on the paved path (run-mutation.ts): one upstream POST,
// safe to retry with an idempotencyKey (the upstream replays the original participant). A closed
// conversation is refused by the upstream, which the one table turns into a userError on
// `conversationSid`; everything the facade can judge itself costs nothing upstream.
import { standaloneEdge } from '../../connections/index.ts';
import type { UpstreamParticipant } from '../../upstream/types.ts';
import type { CreateParticipantBody } from '../../upstream/write-bodies.ts';
import { builder } from '../builder.ts';
import { ParticipantType } from '../enums.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { Participant, ParticipantEdge, participantsScope } from '../participant.ts';
import { mutationInputFields, ParticipantAddressInput } from './inputs.ts';
import { checkParticipantFields, toUpstreamAddresses } from './participant-fields.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

const AddParticipantInput = builder.inputType('AddParticipantInput', {
  fields: (t) => ({
    conversationSid: t.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }),
    name: t.string(),
    type: t.field({ type: ParticipantType, description: 'Left out: the upstream records the participant as `UNKNOWN`.' }),
    profileId: t.string({ extensions: { maxLength: MAX_LENGTH.sid } }),
    addresses: t.field({
      type: [ParticipantAddressInput],
      required: true,
      description: 'Where the participant is reached, one per channel identity; may be empty (e.g. an AI agent).',
    }),
    ...mutationInputFields(t, 'create'),
  }),
});

type Input = typeof AddParticipantInput.$inferInput;

interface Payload extends PayloadBase {
  participant: UpstreamParticipant | null;
}

const AddParticipantPayload = payloadType<Payload>('AddParticipantPayload', {
  fields: (t) => ({
    participant: t.field({ type: Participant, nullable: true, resolve: (payload) => payload.participant }),
    participantEdge: t.field({
      type: ParticipantEdge,
      nullable: true,
      description: "The new participant as an edge of its conversation's `participants`, for Relay's @appendEdge.",
      resolve: (payload, _args, context) =>
        payload.participant
          ? standaloneEdge(payload.participant, participantsScope(payload.participant.conversationId), context.cursors)
          : null,
    }),
  }),
});

function toUpstreamBody(input: Input): CreateParticipantBody {
  return {
    ...(input.name == null ? {} : { name: input.name }),
    ...(input.type == null ? {} : { type: input.type }),
    ...(input.profileId == null ? {} : { profileId: input.profileId }),
    addresses: toUpstreamAddresses(input.addresses),
  };
}

function checkInput(input: Input, errors: InputErrors): void {
  errors.sid(['conversationSid'], input.conversationSid, 'conversation');
  checkParticipantFields(input, errors);
}

builder.mutationField('addParticipant', (t) =>
  t.field({
    type: AddParticipantPayload,
    description: 'Adds a participant to a conversation (not a closed one). Safe to retry with an `idempotencyKey`. One upstream call.',
    args: { input: t.arg({ type: AddParticipantInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => context.loaders.writes.createParticipant(input.conversationSid, toUpstreamBody(input), options),
        payload: (participant) => ({ participant }),
      }),
  }),
);
