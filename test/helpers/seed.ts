// Test data put straight into the emulator (same validation as its HTTP API, no HTTP cost).
import type { Emulator } from '../../src/emulator/index.ts';
import { ACCOUNT_SID } from './stack.ts';

export const CUSTOMER = { address: '+15005550001', channel: 'SMS' } as const;
export const AGENT = { address: '+15005550002', channel: 'SMS' } as const;

export function seedConversation(emulator: Emulator, name: string, account = ACCOUNT_SID): string {
  const conversation = emulator.data.createConversation(account, {
    configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
    name,
  }) as { id: string };
  return conversation.id;
}

/** Adds `count` text communications, alternating author, optionally with a channelId per item. */
export function seedCommunications(
  emulator: Emulator,
  conversationId: string,
  count: number,
  options: { channelId?: (index: number) => string | undefined; account?: string; prefix?: string } = {},
): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const channelId = options.channelId?.(i);
    const created = emulator.data.createCommunication(options.account ?? ACCOUNT_SID, conversationId, {
      author: i % 2 === 0 ? CUSTOMER : AGENT,
      recipients: [i % 2 === 0 ? AGENT : CUSTOMER],
      content: { type: 'TEXT', text: `${options.prefix ?? 'message'} ${i}` },
      ...(channelId ? { channelId } : {}),
    }) as { id: string };
    ids.push(created.id);
  }
  return ids;
}
