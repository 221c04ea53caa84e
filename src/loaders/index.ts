// Per-request data access: a fresh set of DataLoaders for every GraphQL request, bound to that
// request's credentials, so one query pays one upstream call per distinct resource however often
// it is referenced, and nothing read for one caller is ever served to another. Results are mapped
// by key, never by position; every list page and every mutation result (writes.ts) primes the by-id loaders.
import DataLoader from 'dataloader';
import { MAX_PAGE_SIZE, type ConversationFilter, type ConversationsApi, type PageRequest } from '../upstream/api.ts';
import type { UpstreamCommunication, UpstreamConversation, UpstreamPage, UpstreamParticipant } from '../upstream/types.ts';
import { createWrites } from './writes.ts';

/** A resource that lives inside a conversation. */
export interface ChildKey {
  conversationId: string;
  id: string;
}

const childKey = (key: ChildKey) => `${key.conversationId}/${key.id}`;

export type Loaders = ReturnType<typeof createLoaders>;

/** Told the size of every batch, for metrics. */
export type BatchObserver = (loader: 'conversation' | 'participant' | 'communication', size: number) => void;

export function createLoaders(api: ConversationsApi, onBatch: BatchObserver = () => {}) {
  const conversation = new DataLoader<string, UpstreamConversation | null>((ids) => {
    onBatch('conversation', ids.length);
    return settle(ids.map((id) => api.getConversation(id)));
  });

  const communication = new DataLoader<ChildKey, UpstreamCommunication | null, string>(
    (keys) => {
      onBatch('communication', keys.length);
      return settle(keys.map((key) => api.getCommunication(key.conversationId, key.id)));
    },
    { cacheKeyFn: childKey },
  );

  const participant: DataLoader<ChildKey, UpstreamParticipant | null, string> = new DataLoader(
    async (keys) => {
      onBatch('participant', keys.length);
      const found = new Map<string, UpstreamParticipant | null>();
      const failures = new Map<string, Error>();
      const byConversation = Map.groupBy(keys, (key) => key.conversationId);
      await Promise.all(
        [...byConversation].map(async ([conversationId, group]) => {
          const wanted = new Set(group.map((key) => key.id));
          // Several participants of one conversation: listing them is cheaper than fetching each.
          if (wanted.size > 1) {
            try {
              await listUntilFound(conversationId, wanted, found);
            } catch (error) {
              // Fetching them one by one now would only multiply the load on a failing upstream.
              for (const id of wanted) failures.set(childKey({ conversationId, id }), toError(error));
              return;
            }
          }
          const missing = [...wanted].filter((id) => !found.has(childKey({ conversationId, id })));
          const results = await Promise.allSettled(missing.map((id) => api.getParticipant(conversationId, id)));
          results.forEach((result, i) => {
            const key = childKey({ conversationId, id: missing[i]! });
            if (result.status === 'fulfilled') found.set(key, result.value);
            else failures.set(key, toError(result.reason));
          });
        }),
      );
      return keys.map((key) => failures.get(childKey(key)) ?? found.get(childKey(key)) ?? null);
    },
    { cacheKeyFn: childKey },
  );

  /** Reads participant pages until every wanted id is seen; never more pages than fetches it saves. */
  async function listUntilFound(
    conversationId: string,
    wanted: Set<string>,
    found: Map<string, UpstreamParticipant | null>,
  ): Promise<void> {
    let remaining = wanted.size;
    let token: string | null = null;
    for (let pages = 0; pages < wanted.size - 1 && remaining > 0; pages++) {
      // The largest page: one list call replaces up to that many fetches.
      const page = await api.listParticipants(conversationId, { pageSize: MAX_PAGE_SIZE, pageToken: token });
      for (const item of page.items) {
        const key = childKey({ conversationId, id: item.id });
        if (wanted.has(item.id) && !found.has(key)) remaining--;
        found.set(key, item);
        participant.prime({ conversationId, id: item.id }, item);
      }
      if (page.nextToken === null) {
        // The whole list was seen: whoever is still missing does not exist.
        for (const id of wanted) if (!found.has(childKey({ conversationId, id }))) found.set(childKey({ conversationId, id }), null);
        return;
      }
      token = page.nextToken;
    }
  }

  function primeAll<T>(page: UpstreamPage<T>, prime: (item: T) => void): UpstreamPage<T> {
    for (const item of page.items) prime(item);
    return page;
  }

  // List pages read in this request, by list and page: a page started early (a prefetch while the
  // parent is fetched) or asked for twice (the same connection under two aliases) costs one call.
  const pages = new Map<string, Promise<UpstreamPage<unknown>>>();
  function cachedPage<T>(key: unknown[], load: () => Promise<UpstreamPage<T>>): Promise<UpstreamPage<T>> {
    const cacheKey = JSON.stringify(key);
    let page = pages.get(cacheKey) as Promise<UpstreamPage<T>> | undefined;
    if (!page) {
      page = load();
      pages.set(cacheKey, page);
    }
    return page;
  }

  return {
    conversation,
    participant,
    communication,

    listConversations(page: PageRequest, filter: ConversationFilter) {
      return cachedPage(['conversations', filter.status ?? [], filter.channelId ?? null, page], async () =>
        primeAll(await api.listConversations(page, filter), (item) => conversation.prime(item.id, item)),
      );
    },

    listParticipants(conversationId: string, page: PageRequest) {
      return cachedPage(['participants', conversationId, page], async () =>
        primeAll(await api.listParticipants(conversationId, page), (item) => participant.prime({ conversationId, id: item.id }, item)),
      );
    },

    listCommunications(conversationId: string, page: PageRequest, filter: { channelId?: string }) {
      return cachedPage(['communications', conversationId, filter.channelId ?? null, page], async () =>
        primeAll(await api.listCommunications(conversationId, page, filter), (item) =>
          communication.prime({ conversationId, id: item.id }, item),
        ),
      );
    },

    /** Writes for mutations (writes.ts): each primes the by-id loaders above with its result. */
    writes: createWrites(api, { conversation, participant, communication, forgetPages: () => pages.clear() }),
  };
}

async function settle<T>(work: Promise<T>[]): Promise<(T | Error)[]> {
  const results = await Promise.allSettled(work);
  return results.map((result) => (result.status === 'fulfilled' ? result.value : toError(result.reason)));
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
