// The payload types of the live subscriptions (contract §2.2): the ConversationEvent interface, its
// six types, and ConversationChangedEvent. A payload is told apart by the brand its stream stamps
// on it (`eventKind`, like the decoder's `kind` on records: record-kind.ts), never by which fields
// it has. Everything an event carries is answered from its record; `conversation` costs nothing
// for `id sid accountSid` and one fetch per event and credential otherwise (the event's loaders).
import type { GraphQLResolveInfo } from 'graphql';
import { standaloneEdge } from '../../connections/index.ts';
import type { LiveEvent } from '../../live/events.ts';
import type { UpstreamCommunication, UpstreamConversation, UpstreamParticipant } from '../../upstream/types.ts';
import { builder, type Context } from '../builder.ts';
import { Communication, CommunicationEdge, communicationsScope } from '../communication.ts';
import { Conversation, ConversationEdge } from '../conversation.ts';
import { conversationOf } from '../conversation-of.ts';
import { encodeNodeId } from '../node-id.ts';
import { Participant, ParticipantEdge, participantsScope } from '../participant.ts';
import { DateTime } from '../scalars.ts';

export const CONVERSATION_EVENT_KINDS = [
  'CommunicationAddedEvent',
  'CommunicationUpdatedEvent',
  'ParticipantAddedEvent',
  'ParticipantUpdatedEvent',
  'ParticipantRemovedEvent',
  'ConversationUpdatedEvent',
] as const;
export type ConversationEventKind = (typeof CONVERSATION_EVENT_KINDS)[number];

/** A payload of conversationEvents: the live event, branded with the GraphQL type that serves it. */
export interface ConversationEventPayload {
  readonly eventKind: ConversationEventKind;
  readonly event: LiveEvent;
}

/** A payload of conversationChanged; `scope` is the list its edge belongs to (the subscription's status filter). */
export interface ConversationChangedPayload {
  readonly eventKind: 'ConversationChangedEvent';
  readonly event: LiveEvent;
  readonly scope: string;
}

/** Which payload type a bus event becomes on conversationEvents (none: not an event of this field). */
const KIND_OF_TYPE: Partial<Record<LiveEvent['type'], ConversationEventKind>> = {
  COMMUNICATION_CREATED: 'CommunicationAddedEvent',
  COMMUNICATION_UPDATED: 'CommunicationUpdatedEvent',
  PARTICIPANT_ADDED: 'ParticipantAddedEvent',
  PARTICIPANT_UPDATED: 'ParticipantUpdatedEvent',
  PARTICIPANT_REMOVED: 'ParticipantRemovedEvent',
  CONVERSATION_UPDATED: 'ConversationUpdatedEvent',
};

/** The record kind each event type must carry: an event whose record is of another kind is not delivered. */
const RECORD_OF_TYPE: Record<LiveEvent['type'], LiveEvent['record']['kind']> = {
  CONVERSATION_CREATED: 'Conversation',
  CONVERSATION_UPDATED: 'Conversation',
  PARTICIPANT_ADDED: 'Participant',
  PARTICIPANT_UPDATED: 'Participant',
  PARTICIPANT_REMOVED: 'Participant',
  COMMUNICATION_CREATED: 'Communication',
  COMMUNICATION_UPDATED: 'Communication',
};

export function conversationEventPayload(event: LiveEvent): ConversationEventPayload | undefined {
  const eventKind = KIND_OF_TYPE[event.type];
  return eventKind && RECORD_OF_TYPE[event.type] === event.record.kind ? { eventKind, event } : undefined;
}

/** The same change reported twice (a repeated webhook, webhook and poll) is one key: creations by their record, the rest by event id. */
export function repeatKey(event: LiveEvent): string {
  return event.type.endsWith('_CREATED') || event.type === 'PARTICIPANT_ADDED'
    ? `${event.type}:${event.record.id}`
    : `event:${event.eventId}`;
}

const eventKindOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value as { eventKind?: unknown }).eventKind : undefined;

const KINDS: ReadonlySet<unknown> = new Set(CONVERSATION_EVENT_KINDS);

const conversationOfEvent = (
  event: LiveEvent,
  info: GraphQLResolveInfo,
  context: Context,
): Promise<UpstreamConversation> | UpstreamConversation =>
  event.record.kind === 'Conversation'
    ? event.record
    : conversationOf({ conversationId: event.conversationSid, accountId: event.accountSid }, info, context, 'event');

export const ConversationEvent = builder.interfaceRef<ConversationEventPayload>('ConversationEvent').implement({
  description: 'Something that changed in one conversation.',
  resolveType: (payload) => {
    const kind = eventKindOf(payload);
    if (KINDS.has(kind)) return kind as ConversationEventKind;
    throw new Error('A conversation event without its brand reached the ConversationEvent interface.');
  },
  fields: (t) => ({
    eventId: t.id({ description: 'The same for every delivery of one change.', resolve: ({ event }) => event.eventId }),
    occurredAt: t.field({
      type: DateTime,
      description: 'When the change happened, as the upstream reports it.',
      resolve: ({ event }) => event.occurredAt,
    }),
    conversation: t.field({ type: Conversation, resolve: ({ event }, _args, context, info) => conversationOfEvent(event, info, context) }),
  }),
});

function eventType(kind: ConversationEventKind, description: string) {
  return builder.objectRef<ConversationEventPayload>(kind).implement({
    description,
    interfaces: [ConversationEvent],
    isTypeOf: (value) => eventKindOf(value) === kind,
  });
}

const communicationOf = ({ event }: ConversationEventPayload) => event.record as UpstreamCommunication;
const participantOf = ({ event }: ConversationEventPayload) => event.record as UpstreamParticipant;

builder.objectFields(eventType('CommunicationAddedEvent', 'A communication was added to the conversation.'), (t) => ({
  communicationEdge: t.field({
    type: CommunicationEdge,
    description:
      "The communication as an edge of its conversation's `communications` (for @appendEdge); its cursor works as `after` there.",
    resolve: (payload, _args, context) => {
      const communication = communicationOf(payload);
      return standaloneEdge(communication, communicationsScope(communication.conversationId, null), context.cursors);
    },
  }),
}));

builder.objectFields(eventType('CommunicationUpdatedEvent', 'A communication changed, e.g. a recipient’s deliveryStatus.'), (t) => ({
  communication: t.field({ type: Communication, resolve: communicationOf }),
}));

builder.objectFields(eventType('ParticipantAddedEvent', 'A participant joined the conversation.'), (t) => ({
  participantEdge: t.field({
    type: ParticipantEdge,
    description: "The participant as an edge of its conversation's `participants` (for @appendEdge).",
    resolve: (payload, _args, context) => {
      const participant = participantOf(payload);
      return standaloneEdge(participant, participantsScope(participant.conversationId), context.cursors);
    },
  }),
}));

builder.objectFields(eventType('ParticipantUpdatedEvent', 'A participant changed.'), (t) => ({
  participant: t.field({ type: Participant, resolve: participantOf }),
}));

builder.objectFields(eventType('ParticipantRemovedEvent', 'A participant left the conversation.'), (t) => ({
  participantId: t.id({
    description: 'The removed participant’s Node id, for Relay’s @deleteRecord.',
    resolve: (payload) => {
      const participant = participantOf(payload);
      return encodeNodeId('Participant', `${participant.conversationId}/${participant.id}`);
    },
  }),
}));

eventType('ConversationUpdatedEvent', 'The conversation itself changed (name, status, metadata).');

export const ConversationChangedEvent = builder.objectRef<ConversationChangedPayload>('ConversationChangedEvent').implement({
  description: 'A conversation of the account was created or changed.',
  isTypeOf: (value) => eventKindOf(value) === 'ConversationChangedEvent',
  fields: (t) => ({
    eventId: t.id({ description: 'The same for every delivery of one change.', resolve: ({ event }) => event.eventId }),
    occurredAt: t.field({ type: DateTime, resolve: ({ event }) => event.occurredAt }),
    created: t.boolean({
      description: 'True when the conversation is new.',
      resolve: ({ event }) => event.type === 'CONVERSATION_CREATED',
    }),
    conversationEdge: t.field({
      type: ConversationEdge,
      description: 'The conversation as an edge of `Query.conversations` with the same status filter: its cursor works as `after` there.',
      resolve: ({ event, scope }, _args, context) => standaloneEdge(event.record as UpstreamConversation, scope, context.cursors),
    }),
  }),
});
