// Mutation.createCommunication: Relay-style input and payload. Input the facade can judge is
// checked before anything is sent (bad input costs nothing upstream); what the upstream rejects
// (400/404/409) comes back as userErrors pointing into `input`; everything else is a top-level error.
import { standaloneEdge } from '../connections/index.ts';
import { UpstreamError } from '../upstream/errors.ts';
import type { CreateCommunicationBody, UpstreamCommunication, UpstreamParticipantAddress } from '../upstream/types.ts';
import { builder } from './builder.ts';
import { Communication, CommunicationEdge, communicationsScope } from './communication.ts';
import { CommunicationContentInput } from './content.ts';
import { Channel } from './enums.ts';
import { SID_PATTERN } from './node-id.ts';
import { DateTime } from './scalars.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type UserErrorCodeValue = 'INVALID' | 'REQUIRED' | 'NOT_FOUND' | 'CONFLICT';
interface UserErrorShape {
  field: string[] | null;
  message: string;
  code: UserErrorCodeValue;
}

const UserErrorCode = builder.enumType('UserErrorCode', {
  values: ['INVALID', 'REQUIRED', 'NOT_FOUND', 'CONFLICT'] as const,
});

const UserError = builder.objectRef<UserErrorShape>('UserError').implement({
  description: 'Why an input was not accepted. `field` is the path of the offending input field, from `input`.',
  fields: (t) => ({
    field: t.exposeStringList('field', { nullable: true }),
    message: t.exposeString('message'),
    code: t.field({ type: UserErrorCode, resolve: (error) => error.code }),
  }),
});

const AddressInput = builder.inputType('AddressInput', {
  fields: (t) => ({
    address: t.string({ required: true }),
    channel: t.field({ type: Channel, required: true }),
    participantSid: t.string(),
  }),
});

const CreateCommunicationInput = builder.inputType('CreateCommunicationInput', {
  fields: (t) => ({
    conversationSid: t.string({ required: true }),
    author: t.field({ type: AddressInput, required: true }),
    recipients: t.field({ type: [AddressInput], required: true, description: 'At least one.' }),
    content: t.field({ type: CommunicationContentInput, required: true }),
    channelId: t.string(),
    resourceId: t.string({
      description: 'Your id for this communication (e.g. a MessageSid): sending it again updates the same communication.',
    }),
    occurredAt: t.field({ type: DateTime }),
    idempotencyKey: t.string({
      description: 'A UUID. Retrying the mutation with the same key creates nothing new and returns the original result.',
    }),
    clientMutationId: t.string(),
  }),
});

interface PayloadShape {
  communication: UpstreamCommunication | null;
  userErrors: UserErrorShape[];
  clientMutationId: string | null;
}

const CreateCommunicationPayload = builder.objectRef<PayloadShape>('CreateCommunicationPayload').implement({
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
    userErrors: t.field({ type: [UserError], resolve: (payload) => payload.userErrors }),
    clientMutationId: t.exposeString('clientMutationId', { nullable: true }),
  }),
});

type Input = typeof CreateCommunicationInput.$inferInput;
type AddressInputShape = typeof AddressInput.$inferInput;

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
function checkInput(input: Input): UserErrorShape[] {
  const errors: UserErrorShape[] = [];
  const invalid = (field: string[], message: string, code: UserErrorCodeValue = 'INVALID') =>
    errors.push({ field: ['input', ...field], message, code });
  if (!SID_PATTERN.test(input.conversationSid)) invalid(['conversationSid'], 'Not a valid conversation sid.');
  if (input.recipients.length === 0) invalid(['recipients'], 'At least one recipient is required.', 'REQUIRED');
  const addresses: [string[], AddressInputShape][] = [
    [['author'], input.author],
    ...input.recipients.map((recipient, i): [string[], AddressInputShape] => [['recipients', String(i)], recipient]),
  ];
  for (const [path, address] of addresses) {
    if (address.address.trim() === '') invalid([...path, 'address'], 'An address is required.', 'REQUIRED');
    if (address.channel === 'UNKNOWN') invalid([...path, 'channel'], 'UNKNOWN is not a channel that can be sent to.');
    if (address.participantSid != null && !SID_PATTERN.test(address.participantSid)) {
      invalid([...path, 'participantSid'], 'Not a valid participant sid.');
    }
  }
  if (input.resourceId === '') invalid(['resourceId'], 'resourceId cannot be empty.');
  if (input.idempotencyKey != null && !UUID.test(input.idempotencyKey)) {
    invalid(['idempotencyKey'], 'idempotencyKey must be a UUID.');
  }
  const confidence = input.content.transcription?.confidence;
  if (confidence != null && (confidence < 0 || confidence > 1)) {
    invalid(['content', 'transcription', 'confidence'], 'confidence must be between 0 and 1.');
  }
  return errors;
}

/** Maps an upstream parameter path (`recipients[0].participantId`) onto the input's field path. */
function inputPathFor(parameter: string, input: Pick<Input, 'content'>): string[] {
  const parts = parameter.split(/[.[\]]+/).filter(Boolean);
  const renamed = parts.map((part) => (part === 'participantId' ? 'participantSid' : part));
  if (renamed[0] === 'content') {
    const member = input.content.transcription ? 'transcription' : 'text';
    const rest = renamed.slice(1).filter((part) => part !== 'transcription' && part !== 'type');
    return ['input', 'content', member, ...rest];
  }
  return ['input', ...renamed];
}

/** The upstream's refusal of this input as userErrors, or undefined when it is not about the input. */
function userErrorsFor(error: unknown, input: Input): UserErrorShape[] | undefined {
  if (!(error instanceof UpstreamError)) return undefined;
  const parameter = /'([A-Za-z0-9_.[\]]+)'/.exec(error.twilioMessage ?? '')?.[1];
  const field = parameter ? inputPathFor(parameter, input) : null;
  const message = error.twilioMessage ?? 'The conversation service rejected this input.';
  switch (error.status) {
    case 400:
    case 422:
      return [{ field, message, code: /^missing|required/i.test(message) ? 'REQUIRED' : 'INVALID' }];
    case 404:
      return [
        {
          field: field ?? ['input', 'conversationSid'],
          message: parameter ? message : 'The conversation does not exist.',
          code: 'NOT_FOUND',
        },
      ];
    case 409:
      return [{ field, message, code: 'CONFLICT' }];
    default:
      return undefined;
  }
}

builder.mutationField('createCommunication', (t) =>
  t.field({
    type: CreateCommunicationPayload,
    description:
      'Adds a communication to a conversation (or updates the one with the same `resourceId`). Safe to retry with an `idempotencyKey`.',
    args: { input: t.arg({ type: CreateCommunicationInput, required: true }) },
    resolve: async (_root, { input }, context): Promise<PayloadShape> => {
      const clientMutationId = input.clientMutationId ?? null;
      const invalid = checkInput(input);
      if (invalid.length > 0) return { communication: null, userErrors: invalid, clientMutationId };
      try {
        const { communication } = await context.loaders.createCommunication(
          input.conversationSid,
          toUpstreamBody(input),
          input.idempotencyKey ?? undefined,
        );
        return { communication, userErrors: [], clientMutationId };
      } catch (error) {
        const userErrors = userErrorsFor(error, input);
        if (!userErrors) throw error;
        return { communication: null, userErrors, clientMutationId };
      }
    },
  }),
);

