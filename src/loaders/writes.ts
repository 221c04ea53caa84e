// The writes a mutation can make, bound to one request's loaders: each passes the upstream's
// WriteResult through unchanged and, when the write happened, primes (or clears) the by-id loaders
// with its result, so a payload that reads the written object back costs nothing upstream. List
// pages already read in this request are forgotten after any write: they may no longer be true.
import type DataLoader from 'dataloader';
import type { ConversationsApi, WriteOptions } from '../upstream/api.ts';
import type { CreateCommunicationBody, UpstreamCommunication, UpstreamConversation, UpstreamParticipant } from '../upstream/types.ts';
import type {
  CreateConversationBody,
  CreateParticipantBody,
  ReplaceParticipantBody,
  UpdateConversationBody,
} from '../upstream/write-bodies.ts';
import type { WriteResult } from '../upstream/write-result.ts';

interface ChildKey {
  conversationId: string;
  id: string;
}

export interface WriteTargets {
  conversation: DataLoader<string, UpstreamConversation | null, string>;
  participant: DataLoader<ChildKey, UpstreamParticipant | null, string>;
  communication: DataLoader<ChildKey, UpstreamCommunication | null, string>;
  /** Drops the list pages this request has read. */
  forgetPages: () => void;
}

export type Writes = ReturnType<typeof createWrites>;

export function createWrites(api: ConversationsApi, targets: WriteTargets) {
  /** Runs a write; when it happened, forgets list pages and lets `prime` update the by-id loaders. */
  async function after<T>(result: Promise<WriteResult<T>>, prime: (value: T) => void): Promise<WriteResult<T>> {
    const outcome = await result;
    if (outcome.kind !== 'rejected') {
      targets.forgetPages();
      prime(outcome.value);
    }
    return outcome;
  }

  const primeConversation = (conversation: UpstreamConversation) =>
    targets.conversation.clear(conversation.id).prime(conversation.id, conversation);
  const primeParticipant = (participant: UpstreamParticipant) => {
    const key = { conversationId: participant.conversationId, id: participant.id };
    targets.participant.clear(key).prime(key, participant);
  };

  return {
    createCommunication(conversationId: string, body: CreateCommunicationBody, options?: WriteOptions) {
      return after(api.createCommunication(conversationId, body, options), (communication) => {
        // An upsert (same resourceId) changes a communication this request may already have cached.
        const key = { conversationId: communication.conversationId, id: communication.id };
        targets.communication.clear(key).prime(key, communication);
      });
    },

    createConversation(body: CreateConversationBody, options?: WriteOptions) {
      return after(api.createConversation(body, options), primeConversation);
    },

    updateConversation(id: string, body: UpdateConversationBody, options?: WriteOptions) {
      return after(api.updateConversation(id, body, options), primeConversation);
    },

    deleteConversation(id: string, options?: WriteOptions) {
      return after(api.deleteConversation(id, options), ({ conversationId }) =>
        targets.conversation.clear(conversationId).prime(conversationId, null),
      );
    },

    createParticipant(conversationId: string, body: CreateParticipantBody, options?: WriteOptions) {
      return after(api.createParticipant(conversationId, body, options), primeParticipant);
    },

    replaceParticipant(conversationId: string, id: string, body: ReplaceParticipantBody, options?: WriteOptions) {
      return after(api.replaceParticipant(conversationId, id, body, options), primeParticipant);
    },
  };
}
