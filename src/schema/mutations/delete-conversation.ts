// Mutation.deleteConversation (contract §2.1) on the paved path (run-mutation.ts). The upstream
// deletes asynchronously (202 Accepted, an Operation-Id and a statusUrl to poll); the facade returns
// once the deletion is accepted and never polls: it does not read the statusUrl (a URL in a body is
// not a place the facade will send credentials) nor wait out an operation whose length it cannot
// bound. Within the request the conversation then reads as null (loaders/writes.ts primes it).
import { builder } from '../builder.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { mutationInputFields } from './inputs.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

const DeleteConversationInput = builder.inputType('DeleteConversationInput', {
  fields: (t) => ({
    sid: t.string({ required: true, description: 'The conversation to delete.', extensions: { maxLength: MAX_LENGTH.sid } }),
    ...mutationInputFields(t, 'delete'),
  }),
});

type Input = typeof DeleteConversationInput.$inferInput;

interface Payload extends PayloadBase {
  /** The upstream sid of the deleted conversation; the payload answers its Node id. */
  deletedSid: string | null;
}

const DeleteConversationPayload = payloadType<Payload>('DeleteConversationPayload', {
  fields: (t) => ({
    deletedConversationId: t.globalID({
      nullable: true,
      description: 'The Node id of the deleted conversation, for Relay’s @deleteRecord; null when nothing was deleted (see userErrors).',
      resolve: (payload) => (payload.deletedSid === null ? null : { type: 'Conversation', id: payload.deletedSid }),
    }),
  }),
});

/** What the facade can tell is wrong without asking the upstream. */
function checkInput(input: Input, errors: InputErrors): void {
  if (input.sid === '') errors.add(['sid'], 'A conversation sid is required.', 'REQUIRED');
  errors.sid(['sid'], input.sid, 'conversation');
}

builder.mutationField('deleteConversation', (t) =>
  t.field({
    type: DeleteConversationPayload,
    description: [
      'Deletes a conversation with its participants and communications.',
      'The upstream deletes asynchronously: this returns as soon as it has accepted the deletion (202), with `deletedConversationId` set, so a client can drop the conversation from its store at once (Relay: @deleteRecord).',
      'The facade does not wait for the upstream’s operation to finish: later in the same request the conversation reads as null; a later request may still find it for the short while the upstream takes to complete the deletion.',
      'Safe to retry with an `idempotencyKey`: the retry answers the same `deletedConversationId` (the same key with another sid is a CONFLICT on `input.idempotencyKey`); without a key, deleting it again is NOT_FOUND on `input.sid`, as is a sid of another account.',
    ].join(' '),
    args: { input: t.arg({ type: DeleteConversationInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => context.loaders.writes.deleteConversation(input.sid, options),
        payload: (deleted) => ({ deletedSid: deleted?.conversationId ?? null }),
      }),
  }),
);
