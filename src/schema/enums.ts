// The enums of the contract. The upstream may add values at any time: each output field maps an
// unknown value to a documented fallback instead of failing the query.
import { builder } from './builder.ts';

function fallback<const T extends string>(values: readonly T[], otherwise: T | null) {
  const known = new Set<string>(values);
  return (value: string | undefined): T | null => (value === undefined ? null : known.has(value) ? (value as T) : otherwise);
}

export const CHANNELS = ['VOICE', 'SMS', 'RCS', 'WHATSAPP', 'CHAT', 'VIDEO', 'UNKNOWN'] as const;
export const Channel = builder.enumType('Channel', {
  description: 'The channel of an address. `UNKNOWN` stands for a channel the upstream added after this schema.',
  values: {
    VOICE: {},
    SMS: {},
    RCS: {},
    WHATSAPP: {},
    CHAT: {},
    VIDEO: {},
    UNKNOWN: { description: 'A channel this schema does not know yet (output only; never accepted as input).' },
  } as const,
});
const channelOrUnknown = fallback(CHANNELS, 'UNKNOWN');
export const toChannel = (value: string) => channelOrUnknown(value) ?? 'UNKNOWN';

const DELIVERY_STATUSES = ['INITIATED', 'IN_PROGRESS', 'DELIVERED', 'READ', 'COMPLETED', 'FAILED'] as const;
export const DeliveryStatus = builder.enumType('DeliveryStatus', {
  description: 'Delivery of a communication to one recipient. A status this schema does not know reads as null.',
  values: DELIVERY_STATUSES,
});
export const toDeliveryStatus = fallback(DELIVERY_STATUSES, null);

export const CONVERSATION_STATUSES = ['ACTIVE', 'INACTIVE', 'CLOSED'] as const;
export const ConversationStatus = builder.enumType('ConversationStatus', {
  description: 'Lifecycle of a conversation. A status this schema does not know reads as null.',
  values: CONVERSATION_STATUSES,
});
export const toConversationStatus = fallback(CONVERSATION_STATUSES, null);

const PARTICIPANT_TYPES = ['HUMAN_AGENT', 'CUSTOMER', 'AI_AGENT', 'AGENT', 'UNKNOWN'] as const;
export const ParticipantType = builder.enumType('ParticipantType', {
  description: 'The kind of participant. A type this schema does not know reads as `UNKNOWN`.',
  values: PARTICIPANT_TYPES,
});
export const toParticipantType = fallback(PARTICIPANT_TYPES, 'UNKNOWN');
