// Tests that put on the live bus what no signed webhook could carry (a forged account, a record that
// breaks a resolver, a burst) build the event here, stamped as the webhook intake stamps it.
import type { LiveEvent, LiveEventType } from '../../src/live/events.ts';

/** A webhook-sourced live event, occurred and received now. */
export function webhookEvent<T extends LiveEventType>(event: Omit<LiveEvent<T>, 'occurredAt' | 'receivedAt' | 'source'>): LiveEvent<T> {
  return { ...event, occurredAt: new Date().toISOString(), receivedAt: Date.now(), source: 'webhook' } as LiveEvent<T>;
}
