// The request bodies of the Conversations v2 writes beside createCommunication (whose body lives in
// types.ts), written from the OpenAPI document's request schemas. Only what the facade sends.
import type { UpstreamAddress } from './types.ts';

/** POST /v2/Conversations */
export interface CreateConversationBody {
  configurationId: string;
  name?: string;
  /** At most 8 entries; keys 1..128 of [A-Za-z0-9._-]; values at most 512 characters. */
  metadata?: Record<string, string>;
}

/** PATCH /v2/Conversations/{id}: a field left out is unchanged; `name: null` clears it; a metadata key set to null is removed. */
export interface UpdateConversationBody {
  name?: string | null;
  status?: string;
  metadata?: Record<string, string | null>;
}

/** POST /v2/Conversations/{ConversationId}/Participants */
export interface CreateParticipantBody {
  name?: string;
  type?: string;
  profileId?: string;
  addresses: UpstreamAddress[];
}

/**
 * PUT /v2/Conversations/{ConversationId}/Participants/{id}. The facade always sends the whole
 * participant (the stored one merged with the change, see schema/mutations/update-participant.ts),
 * so the outcome is the same whether the upstream replaces the resource or only the fields given.
 * `name: null` clears a stored name (the response types `name` as nullable).
 */
export interface ReplaceParticipantBody {
  name?: string | null;
  type?: string;
  profileId?: string;
  addresses?: UpstreamAddress[];
}
