// The resources as the API returns them (written from the OpenAPI document's response schemas).
// Stored records are these objects; EmulatorData.insertRaw may store anything with an id, which is
// why readers of stored data treat fields as unknown.

export const CHANNELS = ['VOICE', 'SMS', 'RCS', 'WHATSAPP', 'CHAT', 'VIDEO'] as const;
export const PARTICIPANT_TYPES = ['HUMAN_AGENT', 'CUSTOMER', 'AI_AGENT', 'AGENT', 'UNKNOWN'] as const;
export const CONVERSATION_STATUSES = ['ACTIVE', 'INACTIVE', 'CLOSED'] as const;
export const DELIVERY_STATUSES = ['INITIATED', 'IN_PROGRESS', 'DELIVERED', 'READ', 'COMPLETED', 'FAILED'] as const;

export type Channel = (typeof CHANNELS)[number];
export type ParticipantType = (typeof PARTICIPANT_TYPES)[number];
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface StatusCallback {
  url: string;
  method?: 'POST' | 'GET';
}

export interface ConversationConfiguration {
  intelligenceConfigurationIds?: string[];
  traitExtractionStrategyIds?: string[];
  observationExtractionStrategyIds?: string[];
  workflows?: { flowId: string }[];
  statusCallbacks?: StatusCallback[];
}

export interface Conversation {
  id: string;
  accountId: string;
  configurationId: string;
  status: ConversationStatus;
  name: string | null;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, string>;
  configuration?: ConversationConfiguration;
  /** Only on the create response, when participants were created with the conversation. */
  participants?: Participant[];
}

export interface ParticipantAddress {
  channel: Channel;
  address: string;
  channelId?: string;
}

export interface Participant {
  id: string;
  conversationId: string;
  accountId: string;
  name: string | null;
  type: ParticipantType;
  profileId?: string;
  addresses: ParticipantAddress[];
  createdAt: string;
  updatedAt: string;
}

export interface CommunicationAddress {
  address: string;
  channel: Channel;
  participantId?: string;
}

export interface Recipient extends CommunicationAddress {
  deliveryStatus?: DeliveryStatus;
}

export interface TranscriptionWord {
  text: string;
  startTime?: string;
  endTime?: string;
}

export type CommunicationContent =
  | { type: 'TEXT'; text: string }
  | {
      type: 'TRANSCRIPTION';
      text: string;
      transcription?: { channel?: number; confidence?: number; engine?: string; words?: TranscriptionWord[] };
    };

export interface Communication {
  id: string;
  conversationId: string;
  accountId: string;
  author: CommunicationAddress;
  content: CommunicationContent;
  channelId?: string;
  resourceId?: string;
  recipients: Recipient[];
  createdAt: string;
  updatedAt: string;
  occurredAt: string;
}

export const CONVERSATION_GROUPING_TYPES = [
  'GROUP_BY_PROFILE',
  'GROUP_BY_PARTICIPANT_ADDRESSES',
  'GROUP_BY_PARTICIPANT_ADDRESSES_AND_CHANNEL_TYPE',
] as const;
export type ConversationGroupingType = (typeof CONVERSATION_GROUPING_TYPES)[number];

export interface ChannelSetting {
  statusTimeouts?: { inactive?: number; closed?: number };
  captureRules?: { from: string; to: string; metadata?: Record<string, string> }[];
}

/** A ControlPlane Configuration (the full OpenAPI document's `conversations.v2.configuration`). */
export interface Configuration {
  id: string;
  displayName: string;
  description: string;
  conversationGroupingType: ConversationGroupingType;
  memoryStoreId: string;
  channelSettings?: Record<string, ChannelSetting>;
  /** The default status callbacks of the conversations under this configuration. */
  statusCallbacks?: StatusCallback[];
  intelligenceConfigurationIds?: string[];
  memoryExtractionEnabled: boolean;
  conversationsV1Bridge?: { serviceId: string };
  createdAt: string;
  updatedAt: string;
  version: number;
}
