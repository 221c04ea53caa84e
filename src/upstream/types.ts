// The Conversations v2 resources as the facade reads them, written by hand from Twilio's OpenAPI
// document (../shared/upstream/conversations-v2.openapi.json). Enum-like fields stay plain strings:
// the upstream may add values at any time, and the schema layer decides each one's fallback.

export interface UpstreamAddress {
  address: string;
  channel: string;
  channelId?: string;
}

/** An address on a communication: the author or a recipient, optionally tied to a participant. */
export interface UpstreamParticipantAddress {
  address: string;
  channel: string;
  participantId?: string;
}

export interface UpstreamRecipient extends UpstreamParticipantAddress {
  deliveryStatus?: string;
}

/**
 * What a record is, stamped by the decoder (decode.ts) on every record it produces and named after
 * the GraphQL object type that serves it. The schema types records by this mark alone, never by
 * which fields they happen to have: a new resource (or a new field on an old one) cannot be taken
 * for another. A plain string field, so it survives a cache that copies or serialises records.
 */
export type RecordKind = 'Conversation' | 'Participant' | 'Communication';

export interface UpstreamConversation {
  readonly kind: 'Conversation';
  id: string;
  accountId: string;
  configurationId?: string;
  name?: string;
  status?: string;
  createdAt?: string;
  updatedAt?: string;
  /** Customer-managed key-value pairs (string values); absent when the upstream sent none or an unusable value (decode.ts). */
  metadata?: Record<string, string>;
}

export interface UpstreamParticipant {
  readonly kind: 'Participant';
  id: string;
  conversationId: string;
  accountId: string;
  name?: string;
  type?: string;
  profileId?: string;
  addresses: UpstreamAddress[];
  createdAt?: string;
  updatedAt?: string;
}

export interface UpstreamCommunication {
  readonly kind: 'Communication';
  id: string;
  conversationId: string;
  accountId: string;
  author: UpstreamParticipantAddress;
  recipients: UpstreamRecipient[];
  /** Discriminated by `type` (TEXT, TRANSCRIPTION) but kept raw: the upstream may send anything here. */
  content: unknown;
  channelId?: string;
  resourceId?: string;
  createdAt?: string;
  updatedAt?: string;
  occurredAt?: string;
}

/** One page of a token-paginated list. Missing, null and "" tokens are all normalised to null. */
export interface UpstreamPage<T> {
  items: T[];
  nextToken: string | null;
  previousToken: string | null;
}

export interface CreateCommunicationBody {
  author: UpstreamParticipantAddress;
  recipients: UpstreamParticipantAddress[];
  content:
    | { type: 'TEXT'; text: string }
    | {
        type: 'TRANSCRIPTION';
        text: string;
        transcription?: { channel?: number; confidence?: number; engine?: string };
      };
  channelId?: string;
  resourceId?: string;
  occurredAt?: string;
}
