// Status callbacks: turns each change the operations make into one delivery per callback URL, with
// the body Twilio sends ({eventType, timestamp, data}, data being the resource as the REST API returns
// it) and the account's auth token to sign it with. Which URLs: the conversation's own
// `configuration.statusCallbacks` when it has some (an empty list means none), otherwise its
// configuration's `statusCallbacks` (the document calls those the conversation's defaults), each
// (url, method) once. webhook-dispatch.ts sends them.
import { randomUUID } from 'node:crypto';
import type { Accounts, Caller } from './auth.ts';
import type { ConfigurationOperations } from './configurations.ts';
import type { Body, ConversationRecord, Store } from './store.ts';
import type { WebhookDelivery, WebhookDispatcher } from './webhook-dispatch.ts';
import type { WebhookFaultController } from './webhook-faults.ts';

export const STATUS_CALLBACK_EVENTS = [
  'CONVERSATION_CREATED',
  'CONVERSATION_UPDATED',
  'PARTICIPANT_ADDED',
  'PARTICIPANT_UPDATED',
  'PARTICIPANT_REMOVED',
  'COMMUNICATION_CREATED',
  'COMMUNICATION_UPDATED',
] as const;
export type StatusCallbackEvent = (typeof STATUS_CALLBACK_EVENTS)[number];

/** One change to one resource, as the operations report it. */
export interface ResourceChange {
  caller: Caller;
  eventType: StatusCallbackEvent;
  /** The conversation the resource is (or belongs to), as it is after the change. */
  conversation: ConversationRecord;
  /** The resource as the REST API returns it. */
  data: Body;
  /** When the change happened (RFC 3339). */
  timestamp: string;
}

/** The in-process face of webhook delivery (Emulator.webhooks). */
export interface WebhookController {
  /**
   * Embedded mode: points the demo configuration's statusCallbacks at `url` (one POST callback), or
   * clears them with null. It sticks: a reset of the data re-applies it.
   */
  setDemoStatusCallback(url: string | null): void;
  /** The delivery log, oldest first (a bounded window: the newest 1,000 by default). */
  deliveries(): WebhookDelivery[];
  /** Resolves with the logged deliveries matching `predicate` once there are at least `count` (default 1); rejects after `timeoutMs` (default 5,000). */
  waitFor(predicate: (delivery: WebhookDelivery) => boolean, options?: { count?: number; timeoutMs?: number }): Promise<WebhookDelivery[]>;
  /** Resolves once no delivery is queued, held, delayed, in flight or waiting to retry; rejects after `timeoutMs` (default 5,000). */
  idle(options?: { timeoutMs?: number }): Promise<void>;
  /** Deliveries not yet settled. */
  pending(): number;
  /** Empties the delivery log (deliveries under way continue). */
  clear(): void;
  faults: WebhookFaultController;
}

function dedupe(callbacks: unknown[]): { url: string; method: string }[] {
  const seen = new Map<string, { url: string; method: string }>();
  for (const callback of callbacks) {
    const { url, method } = (callback ?? {}) as { url?: unknown; method?: unknown };
    if (typeof url !== 'string') continue;
    const resolved = { url, method: typeof method === 'string' ? method : 'POST' };
    seen.set(`${resolved.method} ${url}`, resolved);
  }
  return [...seen.values()];
}

export class StatusCallbackEmitter {
  readonly #store: Store;
  readonly #accounts: Accounts;
  readonly #configurations: ConfigurationOperations;
  readonly #dispatcher: WebhookDispatcher;

  constructor(store: Store, accounts: Accounts, configurations: ConfigurationOperations, dispatcher: WebhookDispatcher) {
    this.#store = store;
    this.#accounts = accounts;
    this.#configurations = configurations;
    this.#dispatcher = dispatcher;
  }

  /** The callbacks an event of this conversation goes to, each (url, method) once. */
  callbacksFor(username: string, conversation: Body): { url: string; method: string }[] {
    const own = (conversation.configuration as { statusCallbacks?: unknown } | undefined)?.statusCallbacks;
    if (Array.isArray(own)) return dedupe(own);
    const configuration = this.#configurations.find(this.#store.account(username), conversation.configurationId);
    return Array.isArray(configuration?.statusCallbacks) ? dedupe(configuration.statusCallbacks) : [];
  }

  emit(change: ResourceChange): void {
    const { caller, eventType, conversation, data, timestamp } = change;
    const callbacks = this.callbacksFor(caller.username, conversation.body);
    if (callbacks.length === 0) return;
    const body = JSON.stringify({ eventType, timestamp, data });
    const key = this.#accounts.signingKey(caller.username);
    for (const { url, method } of callbacks) {
      this.#dispatcher.submit({
        token: randomUUID(),
        eventType,
        username: caller.username,
        accountId: caller.accountId,
        conversationId: conversation.id,
        resourceId: String(data.id),
        url,
        method,
        body,
        key,
      });
    }
  }
}
