// Participant: the node, its addresses, its conversation, and the Conversation.participants connection.
import {
  LIST_SCOPE_EXTENSION,
  PREFETCH_LIST_EXTENSION,
  serveConnection,
  type ListScopeOf,
  type PrefetchListOf,
} from '../connections/index.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamAddress, UpstreamParticipant } from '../upstream/types.ts';
import { builder, type Context } from './builder.ts';
import { Conversation } from './conversation.ts';
import { conversationOf } from './conversation-of.ts';
import { Channel, ParticipantType, toChannel, toParticipantType } from './enums.ts';
import { splitChildKey } from './node-id.ts';
import { isRecordOf } from './record-kind.ts';
import { DateTime } from './scalars.ts';

export const Participant = builder.objectRef<UpstreamParticipant>('Participant');

const ParticipantAddress = builder.objectRef<UpstreamAddress>('ParticipantAddress').implement({
  fields: (t) => ({
    address: t.exposeString('address'),
    channel: t.field({ type: Channel, resolve: (address) => toChannel(address.channel) }),
    channelId: t.exposeString('channelId', { nullable: true }),
  }),
});

builder.node(Participant, {
  description: 'Someone taking part in a conversation: a customer, a human or AI agent.',
  id: { resolve: (participant) => `${participant.conversationId}/${participant.id}` },
  isTypeOf: isRecordOf('Participant'),
  loadOne: (key, context) => context.loaders.participant.load(splitChildKey(key)),
  fields: (t) => ({
    sid: t.exposeString('id', { description: 'The upstream id, e.g. `conv_participant_…`.' }),
    name: t.exposeString('name', { nullable: true }),
    type: t.field({
      type: ParticipantType,
      nullable: true,
      resolve: (participant) => toParticipantType(participant.type),
    }),
    profileId: t.exposeString('profileId', { nullable: true }),
    addresses: t.field({ type: [ParticipantAddress], resolve: (participant) => participant.addresses }),
    createdAt: t.expose('createdAt', { type: DateTime, nullable: true }),
    updatedAt: t.expose('updatedAt', { type: DateTime, nullable: true }),
    conversation: t.field({
      type: Conversation,
      description: 'The conversation this participant takes part in.',
      resolve: (participant, _args, context, info) => conversationOf(participant, info, context, 'participant'),
    }),
  }),
});

/** The scope of a conversation's participants list; also used for an added participant's edge. */
export const participantsScope = (conversationId: string) => JSON.stringify(['participants', conversationId]);

const participantsOf = (conversationId: string, context: Context) => ({
  scope: participantsScope(conversationId),
  read: (page: PageRequest) => context.loaders.listParticipants(conversationId, page),
});

export const ParticipantEdge = builder.edgeObject({ type: Participant, name: 'ParticipantEdge' });

const ParticipantConnection = builder.connectionObject({ type: Participant, name: 'ParticipantConnection' }, ParticipantEdge);

builder.objectField(Conversation, 'participants', (t) =>
  t.connection(
    {
      type: Participant,
      description: 'Participants of the conversation, oldest first.',
      extensions: {
        [LIST_SCOPE_EXTENSION]: ((conversationId) =>
          conversationId === null ? null : participantsScope(conversationId)) satisfies ListScopeOf,
        // Under conversation(sid:), its first page is read while the conversation is fetched.
        [PREFETCH_LIST_EXTENSION]: ((conversationId, _args, context) =>
          participantsOf(conversationId, context)) satisfies PrefetchListOf<Context>,
      },
      resolve: (conversation, args, context) =>
        serveConnection(args, participantsOf(conversation.id, context), {
          codec: context.cursors,
          maxPages: context.maxPagesPerConnection,
        }),
    },
    ParticipantConnection,
  ),
);
