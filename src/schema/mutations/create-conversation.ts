// Mutation.createConversation (contract §2.1) on the paved path (run-mutation.ts): the sid format,
// the metadata rules and the idempotencyKey are judged here for free; the upstream's refusals come
// back as userErrors; the new conversation primes the read loaders and comes with its edge of
// Query.conversations, for Relay's @appendEdge/@prependEdge.
import { standaloneEdge } from '../../connections/index.ts';
import type { UpstreamConversation } from '../../upstream/types.ts';
import type { CreateConversationBody } from '../../upstream/write-bodies.ts';
import { builder } from '../builder.ts';
import { Conversation, ConversationEdge, conversationsList } from '../conversation.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { JSONScalar } from '../scalars.ts';
import { mutationInputFields } from './inputs.ts';
import { payloadType, runMutation, type PayloadBase } from './run-mutation.ts';
import type { InputErrors } from './user-errors.ts';

const CreateConversationInput = builder.inputType('CreateConversationInput', {
  fields: (t) => ({
    configurationSid: t.string({
      required: true,
      description: 'The configuration the conversation follows (channels, callbacks, intelligence).',
      extensions: { maxLength: MAX_LENGTH.sid },
    }),
    name: t.string({ description: `At most ${MAX_LENGTH.default} characters.` }),
    metadata: t.field({
      type: JSONScalar,
      description:
        'Your key-value pairs: an object of at most 8 string values of at most 512 characters, keys of 1 to 128 letters, digits, `.`, `_` or `-`. Null is the same as leaving it out.',
    }),
    ...mutationInputFields(t, 'create'),
  }),
});

type Input = typeof CreateConversationInput.$inferInput;

interface Payload extends PayloadBase {
  conversation: UpstreamConversation | null;
}

/** Query.conversations without filters: the list a created conversation is an edge of. */
const ALL_CONVERSATIONS_SCOPE = conversationsList({}).scope;

const CreateConversationPayload = payloadType<Payload>('CreateConversationPayload', {
  fields: (t) => ({
    conversation: t.field({ type: Conversation, nullable: true, resolve: (payload) => payload.conversation }),
    conversationEdge: t.field({
      type: ConversationEdge,
      nullable: true,
      description:
        'The new conversation as an edge of `Query.conversations` (no filters): its cursor works as `after`/`before` there. For Relay’s @appendEdge.',
      resolve: (payload, _args, context) =>
        payload.conversation ? standaloneEdge(payload.conversation, ALL_CONVERSATIONS_SCOPE, context.cursors) : null,
    }),
  }),
});

function toUpstreamBody(input: Input): CreateConversationBody {
  return {
    configurationId: input.configurationSid,
    ...(input.name == null ? {} : { name: input.name }),
    // Checked to be an object of strings (checkInput); copied so only its own entries are sent.
    ...(input.metadata == null ? {} : { metadata: Object.fromEntries(Object.entries(input.metadata as object)) as Record<string, string> }),
  };
}

/** What the facade can tell is wrong without asking the upstream. */
function checkInput(input: Input, errors: InputErrors): void {
  if (input.configurationSid === '') errors.add(['configurationSid'], 'A configurationSid is required.', 'REQUIRED');
  errors.sid(['configurationSid'], input.configurationSid, 'configuration');
  errors.metadata(['metadata'], input.metadata, { removals: false });
}

builder.mutationField('createConversation', (t) =>
  t.field({
    type: CreateConversationPayload,
    description:
      'Starts a conversation under a configuration. Safe to retry with an `idempotencyKey`: a retry creates nothing new and returns the original conversation; the same key with another input is a CONFLICT on `input.idempotencyKey`.',
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    resolve: (_root, { input }, context, info) =>
      runMutation(input, info, {
        check: checkInput,
        write: (options) => context.loaders.writes.createConversation(toUpstreamBody(input), options),
        payload: (conversation) => ({ conversation }),
      }),
  }),
);
