// The Conversations v2 operations the facade uses, typed, bound to one caller's context.
// Loaders call these; nothing else in the facade builds upstream paths.
import type { CallContext, UpstreamClient } from './client.ts';
import {
  decodeCommunication,
  decodeCommunicationPage,
  decodeConversation,
  decodeConversationPage,
  decodeParticipant,
  decodeParticipantPage,
} from './decode.ts';
import { UpstreamError } from './errors.ts';
import type {
  CreateCommunicationBody,
  UpstreamCommunication,
  UpstreamConversation,
  UpstreamPage,
  UpstreamParticipant,
} from './types.ts';

export interface PageRequest {
  pageSize: number;
  pageToken: string | null;
}

export interface ConversationFilter {
  status?: readonly string[];
  channelId?: string;
}

export type ConversationsApi = ReturnType<typeof conversationsApi>;

const segment = encodeURIComponent;

function pageQuery(page: PageRequest): URLSearchParams {
  const query = new URLSearchParams({ pageSize: String(page.pageSize) });
  if (page.pageToken !== null) query.set('pageToken', page.pageToken);
  return query;
}

/** A fetch by id answers null for a 404: a missing object is null, not an error. */
async function nullWhenMissing<T>(fetch: Promise<{ data: T }>): Promise<T | null> {
  try {
    return (await fetch).data;
  } catch (error) {
    if (error instanceof UpstreamError && error.status === 404) return null;
    throw error;
  }
}

export function conversationsApi(client: UpstreamClient, context: CallContext) {
  return {
    async listConversations(
      page: PageRequest,
      filter: ConversationFilter = {},
    ): Promise<UpstreamPage<UpstreamConversation>> {
      const query = pageQuery(page);
      for (const status of filter.status ?? []) query.append('status', status);
      if (filter.channelId !== undefined) query.set('channelId', filter.channelId);
      const response = await client.request(
        context,
        { operation: 'ListConversations', method: 'GET', path: '/v2/Conversations', query },
        decodeConversationPage,
      );
      return response.data;
    },

    getConversation(id: string): Promise<UpstreamConversation | null> {
      return nullWhenMissing(
        client.request(
          context,
          { operation: 'FetchConversation', method: 'GET', path: `/v2/Conversations/${segment(id)}` },
          decodeConversation,
        ),
      );
    },

    async listParticipants(conversationId: string, page: PageRequest): Promise<UpstreamPage<UpstreamParticipant>> {
      const response = await client.request(
        context,
        {
          operation: 'ListParticipants',
          method: 'GET',
          path: `/v2/Conversations/${segment(conversationId)}/Participants`,
          query: pageQuery(page),
        },
        decodeParticipantPage,
      );
      return response.data;
    },

    getParticipant(conversationId: string, id: string): Promise<UpstreamParticipant | null> {
      return nullWhenMissing(
        client.request(
          context,
          {
            operation: 'FetchParticipant',
            method: 'GET',
            path: `/v2/Conversations/${segment(conversationId)}/Participants/${segment(id)}`,
          },
          decodeParticipant,
        ),
      );
    },

    async listCommunications(
      conversationId: string,
      page: PageRequest,
      filter: { channelId?: string } = {},
    ): Promise<UpstreamPage<UpstreamCommunication>> {
      const query = pageQuery(page);
      if (filter.channelId !== undefined) query.set('channelId', filter.channelId);
      const response = await client.request(
        context,
        {
          operation: 'ListCommunications',
          method: 'GET',
          path: `/v2/Conversations/${segment(conversationId)}/Communications`,
          query,
        },
        decodeCommunicationPage,
      );
      return response.data;
    },

    getCommunication(conversationId: string, id: string): Promise<UpstreamCommunication | null> {
      return nullWhenMissing(
        client.request(
          context,
          {
            operation: 'FetchCommunication',
            method: 'GET',
            path: `/v2/Conversations/${segment(conversationId)}/Communications/${segment(id)}`,
          },
          decodeCommunication,
        ),
      );
    },

    /** 201 when created, 200 when a communication with the same resourceId was updated. */
    async createCommunication(
      conversationId: string,
      body: CreateCommunicationBody,
      options: { idempotencyKey?: string } = {},
    ): Promise<{ communication: UpstreamCommunication; created: boolean }> {
      const response = await client.request(
        context,
        {
          operation: 'CreateCommunication',
          method: 'POST',
          path: `/v2/Conversations/${segment(conversationId)}/Communications`,
          body,
          ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
        },
        decodeCommunication,
      );
      return { communication: response.data, created: response.status === 201 };
    },
  };
}
