// Conversation: the node, Query.conversation and the Query.conversations connection.
import { serveConnection } from '../connections/index.ts';
import type { UpstreamConversation } from '../upstream/types.ts';
import { builder } from './builder.ts';
import { CONVERSATION_STATUSES, ConversationStatus, toConversationStatus } from './enums.ts';
import { checkSid } from './node-id.ts';
import { prefetchConversationConnections } from './prefetch.ts';
import { DateTime } from './scalars.ts';

export const Conversation = builder.objectRef<UpstreamConversation>('Conversation');

builder.node(Conversation, {
  description: 'A conversation: the communications of one customer across channels, and its participants.',
  id: { resolve: (conversation) => conversation.id },
  // Node's resolveType: a conversation is the only node not inside a conversation.
  isTypeOf: (value) => typeof value === 'object' && value !== null && !('conversationId' in value),
  loadOne: (id, context) => context.loaders.conversation.load(id),
  fields: (t) => ({
    sid: t.exposeString('id', { description: 'The upstream id, e.g. `conv_conversation_…`.' }),
    accountSid: t.exposeString('accountId'),
    configurationSid: t.exposeString('configurationId', { nullable: true }),
    name: t.exposeString('name', { nullable: true }),
    status: t.field({
      type: ConversationStatus,
      nullable: true,
      resolve: (conversation) => toConversationStatus(conversation.status),
    }),
    createdAt: t.expose('createdAt', { type: DateTime, nullable: true }),
    updatedAt: t.expose('updatedAt', { type: DateTime, nullable: true }),
  }),
});

builder.queryFields((t) => ({
  conversation: t.field({
    type: Conversation,
    nullable: true,
    description: 'A conversation by its sid; null when it does not exist.',
    args: { sid: t.arg.string({ required: true }) },
    resolve: (_root, { sid }, context, info) => {
      const conversation = context.loaders.conversation.load(checkSid(sid, 'sid'));
      prefetchConversationConnections(sid, info, context);
      return conversation;
    },
  }),

  conversations: t.connection(
    {
      type: Conversation,
      description: 'Conversations of the account, oldest first.',
      args: {
        status: t.arg({ type: [ConversationStatus], required: false }),
        channelId: t.arg.string({ required: false }),
      },
      resolve: (_root, args, context) => {
        // One canonical filter, so the same filter always yields the same cursors and tokens.
        const status = args.status ? CONVERSATION_STATUSES.filter((value) => args.status!.includes(value)) : [];
        const channelId = args.channelId ?? undefined;
        const filter = { status, ...(channelId === undefined ? {} : { channelId }) };
        return serveConnection(
          args,
          {
            scope: JSON.stringify(['conversations', status, channelId ?? null]),
            read: (page) => context.loaders.listConversations(page, filter),
          },
          { codec: context.cursors, maxPages: context.maxPagesPerConnection },
        );
      },
    },
    { name: 'ConversationConnection' },
    { name: 'ConversationEdge' },
  ),
}));
