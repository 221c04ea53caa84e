// Validates upstream JSON at the boundary, so the rest of the facade works with typed values.
// Strict where the OpenAPI document marks a field required (a body without them is a broken
// upstream, reported as UPSTREAM_UNAVAILABLE); lenient elsewhere: an optional field with a value
// of the wrong type reads as absent, enum values stay strings, content stays raw. Every record
// leaves here stamped with what it is (its `kind`), which is how the schema tells records apart.
import { z } from 'zod';
import { RFC3339_DATE_TIME } from '../rfc3339.ts';
import { UpstreamError } from './errors.ts';
import type { RecordKind, UpstreamCommunication, UpstreamConversation, UpstreamPage, UpstreamParticipant } from './types.ts';

const optionalString = z.string().optional().catch(undefined);
const optionalDate = z.string().regex(RFC3339_DATE_TIME).optional().catch(undefined);

const address = z.object({
  address: z.string(),
  channel: z.string(),
  channelId: optionalString,
});

const participantAddress = z.object({
  address: z.string(),
  channel: z.string(),
  participantId: optionalString,
});

const recipient = participantAddress.extend({ deliveryStatus: optionalString });

/**
 * Stamps what a record is (types.ts, RecordKind) once it has parsed: the object schemas drop any
 * key they do not declare, so an upstream body that sends a `kind` of its own cannot choose it.
 */
const stamp =
  <K extends RecordKind>(kind: K) =>
  <T extends object>(record: T): T & { readonly kind: K } =>
    Object.assign(record, { kind });

/**
 * Conversation metadata: the document promises at most 8 string values, keys of 1..128 characters
 * and values of at most 512. Read with room to spare (so a limit the upstream raises later still
 * reads) but bounded, so no upstream can push an unbounded value through the JSON field; anything
 * else — more entries, longer strings, a value that is not a string — reads as absent, never as a
 * partial object a client could write back as if it were whole.
 */
const METADATA_READ_BOUNDS = { entries: 64, keyLength: 128, valueLength: 4096 } as const;

/** Own enumerable entries only, copied with Object.fromEntries: a `__proto__` key stays a plain key. */
function readMetadata(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length > METADATA_READ_BOUNDS.entries) return undefined;
  const usable = entries.every(
    ([key, entry]) =>
      key.length <= METADATA_READ_BOUNDS.keyLength && typeof entry === 'string' && entry.length <= METADATA_READ_BOUNDS.valueLength,
  );
  return usable ? Object.fromEntries(entries) : undefined;
}

const metadata = z.unknown().transform(readMetadata).optional();

const conversation = z
  .object({
    id: z.string().min(1),
    accountId: z.string(),
    configurationId: optionalString,
    name: optionalString,
    status: optionalString,
    createdAt: optionalDate,
    updatedAt: optionalDate,
    metadata,
  })
  .transform(stamp('Conversation'));

const participant = z
  .object({
    id: z.string().min(1),
    conversationId: z.string().min(1),
    accountId: z.string(),
    name: optionalString,
    type: optionalString,
    profileId: optionalString,
    addresses: z
      .array(address)
      .optional()
      .catch(undefined)
      .transform((list) => list ?? []),
    createdAt: optionalDate,
    updatedAt: optionalDate,
  })
  .transform(stamp('Participant'));

const communication = z
  .object({
    id: z.string().min(1),
    conversationId: z.string().min(1),
    accountId: z.string(),
    author: participantAddress,
    recipients: z.array(recipient),
    content: z.unknown(),
    channelId: optionalString,
    resourceId: optionalString,
    createdAt: optionalDate,
    updatedAt: optionalDate,
    occurredAt: optionalDate,
  })
  .transform(stamp('Communication'));

const pageToken = z
  .string()
  .nullish()
  .catch(undefined)
  .transform((token) => (token ? token : null));

const pageMeta = z.object({ nextToken: pageToken, previousToken: pageToken }).optional().catch(undefined);

export type Decoder<T> = (json: unknown) => T;

function decoder<T>(schema: z.ZodType<T, unknown>, what: string): Decoder<T> {
  const compiled = z.compile(schema);
  return (json) => {
    const result = compiled.safeParse(json);
    if (result.success) return result.data;
    // The issue paths say where the body broke without echoing any of its values.
    const where = result.error.issues
      .slice(0, 3)
      .map((issue) => issue.path.join('.') || '(root)')
      .join(', ');
    throw new UpstreamError('UPSTREAM_UNAVAILABLE', `The upstream sent an invalid ${what}`, {
      detail: `invalid ${what} at ${where}`,
    });
  };
}

export const decodeConversation: Decoder<UpstreamConversation> = decoder(conversation, 'conversation');
export const decodeParticipant: Decoder<UpstreamParticipant> = decoder(participant, 'participant');
export const decodeCommunication: Decoder<UpstreamCommunication> = decoder(communication, 'communication');

/** A list body names its array after the resource: `{communications: [...], meta: {...}}`. */
function listDecoder<T>(key: string, item: z.ZodType<T, unknown>, what: string): Decoder<UpstreamPage<T>> {
  const decode = decoder(z.object({ items: z.array(item), meta: pageMeta }), what);
  return (json) => {
    const body = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : {};
    const page = decode({ items: body[key], meta: body.meta });
    return {
      items: page.items,
      nextToken: page.meta?.nextToken ?? null,
      previousToken: page.meta?.previousToken ?? null,
    };
  };
}

export const decodeConversationPage = listDecoder('conversations', conversation, 'conversation list');
export const decodeParticipantPage = listDecoder('participants', participant, 'participant list');
export const decodeCommunicationPage = listDecoder('communications', communication, 'communication list');

/** The fields of a Twilio error body the facade uses; anything else in it is ignored. */
export interface TwilioErrorBody {
  code?: number;
  message?: string;
}

const twilioError = z.object({ code: z.number().optional().catch(undefined), message: optionalString });

export function decodeTwilioError(json: unknown): TwilioErrorBody {
  const result = twilioError.safeParse(json);
  return result.success ? result.data : {};
}
