// Communication: the node, its author and recipients, Conversation.communications and
// Conversation.communication. A communication's global id carries its conversation's sid.
import {
  LIST_SCOPE_EXTENSION,
  PREFETCH_LIST_EXTENSION,
  serveConnection,
  type ListScopeOf,
  type PrefetchListOf,
} from '../connections/index.ts';
import type { PageRequest } from '../upstream/api.ts';
import { FacadeError } from '../errors.ts';
import type { UpstreamCommunication, UpstreamParticipantAddress, UpstreamRecipient } from '../upstream/types.ts';
import { builder, type Context } from './builder.ts';
import { CommunicationContent, readContent } from './content.ts';
import { Conversation } from './conversation.ts';
import { Channel, DeliveryStatus, toChannel, toDeliveryStatus } from './enums.ts';
import { checkSid, splitChildKey } from './node-id.ts';
import { Participant } from './participant.ts';
import { isRecordOf } from './record-kind.ts';
import { DateTime } from './scalars.ts';

export const Communication = builder.objectRef<UpstreamCommunication>('Communication');

/** An author or recipient address, with the conversation it belongs to for participant lookups. */
interface AddressShape {
  conversationId: string;
  address: UpstreamParticipantAddress | UpstreamRecipient;
}

const loadParticipant = ({ conversationId, address }: AddressShape, _args: object, context: Context) =>
  address.participantId ? context.loaders.participant.load({ conversationId, id: address.participantId }) : null;

const CommunicationAddress = builder.objectRef<AddressShape>('CommunicationAddress').implement({
  description: 'Who wrote a communication.',
});

const CommunicationRecipient = builder.objectRef<AddressShape>('CommunicationRecipient').implement({
  description: 'Who a communication was sent to, and how far its delivery got.',
  fields: (t) => ({
    deliveryStatus: t.field({
      type: DeliveryStatus,
      nullable: true,
      resolve: ({ address }) => toDeliveryStatus('deliveryStatus' in address ? address.deliveryStatus : undefined),
    }),
  }),
});

// The fields an author and a recipient share.
for (const ref of [CommunicationAddress, CommunicationRecipient]) {
  builder.objectFields(ref, (t) => ({
    address: t.string({ resolve: ({ address }) => address.address }),
    channel: t.field({ type: Channel, resolve: ({ address }) => toChannel(address.channel) }),
    participantSid: t.string({ nullable: true, resolve: ({ address }) => address.participantId ?? null }),
    participant: t.field({ type: Participant, nullable: true, resolve: loadParticipant }),
  }));
}

builder.node(Communication, {
  description: 'One message or utterance in a conversation, on any channel.',
  id: { resolve: (communication) => `${communication.conversationId}/${communication.id}` },
  isTypeOf: isRecordOf('Communication'),
  loadOne: (key, context) => context.loaders.communication.load(splitChildKey(key)),
  fields: (t) => ({
    sid: t.exposeString('id', { description: 'The upstream id, e.g. `conv_communication_…`.' }),
    accountSid: t.exposeString('accountId'),
    conversation: t.field({
      type: Conversation,
      resolve: async (communication, _args, context) => {
        const conversation = await context.loaders.conversation.load(communication.conversationId);
        if (!conversation) throw new FacadeError('NOT_FOUND', 'The conversation of this communication no longer exists.');
        return conversation;
      },
    }),
    author: t.field({
      type: CommunicationAddress,
      resolve: (communication) => ({ conversationId: communication.conversationId, address: communication.author }),
    }),
    recipients: t.field({
      type: [CommunicationRecipient],
      resolve: (communication) => communication.recipients.map((address) => ({ conversationId: communication.conversationId, address })),
    }),
    content: t.field({ type: CommunicationContent, resolve: (communication) => readContent(communication.content) }),
    channelId: t.exposeString('channelId', { nullable: true }),
    resourceId: t.exposeString('resourceId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: DateTime, nullable: true }),
    updatedAt: t.expose('updatedAt', { type: DateTime, nullable: true }),
    occurredAt: t.expose('occurredAt', { type: DateTime, nullable: true }),
  }),
});

/** The scope of a conversation's communications list; also used for a created communication's edge. */
export const communicationsScope = (conversationId: string, channelId: string | null) =>
  JSON.stringify(['communications', conversationId, channelId]);

export const CommunicationEdge = builder.edgeObject({ type: Communication, name: 'CommunicationEdge' });

const CommunicationConnection = builder.connectionObject({ type: Communication, name: 'CommunicationConnection' }, CommunicationEdge);

function communicationsOf(conversationId: string, channelId: string | null | undefined, context: Context) {
  const filter = channelId == null ? {} : { channelId };
  return {
    scope: communicationsScope(conversationId, channelId ?? null),
    read: (page: PageRequest) => context.loaders.listCommunications(conversationId, page, filter),
  };
}

builder.objectFields(Conversation, (t) => ({
  communications: t.connection(
    {
      type: Communication,
      description: 'Communications of the conversation, oldest first.',
      args: { channelId: t.arg.string({ required: false }) },
      extensions: {
        [LIST_SCOPE_EXTENSION]: ((conversationId, args) =>
          conversationId === null
            ? null
            : communicationsScope(conversationId, typeof args.channelId === 'string' ? args.channelId : null)) satisfies ListScopeOf,
        // Under conversation(sid:), its first page is read while the conversation is fetched.
        [PREFETCH_LIST_EXTENSION]: ((conversationId, args, context) =>
          communicationsOf(conversationId, args.channelId as string | null | undefined, context)) satisfies PrefetchListOf<Context>,
      },
      resolve: (conversation, args, context) =>
        serveConnection(args, communicationsOf(conversation.id, args.channelId, context), {
          codec: context.cursors,
          maxPages: context.maxPagesPerConnection,
        }),
    },
    CommunicationConnection,
  ),

  communication: t.field({
    type: Communication,
    nullable: true,
    description: 'One communication of the conversation by its sid; null when it does not exist.',
    args: { sid: t.arg.string({ required: true }) },
    resolve: (conversation, { sid }, context) =>
      context.loaders.communication.load({ conversationId: conversation.id, id: checkSid(sid, 'sid') }),
  }),
}));
