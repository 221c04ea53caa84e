// Subscription.conversationEvents: everything that changes in one conversation, in the order the
// facade received it; the same change reported twice reaches a subscriber once.
import { Delivery } from '../../live/delivery.ts';
import type { ReadyStream } from '../../live/ready-stream.ts';
import { RecentIds, REMEMBERED_KEYS } from '../../live/recent-ids.ts';
import { MAX_LENGTH } from '../input-bounds.ts';
import { builder } from '../builder.ts';
import { checkSid } from '../node-id.ts';
import { conversationAccount } from './access.ts';
import { ConversationEvent, conversationEventPayload, repeatKey, type ConversationEventPayload } from './events.ts';
import { eventDeliveries, openStream, type Subscriber } from './stream.ts';

function conversationEvents(subscriber: Subscriber, conversationId: string): ReadyStream<Delivery<ConversationEventPayload>> {
  const seen = new RecentIds(REMEMBERED_KEYS);
  return eventDeliveries(subscriber, (event) => {
    if (event.conversationSid !== conversationId) return undefined;
    const payload = conversationEventPayload(event);
    if (!payload) return undefined;
    if (!seen.add(repeatKey(event))) {
      subscriber.dropped(event, 'duplicate');
      return undefined;
    }
    return Delivery.ofEvent(payload, subscriber.eventLoaders(event), event);
  });
}

builder.subscriptionField('conversationEvents', (t) =>
  t.field({
    type: ConversationEvent,
    description: 'Everything that changes in one conversation: communications, participants and the conversation itself.',
    args: { conversationSid: t.arg.string({ required: true, extensions: { maxLength: MAX_LENGTH.sid } }) },
    subscribe: (_root, args, context) => {
      const conversationId = checkSid(args.conversationSid, 'conversationSid');
      return openStream(context, {
        field: 'conversationEvents',
        conversationSid: conversationId,
        accountOf: () => conversationAccount(context, conversationId),
        deliveries: (subscriber) => conversationEvents(subscriber, conversationId),
      });
    },
    resolve: (delivery) => delivery.unwrap(),
  }),
);
