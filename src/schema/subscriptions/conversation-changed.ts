// Subscription.conversationChanged: the account's conversations as they are created or change (an
// inbox), optionally only those with one of the given statuses.
import { Delivery } from '../../live/delivery.ts';
import type { ReadyStream } from '../../live/ready-stream.ts';
import { RecentIds, REMEMBERED_KEYS } from '../../live/recent-ids.ts';
import type { UpstreamConversation } from '../../upstream/types.ts';
import { builder } from '../builder.ts';
import { conversationsList } from '../conversation.ts';
import { ConversationStatus, toConversationStatus } from '../enums.ts';
import { inboxAccount } from './access.ts';
import { ConversationChangedEvent, repeatKey, type ConversationChangedPayload } from './events.ts';
import { eventDeliveries, openStream, type Subscriber } from './stream.ts';

function conversationChanges(subscriber: Subscriber, statuses: readonly string[]): ReadyStream<Delivery<ConversationChangedPayload>> {
  const { scope } = conversationsList({ status: statuses });
  const wanted = new Set(statuses);
  const seen = new RecentIds(REMEMBERED_KEYS);
  return eventDeliveries(subscriber, (event) => {
    if ((event.type !== 'CONVERSATION_CREATED' && event.type !== 'CONVERSATION_UPDATED') || event.record.kind !== 'Conversation')
      return undefined;
    const status = toConversationStatus((event.record as UpstreamConversation).status);
    if (wanted.size > 0 && (status === null || !wanted.has(status))) return undefined;
    if (!seen.add(repeatKey(event))) {
      subscriber.dropped(event, 'duplicate');
      return undefined;
    }
    return Delivery.ofEvent({ eventKind: 'ConversationChangedEvent', event, scope }, subscriber.eventLoaders(event), event);
  });
}

builder.subscriptionField('conversationChanged', (t) =>
  t.field({
    type: ConversationChangedEvent,
    description:
      "The account's conversations as they are created or change (an inbox); with `status`, only those with one of these statuses.",
    args: { status: t.arg({ type: [ConversationStatus], required: false }) },
    subscribe: (_root, args, context) =>
      openStream(context, {
        field: 'conversationChanged',
        accountOf: () => inboxAccount(context),
        deliveries: (subscriber) => conversationChanges(subscriber, args.status ?? []),
      }),
    resolve: (delivery) => delivery.unwrap(),
  }),
);
