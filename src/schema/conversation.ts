// Conversation: the node, Query.conversation and the Query.conversations connection.
import { KNOWN_ID_EXTENSION, LIST_SCOPE_EXTENSION, serveConnection, type KnownIdOf, type ListScopeOf } from '../connections/index.ts';
import type { UpstreamConversation } from '../upstream/types.ts';
import { builder } from './builder.ts';
import { CONVERSATION_STATUSES, ConversationStatus, toConversationStatus } from './enums.ts';
import { checkSid } from './node-id.ts';
import { prefetchConversationConnections } from './prefetch.ts';
import { isRecordOf } from './record-kind.ts';
import { DateTime, JSONScalar } from './scalars.ts';

export const Conversation = builder.objectRef<UpstreamConversation>('Conversation');

builder.node(Conversation, {
  description: 'A conversation: the communications of one customer across channels, and its participants.',
  id: { resolve: (conversation) => conversation.id },
  isTypeOf: isRecordOf('Conversation'),
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
    metadata: t.field({
      type: JSONScalar,
      nullable: true,
      description:
        'Your key-value pairs on the conversation: an object of at most 8 string values (keys of 1 to 128 letters, digits, `.`, `_` or `-`; values of at most 512 characters). Null when the upstream sent none.',
      resolve: (conversation) => conversation.metadata ?? null,
    }),
  }),
});

/** One canonical filter, so the same filter always yields the same cursors and tokens (also the scope of a created conversation's edge). */
export function conversationsList(args: { status?: readonly string[] | null | undefined; channelId?: unknown }) {
  const status = args.status ? CONVERSATION_STATUSES.filter((value) => args.status!.includes(value)) : [];
  const channelId = typeof args.channelId === 'string' ? args.channelId : undefined;
  return {
    scope: JSON.stringify(['conversations', status, channelId ?? null]),
    filter: { status, ...(channelId === undefined ? {} : { channelId }) },
  };
}

/** An edge of Query.conversations; also a created conversation's edge (createConversation). */
export const ConversationEdge = builder.edgeObject({ type: Conversation, name: 'ConversationEdge' });

const ConversationConnection = builder.connectionObject({ type: Conversation, name: 'ConversationConnection' }, ConversationEdge);

builder.queryFields((t) => ({
  conversation: t.field({
    type: Conversation,
    nullable: true,
    description: 'A conversation by its sid; null when it does not exist.',
    args: { sid: t.arg.string({ required: true }) },
    // Its lists' cursors are checked against this conversation before execution.
    extensions: { [KNOWN_ID_EXTENSION]: ((args) => (typeof args.sid === 'string' ? args.sid : null)) satisfies KnownIdOf },
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
      extensions: { [LIST_SCOPE_EXTENSION]: ((_parent, args) => conversationsList(args).scope) satisfies ListScopeOf },
      resolve: (_root, args, context) => {
        const { scope, filter } = conversationsList(args);
        return serveConnection(
          args,
          { scope, read: (page) => context.loaders.listConversations(page, filter) },
          { codec: context.cursors, maxPages: context.maxPagesPerConnection },
        );
      },
    },
    ConversationConnection,
  ),
}));
