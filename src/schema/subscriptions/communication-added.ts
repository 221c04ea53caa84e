// Subscription.communicationAdded: a conversation's new communications as edges of
// Conversation.communications, resumable with `after` (live/resume.ts: the catch-up from the
// upstream list, then live, never twice, never at or before the cursor).
import { scopeTag } from '../../connections/index.ts';
import { communicationsAfter } from '../../live/resume.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { builder } from '../builder.ts';
import { CommunicationEdge, communicationsScope } from '../communication.ts';
import { checkSid } from '../node-id.ts';
import { conversationAccount } from './access.ts';
import { openStream } from './stream.ts';

builder.subscriptionField('communicationAdded', (t) =>
  t.field({
    type: CommunicationEdge,
    description:
      "A conversation's new communications, each as an edge of `Conversation.communications`: its cursor works as `after` there. With `after` (a cursor of that connection, or of an earlier event), every communication after it is delivered first, oldest first, then the live ones: no gap, no duplicate, whatever happened while the client was away.",
    args: {
      conversationSid: t.arg.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }),
      after: t.arg.string({ required: false, extensions: { maxLength: MAX_LENGTH.cursor } }),
    },
    subscribe: (_root, args, context) => {
      const conversationId = checkSid(args.conversationSid, 'conversationSid');
      const scope = communicationsScope(conversationId, null);
      // A bad cursor is refused before anything is taken or read.
      const after = args.after == null ? undefined : { text: args.after, cursor: context.cursors.decode(scopeTag(scope), args.after, 'after') };
      return openStream(context, {
        conversationSid: conversationId,
        accountOf: () => conversationAccount(context, conversationId),
        deliveries: (subscriber) =>
          communicationsAfter({
            accountSid: subscriber.accountSid,
            conversationId,
            scope,
            after,
            codec: context.cursors,
            maxPages: context.maxPagesPerConnection,
            pageLoaders: subscriber.pageLoaders,
            loadersMaxAgeMs: subscriber.loadersMaxAgeMs,
            events: subscriber.events,
            eventLoaders: subscriber.eventLoaders,
          }),
      });
    },
    resolve: (delivery) => delivery.unwrap(),
  }),
);
