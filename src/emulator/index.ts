// The embedded Conversations v2 emulator: a stand-in for Twilio's upstream API on a loopback port,
// with demo data, fault injection and a request log for the facade's tests, benchmarks and the
// no-credentials `npm start`. This file is its public API; it imports nothing from the facade.
import { Accounts, basicAuth, callerFor } from './auth.ts';
import { MonotonicClock } from './clock.ts';
import { Faults, type FaultConfig, type FaultController } from './faults.ts';
import { IdempotencyStore } from './idempotency.ts';
import type { Communication, Conversation, Participant } from './model.ts';
import { Operations, type RawKind } from './operations.ts';
import { PageTokens } from './pagination.ts';
import { RequestRecorder, type RequestLog, type RequestLogLimits } from './request-log.ts';
import { Router } from './routes.ts';
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_CONFIGURATION, DEMO_LAST_MS, DEMO_RECORDS } from './seed.ts';
import { listen } from './server.ts';
import { Store, type Body } from './store.ts';
import { WebhookDispatcher, type DispatchLimits } from './webhook-dispatch.ts';
import { WebhookFaults } from './webhook-faults.ts';
import { StatusCallbackEmitter, type WebhookController } from './webhooks.ts';

export { basicAuth };
export { ApiError } from './errors.ts';
export type { FaultAction, FaultConfig, FaultController, FaultMatch, InjectedStatus, ScriptedFault } from './faults.ts';
export type { LoggedRequest, RequestFilter, RequestLog, RequestLogLimits } from './request-log.ts';
export { DEFAULT_MAX_LOGGED_BYTES, DEFAULT_MAX_LOGGED_REQUESTS } from './request-log.ts';
export { DEFAULT_MAX_ACCOUNTS } from './auth.ts';
export type * from './model.ts';
export type { RawKind } from './operations.ts';
export type { DeliveryState, DispatchLimits, WebhookDelivery } from './webhook-dispatch.ts';
export { loopbackProblem, signDelivery } from './webhook-target.ts';
export type {
  ScriptedWebhookFault,
  WebhookFaultAction,
  WebhookFaultConfig,
  WebhookFaultController,
  WebhookFaultMatch,
} from './webhook-faults.ts';
export { STATUS_CALLBACK_EVENTS, type StatusCallbackEvent, type WebhookController } from './webhooks.ts';
export { MAX_CONFIGURATIONS_PER_ACCOUNT } from './configurations.ts';
export {
  DEMO_ACCOUNT_SID,
  DEMO_AUTH_TOKEN,
  DEMO_CONFIGURATION,
  DEMO_CONFIGURATION_ID,
  DEMO_CONVERSATIONS,
  DEMO_LONG_CONVERSATION,
  DEMO_PARTICIPANTS,
  demoExample,
} from './seed.ts';

export interface EmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** The account that holds the demo data. Default 'AC00000000000000000000000000000000'. */
  demoAccountSid?: string;
  /** The only password that opens the demo account. Default 'emulator'. */
  demoAuthToken?: string;
  /** Default true. */
  seedDemoData?: boolean;
  /** Standing faults from the start. */
  faults?: FaultConfig;
  /** Serve repeated identical list requests from a cache of their serialized bytes (for benchmarks). Default false. */
  cacheListPages?: boolean;
  /** The wall clock, epoch milliseconds (tests may pass a fake one). Default Date.now. */
  now?: () => number;
  /** First-use accounts trusted at once (the demo account aside); a new one beyond gets 401. Default 10,000. */
  maxAccounts?: number;
  /** Bounds of the request log (oldest entries dropped first). Default 10,000 entries, 8 MiB. */
  requestLog?: RequestLogLimits;
  /** Status-callback delivery: attempts, backoff, timeout, queue and log bounds (see DispatchLimits). */
  webhooks?: DispatchLimits;
  /** Embedded mode: the demo configuration's status callback from the start (as webhooks.setDemoStatusCallback). */
  demoStatusCallbackUrl?: string;
}

/**
 * Direct access to the data, for tests: creates go through the same validation, ids and timestamps as
 * HTTP and throw an ApiError (with status, code and message) where HTTP would answer an error.
 * `accountSid` is the account as a username (AC… or SK…); each username has its own data.
 */
export interface EmulatorData {
  createConversation(accountSid: string, body: unknown): Conversation;
  createParticipant(accountSid: string, conversationId: string, body: unknown): Participant;
  /** Like the HTTP create, a known resourceId updates that communication in place. */
  createCommunication(accountSid: string, conversationId: string, body: unknown): Communication;
  /**
   * Stores `resource` as-is, without validation, so the upstream can be made to return content the
   * document does not describe. It needs a string `id`, and participants and communications need the
   * `conversationId` of a stored conversation; `createdAt` is filled in when missing.
   */
  insertRaw(accountSid: string, kind: RawKind, resource: Record<string, unknown>): Record<string, unknown>;
  /** Removes a participant (no REST endpoint in the document does) and sends PARTICIPANT_REMOVED. */
  removeParticipant(accountSid: string, conversationId: string, participantId: string): Participant;
  /** Back to the start state: the demo data only, first-use passwords and idempotency keys forgotten. */
  reset(): void;
}

export interface Emulator {
  /** e.g. 'http://127.0.0.1:40123' (no trailing slash, no /v2) */
  url: string;
  /** Closes the server and destroys every open socket, hung ones included. */
  close(): Promise<void>;
  requests: RequestLog;
  faults: FaultController;
  data: EmulatorData;
  /** Status callbacks: the delivery log, waiting for deliveries, their faults, the demo callback. */
  webhooks: WebhookController;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const demoAccountSid = options.demoAccountSid ?? DEMO_ACCOUNT_SID;
  const demo = callerFor(demoAccountSid); // throws for a malformed SID
  const clock = new MonotonicClock(options.now);
  const store = new Store();
  const tokens = new PageTokens();
  const accounts = new Accounts(demoAccountSid, options.demoAuthToken ?? DEMO_AUTH_TOKEN, options.maxAccounts);
  const idempotency = new IdempotencyStore(clock);
  const requests = new RequestRecorder(options.requestLog);
  const faults = new Faults(options.faults);
  const webhookFaults = new WebhookFaults();
  const dispatcher = new WebhookDispatcher(webhookFaults, options.webhooks);
  let url = '';
  let emitter: StatusCallbackEmitter | undefined;
  const operations = new Operations(
    store,
    clock,
    tokens,
    () => url,
    (change) => emitter?.emit(change),
  );
  emitter = new StatusCallbackEmitter(store, accounts, operations.configurations, dispatcher);
  const seeded = options.seedDemoData ?? true;
  let demoCallbackUrl: string | null = null;
  const applyDemoCallback = (): void => {
    if (!seeded) return;
    operations.configurations.setStatusCallbacks(
      demo,
      DEMO_CONFIGURATION.id,
      demoCallbackUrl === null ? [] : [{ url: demoCallbackUrl, method: 'POST' }],
    );
  };

  const reset = (): void => {
    dispatcher.cancelAll();
    store.clear();
    accounts.reset();
    idempotency.clear();
    if (seeded) {
      for (const record of DEMO_RECORDS) operations.insertRaw(demo, record.kind, { ...record.body, accountId: demo.accountId });
      operations.configurations.insert(demo, DEMO_CONFIGURATION);
      clock.advancePast(DEMO_LAST_MS);
      if (demoCallbackUrl !== null) applyDemoCallback();
    }
  };
  reset();

  const webhooks: WebhookController = {
    setDemoStatusCallback(callbackUrl) {
      if (callbackUrl !== null && !URL.canParse(callbackUrl)) throw new TypeError(`Not a URL: ${callbackUrl}`);
      if (!seeded) throw new TypeError('setDemoStatusCallback: this emulator has no demo data (seedDemoData: false)');
      demoCallbackUrl = callbackUrl;
      applyDemoCallback();
    },
    deliveries: () => dispatcher.deliveries(),
    waitFor: (predicate, waitOptions) => dispatcher.waitFor(predicate, waitOptions),
    idle: (waitOptions) => dispatcher.idle(waitOptions),
    pending: () => dispatcher.pending(),
    clear: () => dispatcher.clearLog(),
    faults: webhookFaults,
  };
  if (options.demoStatusCallbackUrl !== undefined) webhooks.setDemoStatusCallback(options.demoStatusCallbackUrl);

  const router = new Router({ operations, accounts, idempotency, store, cacheListPages: options.cacheListPages ?? false });
  const server = await listen({ router, faults, requests, tokens, clock, reset, webhooks }, options.host ?? '127.0.0.1', options.port ?? 0);
  url = server.url;

  const data: EmulatorData = {
    createConversation: (accountSid, body) => operations.createConversation(callerFor(accountSid), body).body as Conversation,
    createParticipant: (accountSid, conversationId, body) =>
      operations.createParticipant(callerFor(accountSid), conversationId, body).body as Participant,
    createCommunication: (accountSid, conversationId, body) =>
      operations.createCommunication(callerFor(accountSid), conversationId, body).body as Communication,
    insertRaw: (accountSid, kind, resource) => operations.insertRaw(callerFor(accountSid), kind, resource as Body),
    removeParticipant: (accountSid, conversationId, participantId) =>
      operations.removeParticipant(callerFor(accountSid), conversationId, participantId) as unknown as Participant,
    reset,
  };
  const close = async (): Promise<void> => {
    await dispatcher.close();
    await server.close();
  };
  return { url, close, requests, faults, data, webhooks };
}
