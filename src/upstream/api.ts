// The Conversations v2 operations the facade uses, typed, bound to one caller's context.
// Loaders call these; nothing else in the facade builds upstream paths. Reads answer values (null
// for a missing object); writes answer a WriteResult (write-result.ts), a refusal included.
import type { CallContext, UpstreamClient, UpstreamRequest } from './client.ts';
import {
  decodeCommunication,
  decodeCommunicationPage,
  decodeConversation,
  decodeConversationPage,
  decodeParticipant,
  decodeParticipantPage,
  type Decoder,
} from './decode.ts';
import { UpstreamError } from './errors.ts';
import type { CreateCommunicationBody, UpstreamCommunication, UpstreamConversation, UpstreamPage, UpstreamParticipant } from './types.ts';
import type { CreateConversationBody, CreateParticipantBody, ReplaceParticipantBody, UpdateConversationBody } from './write-bodies.ts';
import { rejectionOf, type PathParameters, type WriteResult } from './write-result.ts';

export interface PageRequest {
  pageSize: number;
  pageToken: string | null;
}

/**
 * The largest pageSize the upstream accepts (1 to 1000). Also the largest `first`/`last` of a
 * connection (so any page a request asks for is one upstream call at its own size), the largest
 * size a cursor may name, and the size of walks and of whole-list reads.
 */
export const MAX_PAGE_SIZE = 1000;

export interface ConversationFilter {
  status?: readonly string[];
  channelId?: string;
}

export interface WriteOptions {
  /** Sent as `Idempotency-Key` (a UUID, lower case): a retry with it creates nothing new. */
  idempotencyKey?: string | undefined;
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
  /** One write: its outcome by status, or the refusal of what was sent as a value (write-result.ts). */
  async function write<T>(
    request: UpstreamRequest,
    pathParameters: PathParameters,
    decode: Decoder<T>,
    options: WriteOptions,
  ): Promise<WriteResult<T>> {
    const key = options.idempotencyKey;
    try {
      const response = await client.request(context, key === undefined ? request : { ...request, idempotencyKey: key }, decode);
      const kind = request.method === 'DELETE' ? 'deleted' : response.status === 201 ? 'created' : 'updated';
      return { kind, value: response.data };
    } catch (error) {
      const rejection = rejectionOf(error, pathParameters);
      if (rejection) return rejection;
      throw error;
    }
  }

  return {
    async listConversations(page: PageRequest, filter: ConversationFilter = {}): Promise<UpstreamPage<UpstreamConversation>> {
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

    // ---- writes: a WriteResult, never a thrown refusal (write-result.ts) ----

    /** Created (201), or updated (200) when a communication with the same resourceId exists. */
    createCommunication(
      conversationId: string,
      body: CreateCommunicationBody,
      options: WriteOptions = {},
    ): Promise<WriteResult<UpstreamCommunication>> {
      return write(
        { operation: 'CreateCommunication', method: 'POST', path: `/v2/Conversations/${segment(conversationId)}/Communications`, body },
        [['ConversationId', conversationId]],
        decodeCommunication,
        options,
      );
    },

    createConversation(body: CreateConversationBody, options: WriteOptions = {}): Promise<WriteResult<UpstreamConversation>> {
      return write({ operation: 'CreateConversation', method: 'POST', path: '/v2/Conversations', body }, [], decodeConversation, options);
    },

    /** PATCH: fields left out are unchanged. */
    updateConversation(id: string, body: UpdateConversationBody, options: WriteOptions = {}): Promise<WriteResult<UpstreamConversation>> {
      return write(
        { operation: 'UpdateConversation', method: 'PATCH', path: `/v2/Conversations/${segment(id)}`, body },
        [['id', id]],
        decodeConversation,
        options,
      );
    },

    /** 202: the upstream deletes it (the emulator at once); the value is the deleted conversation's id. */
    deleteConversation(id: string, options: WriteOptions = {}): Promise<WriteResult<{ conversationId: string }>> {
      return write(
        { operation: 'DeleteConversation', method: 'DELETE', path: `/v2/Conversations/${segment(id)}` },
        [['id', id]],
        () => ({ conversationId: id }),
        options,
      );
    },

    createParticipant(
      conversationId: string,
      body: CreateParticipantBody,
      options: WriteOptions = {},
    ): Promise<WriteResult<UpstreamParticipant>> {
      return write(
        { operation: 'CreateParticipant', method: 'POST', path: `/v2/Conversations/${segment(conversationId)}/Participants`, body },
        [['ConversationId', conversationId]],
        decodeParticipant,
        options,
      );
    },

    /** PUT (the only participant update the upstream has; its document does not say whether fields left out are kept, the emulator keeps them). */
    replaceParticipant(
      conversationId: string,
      id: string,
      body: ReplaceParticipantBody,
      options: WriteOptions = {},
    ): Promise<WriteResult<UpstreamParticipant>> {
      return write(
        {
          operation: 'ReplaceParticipant',
          method: 'PUT',
          path: `/v2/Conversations/${segment(conversationId)}/Participants/${segment(id)}`,
          body,
        },
        [
          ['ConversationId', conversationId],
          ['id', id],
        ],
        decodeParticipant,
        options,
      );
    },
  };
}
