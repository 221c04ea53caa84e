// Mutation.updateConversation (contract §2.1) on the paved path (run-mutation.ts), with PATCH
// semantics end to end: a field left out of the input is left out of the upstream PATCH (unchanged),
// `name: null` is sent as null (cleared), `metadata` is the upstream's merge patch (a key set to null
// is removed, keys not mentioned are kept). The updated conversation primes the read loaders.
import type { UpstreamConversation } from '../../upstream/types.ts';
import type { UpdateConversationBody } from '../../upstream/write-bodies.ts';
import { builder } from '../builder.ts';
import { Conversation } from '../conversation.ts';
import { ConversationStatus } from '../enums.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { JSONScalar } from '../scalars.ts';
import { mutationInputFields } from './inputs.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

const UpdateConversationInput = builder.inputType('UpdateConversationInput', {
  description: 'A patch: a field left out is left unchanged.',
  fields: (t) => ({
    sid: t.string({ required: true, description: 'The conversation to update.', extensions: { maxLength: MAX_LENGTH.sid } }),
    name: t.string({ description: `The new name, at most ${MAX_LENGTH.default} characters; null clears it.` }),
    status: t.field({ type: ConversationStatus, description: 'The new status, e.g. CLOSED. Cannot be null.' }),
    metadata: t.field({
      type: JSONScalar,
      description:
        'Merged into the stored metadata: a key with a string value is set (at most 512 characters), a key set to null is removed, keys not mentioned are kept. At most 8 keys per update and 8 stored once merged. Cannot be null itself: to clear it, set each key to null.',
    }),
    ...mutationInputFields(t, 'update'),
  }),
});

type Input = typeof UpdateConversationInput.$inferInput;

interface Payload extends PayloadBase {
  conversation: UpstreamConversation | null;
}

const UpdateConversationPayload = payloadType<Payload>('UpdateConversationPayload', {
  fields: (t) => ({
    conversation: t.field({ type: Conversation, nullable: true, resolve: (payload) => payload.conversation }),
  }),
});

/** Only what the input names: an absent field must stay absent from the PATCH, a null name stay null. */
function toUpstreamBody(input: Input): UpdateConversationBody {
  return {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.status == null ? {} : { status: input.status }),
    // Checked to be an object of strings and nulls (checkInput); copied so only its own entries are sent.
    ...(input.metadata == null
      ? {}
      : { metadata: Object.fromEntries(Object.entries(input.metadata as object)) as Record<string, string | null> }),
  };
}

/** What the facade can tell is wrong without asking the upstream. */
function checkInput(input: Input, errors: InputErrors): void {
  if (input.sid === '') errors.add(['sid'], 'A conversation sid is required.', 'REQUIRED');
  errors.sid(['sid'], input.sid, 'conversation');
  // Neither can be cleared upstream; refusing null beats guessing whether it meant "unchanged".
  if (input.status === null) errors.add(['status'], 'status cannot be null: leave it out to keep the current status.');
  if (input.metadata === null) {
    errors.add(['metadata'], 'metadata cannot be null: leave it out to keep it, or set a key to null to remove that key.');
  }
  errors.metadata(['metadata'], input.metadata, { removals: true });
}

builder.mutationField('updateConversation', (t) =>
  t.field({
    type: UpdateConversationPayload,
    description:
      'Changes a conversation’s name, status or metadata (PATCH: what the input leaves out is unchanged). Applying the same update twice leaves the same state, so a retry is safe; the `idempotencyKey` is passed on as Idempotency-Key, though the upstream documents no replay for updates. An unknown sid (or one of another account) is NOT_FOUND on `input.sid`.',
    args: { input: t.arg({ type: UpdateConversationInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => context.loaders.writes.updateConversation(input.sid, toUpstreamBody(input), options),
        payload: (conversation) => ({ conversation }),
      }),
  }),
);
