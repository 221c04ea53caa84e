// Mutation.updateParticipant (contract §2.1): PATCH semantics over an upstream that only has PUT.
// A field left out of the input is unchanged, `name: null` clears the name, `addresses` given
// replace them all. The upstream's document does not say whether its PUT keeps the fields a body
// leaves out, so the facade never relies on it: it reads the participant (1 GET, through the
// per-request loader) and PUTs the whole participant, the stored fields merged with the input's
// (1 PUT) — the same outcome under either reading. An input that changes nothing costs the GET only.
//
// Lost updates: the upstream offers no ETag, If-Match or version on participants, so a change made
// by someone else between the GET and the PUT to a field this input leaves out is overwritten with
// the value read (a window of one upstream round trip). Fields the input sets are not affected.
//
// Retries: a PUT is idempotent in itself (the same input, retried, leaves the same participant), and
// the idempotencyKey is sent along as `Idempotency-Key`; the upstream's document lists that header
// for creates and deletes only, so a key reused with another input is not detected here.
import type { UpstreamAddress, UpstreamParticipant } from '../../upstream/types.ts';
import type { ReplaceParticipantBody } from '../../upstream/write-bodies.ts';
import type { Rejection, WriteResult } from '../../upstream/write-result.ts';
import type { WriteOptions } from '../../upstream/api.ts';
import { builder, type Context } from '../builder.ts';
import { ParticipantType } from '../enums.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { Participant } from '../participant.ts';
import { mutationInputFields, ParticipantAddressInput } from './inputs.ts';
import { checkParticipantFields, toUpstreamAddresses } from './participant-fields.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

const UpdateParticipantInput = builder.inputType('UpdateParticipantInput', {
  description: 'PATCH semantics: a field left out is unchanged; `name: null` clears the name.',
  fields: (t) => ({
    conversationSid: t.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }),
    sid: t.string({ required: true, description: 'The participant to update.', extensions: { maxLength: MAX_LENGTH.sid } }),
    name: t.string({ description: 'Left out: unchanged; null: cleared.' }),
    type: t.field({ type: ParticipantType, description: 'Left out: unchanged.' }),
    profileId: t.string({ description: 'Left out: unchanged.', extensions: { maxLength: MAX_LENGTH.sid } }),
    addresses: t.field({ type: [ParticipantAddressInput], description: 'Left out: unchanged; given: replaces all of them.' }),
    ...mutationInputFields(t, 'update'),
  }),
});

type Input = typeof UpdateParticipantInput.$inferInput;

interface Payload extends PayloadBase {
  participant: UpstreamParticipant | null;
}

const UpdateParticipantPayload = payloadType<Payload>('UpdateParticipantPayload', {
  fields: (t) => ({
    participant: t.field({ type: Participant, nullable: true, resolve: (payload) => payload.participant }),
  }),
});

/** The fields the upstream keeps but cannot clear: null there is refused, not guessed at. */
const NOT_CLEARABLE = ['type', 'profileId', 'addresses'] as const;

function checkInput(input: Input, errors: InputErrors): void {
  errors.sid(['conversationSid'], input.conversationSid, 'conversation');
  errors.sid(['sid'], input.sid, 'participant');
  for (const field of NOT_CLEARABLE) {
    if (input[field] === null) errors.add([field], `${field} cannot be cleared: leave it out to keep it unchanged.`);
  }
  checkParticipantFields(input, errors);
}

/** The participant is not in that conversation (or the conversation does not exist): the GET found nothing. */
const NO_SUCH_PARTICIPANT: Rejection = { kind: 'rejected', status: 404, code: undefined, reason: 'not_found', parameter: 'id' };

const changesSomething = (input: Input) =>
  input.name !== undefined || input.type != null || input.profileId != null || input.addresses != null;

/** A stored address as the upstream takes it back (only the fields its request schema has). */
const storedAddress = ({ address, channel, channelId }: UpstreamAddress): UpstreamAddress => ({
  address,
  channel,
  ...(channelId === undefined ? {} : { channelId }),
});

/** The whole participant: the stored fields, overridden by the input's. */
function mergedBody(current: UpstreamParticipant, input: Input): ReplaceParticipantBody {
  const name = input.name === undefined ? current.name : input.name;
  const type = input.type ?? current.type;
  const profileId = input.profileId ?? current.profileId;
  return {
    // null only to clear a stored name: an absent name stays absent under either reading of PUT.
    ...(name != null ? { name } : current.name === undefined ? {} : { name: null }),
    ...(type === undefined ? {} : { type }),
    ...(profileId === undefined ? {} : { profileId }),
    addresses: input.addresses ? toUpstreamAddresses(input.addresses) : current.addresses.map(storedAddress),
  };
}

async function mergeAndReplace(input: Input, context: Context, options: WriteOptions): Promise<WriteResult<UpstreamParticipant>> {
  const current = await context.loaders.participant.load({ conversationId: input.conversationSid, id: input.sid });
  if (!current) return NO_SUCH_PARTICIPANT;
  if (!changesSomething(input)) return { kind: 'updated', value: current };
  return context.loaders.writes.replaceParticipant(input.conversationSid, input.sid, mergedBody(current, input), options);
}

builder.mutationField('updateParticipant', (t) =>
  t.field({
    type: UpdateParticipantPayload,
    description:
      'Changes the fields given and leaves the others as they are (`name: null` clears the name). Two upstream calls: the participant is read, then written whole.',
    args: { input: t.arg({ type: UpdateParticipantInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => mergeAndReplace(input, context, options),
        payload: (participant) => ({ participant }),
      }),
  }),
);
