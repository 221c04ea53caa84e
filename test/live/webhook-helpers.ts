// Shared by the webhook tests: what a published event looks like from the bus, REST resources to
// put in callbacks, and the callback envelope Conversation Orchestrator sends.
import { randomUUID } from 'node:crypto';
import type { LiveBus } from '../../src/live/bus.ts';
import type { LiveEvent } from '../../src/live/events.ts';
import { ACCOUNT_SID, type Stack } from '../helpers/stack.ts';
import { AGENT, CUSTOMER } from '../helpers/seed.ts';

export const OTHER_ACCOUNT = 'AC22222222222222222222222222222222';
export const OTHER_TOKEN = 'other-token';
export const UNKNOWN_ACCOUNT = 'AC33333333333333333333333333333333';
export const PUBLIC_WEBHOOK_URL = 'https://graphql.example.com/api/webhooks/conversations';
export const SECRET_TEXT = 'the customer said something private';
export const TIMESTAMP = '2026-03-01T10:00:00.000Z';

/** Everything published on the bus for an account, read without waiting: publishing is synchronous, so a marker published last ends the read. */
export function recorder(bus: LiveBus, accountSid: string) {
  const listener = bus.listen({ accountSid }, { maxBuffered: 10_000 });
  const events = listener[Symbol.asyncIterator]();
  return {
    async take(): Promise<LiveEvent[]> {
      const marker = `marker-${randomUUID()}`;
      await bus.publish({ eventId: marker, accountSid, conversationSid: 'marker' } as LiveEvent);
      const seen: LiveEvent[] = [];
      for (let i = 0; i < 10_000; i++) {
        const next = await events.next();
        if (next.done || next.value.eventId === marker) return seen;
        seen.push(next.value);
      }
      throw new Error('no marker');
    },
    close: () => listener.close(),
  };
}

export interface Records {
  conversation: Record<string, unknown>;
  participant: Record<string, unknown>;
  communication: Record<string, unknown>;
}

export function seedRecords(stack: Stack, account = ACCOUNT_SID): Records {
  const { data } = stack.emulator;
  const conversation = data.createConversation(account, {
    configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
    name: 'Webhook thread',
  });
  const participant = data.createParticipant(account, conversation.id, { name: 'Lee', addresses: [{ channel: 'CHAT', address: 'lee' }] });
  const communication = data.createCommunication(account, conversation.id, {
    author: CUSTOMER,
    recipients: [AGENT],
    content: { type: 'TEXT', text: SECRET_TEXT },
  });
  const plain = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  return { conversation: plain(conversation), participant: plain(participant), communication: plain(communication) };
}

export const callback = (eventType: string, data: unknown) => ({ eventType, timestamp: TIMESTAMP, data });

export function metricValue(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
