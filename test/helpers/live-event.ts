// Tests that put on the live bus what no signed webhook could carry (a forged account, a record that
// breaks a resolver, a burst) build the event here, stamped as the webhook intake stamps it.
import type { LiveEvent, LiveEventType } from '../../src/live/events.ts';

/** A webhook-sourced live event, occurred and received now. */
export function webhookEvent<T extends LiveEventType>(event: Omit<LiveEvent<T>, 'occurredAt' | 'receivedAt' | 'source'>): LiveEvent<T> {
  return { ...event, occurredAt: new Date().toISOString(), receivedAt: Date.now(), source: 'webhook' } as LiveEvent<T>;
}

/** A CONVERSATION_UPDATED event of `accountSid`'s conversation `sid`, renamed `name`: a payload that needs no upstream read. */
export function conversationRenamed(accountSid: string, sid: string, eventId: string, name: string): LiveEvent<'CONVERSATION_UPDATED'> {
  return webhookEvent({
    eventId,
    type: 'CONVERSATION_UPDATED',
    accountSid,
    conversationSid: sid,
    record: { kind: 'Conversation', id: sid, accountId: accountSid, name },
  } as Omit<LiveEvent<'CONVERSATION_UPDATED'>, 'occurredAt' | 'receivedAt' | 'source'>);
}
