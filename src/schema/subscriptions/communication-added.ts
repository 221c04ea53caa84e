// Subscription.communicationAdded: a conversation's new communications as edges of
// Conversation.communications, delivered from the upstream list in its order and resumable with
// `after` (live/resume.ts: the catch-up, then a read of the list at each event, never twice, never
// at or before the cursor). Without `after`, the list's end is read while subscribing (shared by
// the subscribers of one credential opening at once): the stream delivers what comes after it.
import { scopeTag } from '../../connections/index.ts';
import { readLogEnd, type LogPlace } from '../../live/communication-log.ts';
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
      "A conversation's new communications, each as an edge of `Conversation.communications`, in that list's order: its cursor works as `after` there. With `after` (a cursor of that connection, or of an earlier event), every communication after it is delivered first, oldest first, then the live ones: no gap, no duplicate, whatever happened while the client was away and in whatever order the upstream reported it.",
    args: {
      conversationSid: t.arg.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }),
      after: t.arg.string({ required: false, extensions: { maxLength: MAX_LENGTH.cursor } }),
    },
    subscribe: (_root, args, context) => {
      const conversationId = checkSid(args.conversationSid, 'conversationSid');
      const scope = communicationsScope(conversationId, null);
      const tag = scopeTag(scope);
      // A bad cursor is refused before anything is taken or read.
      const after = args.after == null ? undefined : context.cursors.decode(tag, args.after, 'after');
      const log = { conversationId, codec: context.cursors, tag, maxPages: context.maxPagesPerConnection };
      let end: LogPlace | undefined;
      const placesKey = `communications\u0000${conversationId}`;
      return openStream(context, {
        field: 'communicationAdded',
        conversationSid: conversationId,
        accountOf: async ({ sharedRead, places }) => {
          const account = await conversationAccount(context, conversationId);
          // Allowed: where the list ends now, unless the client says where it stands; where a live
          // stream of these credentials stands idle is that end without a read (live/log-places.ts).
          if (!after)
            end = places.idle(placesKey) ?? (await sharedRead(`log-end\u0000${conversationId}`, (loaders) => readLogEnd(log, loaders)));
          return account;
        },
        deliveries: (subscriber) =>
          communicationsAfter({
            accountSid: subscriber.accountSid,
            conversationId,
            scope,
            codec: context.cursors,
            maxPages: context.maxPagesPerConnection,
            start: after ? { after } : { place: end! },
            pageLoaders: subscriber.pageLoaders,
            loadersMaxAgeMs: subscriber.loadersMaxAgeMs,
            events: subscriber.events,
            eventLoaders: subscriber.eventLoaders,
            onDropped: subscriber.dropped,
            trackPlace: (holder) => subscriber.places.track(placesKey, holder),
          }),
      });
    },
    resolve: (delivery) => delivery.unwrap(),
  }),
);
