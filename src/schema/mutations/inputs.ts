// Input types and fields shared by the mutations (contract §2 and §2.1): the address of a
// communication's author or recipient, the address of a participant, and the two fields every
// mutation input carries (idempotencyKey, clientMutationId). Bounds are declared here, once.
import type { SchemaTypes } from '@pothos/core';
import { builder } from '../builder.ts';
import { Channel } from '../enums.ts';
import { MAX_LENGTH } from '../input-bounds.ts';

/** An author or recipient of a communication (upstream: `participantId` is our `participantSid`). */
export const AddressInput = builder.inputType('AddressInput', {
  fields: (t) => ({
    address: t.string({ required: true }),
    channel: t.field({ type: Channel, required: true }),
    participantSid: t.string({ extensions: { maxLength: MAX_LENGTH.sid } }),
  }),
});
export type AddressInputShape = typeof AddressInput.$inferInput;

/** One address of a participant (addParticipant, updateParticipant). */
export const ParticipantAddressInput = builder.inputType('ParticipantAddressInput', {
  fields: (t) => ({
    address: t.string({ required: true }),
    channel: t.field({ type: Channel, required: true }),
    channelId: t.string(),
  }),
});
export type ParticipantAddressInputShape = typeof ParticipantAddressInput.$inferInput;

/** The fields every mutation input ends with: `fields: (t) => ({ …, ...mutationInputFields(t) })`. */
export function mutationInputFields<Types extends SchemaTypes>(t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) {
  return {
    idempotencyKey: t.string({
      description: 'A UUID. Retrying the mutation with the same key creates nothing new and returns the original result.',
      extensions: { maxLength: MAX_LENGTH.idempotencyKey },
    }),
    clientMutationId: t.string(),
  };
}
