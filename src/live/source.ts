// Where live events come from, as the subscription fields see it. Webhooks arrive whether anyone
// listens or not, so their watch() does nothing; the poller starts one poll per account and
// conversation on the first watch() and stops it when the last watcher releases it. Subscription
// resolvers call watch() once they have checked the caller may read the conversation.
import type { Credentials } from '../upstream/credentials.ts';

export interface WatchRequest {
  /** The subscriber's upstream credentials (polling reads with them). */
  credentials: Credentials | null;
  accountSid: string;
  /** Unset: the account's conversation list (an inbox). */
  conversationSid?: string;
}

export interface LiveSource {
  readonly kind: 'webhook' | 'poll';
  /** Returns the release function; call it exactly once when the subscriber leaves. */
  watch(request: WatchRequest): () => void;
  close(): Promise<void>;
}

/** Webhooks push every event anyway: watching costs nothing. */
export const webhookSource: LiveSource = {
  kind: 'webhook',
  watch: () => () => {},
  close: async () => {},
};
