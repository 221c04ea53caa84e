// What flows through the live-update plumbing: one change to one resource of one account, already
// decoded into the facade's own record types (upstream/decode.ts, so it is branded like any record
// read over REST). It is plain JSON-serialisable data: a Redis-backed bus can carry it between
// replicas unchanged. Intake (webhook.ts, poller.ts) makes events; the bus (bus.ts) carries them;
// the subscription fields (schema/subscriptions/) turn them into GraphQL payloads.
import type { UpstreamCommunication, UpstreamConversation, UpstreamParticipant } from '../upstream/types.ts';

/** The status-callback event types of Conversation Orchestrator that the facade uses. */
export const LIVE_EVENT_TYPES = [
  'CONVERSATION_CREATED',
  'CONVERSATION_UPDATED',
  'PARTICIPANT_ADDED',
  'PARTICIPANT_UPDATED',
  'PARTICIPANT_REMOVED',
  'COMMUNICATION_CREATED',
  'COMMUNICATION_UPDATED',
] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export type LiveRecord = UpstreamConversation | UpstreamParticipant | UpstreamCommunication;

/** Which record an event type carries. */
export type RecordOf<T extends LiveEventType> = T extends `CONVERSATION_${string}`
  ? UpstreamConversation
  : T extends `PARTICIPANT_${string}`
    ? UpstreamParticipant
    : UpstreamCommunication;

export interface LiveEvent<T extends LiveEventType = LiveEventType> {
  /**
   * Stable across repeated deliveries of the same change (a webhook's I-Twilio-Idempotency-Token,
   * or for polling a digest of type, id and updatedAt): subscribers see one eventId once.
   */
  eventId: string;
  type: T;
  /** The account the record belongs to: an event only ever reaches subscribers of this account. */
  accountSid: string;
  conversationSid: string;
  /** When the change happened, as the source says (RFC 3339). */
  occurredAt: string;
  /** Date.now() when the facade received it: delivery latency is measured from here. */
  receivedAt: number;
  source: 'webhook' | 'poll';
  record: RecordOf<T>;
}
