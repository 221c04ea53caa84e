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

/**
 * How the upstream treats a write's Idempotency-Key, which decides what a retry with the same key does:
 * it replays keys on POST (create) and DELETE, and documents none for PATCH/PUT (update).
 */
export type MutationKind = 'create' | 'update' | 'delete';

const IDEMPOTENCY_KEY_DESCRIPTION: Record<MutationKind, string> = {
  create:
    'A UUID, new for each thing you mean to create. For 24 hours a retry with the same key creates nothing new and returns the original result; the same key with another input is a CONFLICT on `input.idempotencyKey`.',
  delete:
    'A UUID. For 24 hours a retry with the same key answers the same `deletedConversationId` instead of NOT_FOUND; the same key with another sid is a CONFLICT on `input.idempotencyKey`.',
  update:
    'A UUID, passed on as Idempotency-Key. The upstream documents no replay for updates, so do not count on one: a retry applies the same change again, which leaves the same state (and overwrites what someone else changed in the same fields in between), and the key reused with another input is not detected.',
};

/** The fields every mutation input ends with: `fields: (t) => ({ …, ...mutationInputFields(t, 'create') })`. */
export function mutationInputFields<Types extends SchemaTypes>(
  t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>,
  kind: MutationKind,
) {
  return {
    idempotencyKey: t.string({
      description: IDEMPOTENCY_KEY_DESCRIPTION[kind],
      extensions: { maxLength: MAX_LENGTH.idempotencyKey },
    }),
    clientMutationId: t.string(),
  };
}
