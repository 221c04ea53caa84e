// The ControlPlane Configurations endpoints of the full OpenAPI document
// (../shared/upstream/conversations-v2.full.openapi.json): list, create, fetch, PUT, PATCH, DELETE.
// A configuration matters to the emulator for its `statusCallbacks`, the default webhooks of the
// conversations that name it (webhooks.ts); the rest is stored and returned as the document describes.
// Writes answer 202 with an operation, as the document says, and are complete at once.
import { z } from 'zod';
import type { Caller } from './auth.ts';
import { isoTime, type MonotonicClock } from './clock.ts';
import { ApiError, invalidParameter, notFound } from './errors.ts';
import { newId } from './ids.ts';
import { CONVERSATION_GROUPING_TYPES, type Configuration } from './model.ts';
import type { Reply } from './operations.ts';
import type { PageTokens } from './pagination.ts';
import type { AccountData, Body, Store, StoredRecord } from './store.ts';
import { parseBody, parseListQuery } from './validation.ts';

/** Configurations one account may hold: real accounts have a handful; the emulator must stay bounded. */
export const MAX_CONFIGURATIONS_PER_ACCOUNT = 100;
/** Channel keys the document names for `channelSettings`. */
const SETTING_CHANNELS = ['VOICE', 'SMS', 'RCS', 'WHATSAPP', 'CHAT'] as const;
const MEMORY_STORE_FILTER = /^mem_(store|service)_[0-7][0-9a-z]{25}$/;

const displayName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-zA-Z0-9\-_ ]+$/, 'must be letters, digits, spaces, dashes or underscores');
const description = z.string().max(512);
const groupingType = z.enum(CONVERSATION_GROUPING_TYPES);
const memoryStoreId = z.string().min(1).max(128);
const timeout = z.number().int().min(1);
const channelSetting = z.object({
  statusTimeouts: z.object({ inactive: timeout.optional(), closed: timeout.optional() }).optional(),
  captureRules: z
    .array(z.object({ from: z.string().max(256), to: z.string().max(256), metadata: z.record(z.string(), z.string().max(512)).optional() }))
    .max(100)
    .optional(),
});
const statusCallback = z.object({ url: z.url().max(2048), method: z.enum(['POST', 'GET']).optional() });
/** The request schemas allow 2 callbacks (the response schema 20). */
const statusCallbacks = z.array(statusCallback).max(2);
const intelligenceIds = z.array(z.string().max(128)).max(5);
const bridge = z.object({ serviceId: z.string().regex(/^IS[0-9a-f]{32}$/, 'must be IS followed by 32 lowercase hex digits') });

function channelSettings<V extends z.ZodType>(value: V) {
  return z.record(z.string(), value).superRefine((settings, ctx) => {
    for (const key of Object.keys(settings)) {
      if (!(SETTING_CHANNELS as readonly string[]).includes(key))
        ctx.addIssue({ code: 'custom', path: [key], message: `must be one of ${SETTING_CHANNELS.join(', ')}` });
    }
  });
}

const optionalFields = {
  channelSettings: channelSettings(channelSetting).optional(),
  statusCallbacks: statusCallbacks.optional(),
  intelligenceConfigurationIds: intelligenceIds.optional(),
  memoryExtractionEnabled: z.boolean().optional(),
  conversationsV1Bridge: bridge.optional(),
};

const createBody = z.object({ displayName, description, conversationGroupingType: groupingType, memoryStoreId, ...optionalFields });

const replaceBody = z.object({
  displayName: displayName.optional(),
  description,
  conversationGroupingType: groupingType,
  memoryStoreId,
  ...optionalFields,
  channelSettings: channelSettings(channelSetting),
});

/** PATCH: nullable as the document says; null clears an optional field, a channel key set to null removes it. */
const patchBody = z.object({
  displayName: displayName.nullable().optional(),
  description: description.nullable().optional(),
  conversationGroupingType: groupingType.optional(),
  memoryStoreId: memoryStoreId.nullable().optional(),
  channelSettings: channelSettings(channelSetting.nullable()).optional(),
  statusCallbacks: statusCallbacks.nullable().optional(),
  intelligenceConfigurationIds: intelligenceIds.nullable().optional(),
  memoryExtractionEnabled: z.boolean().nullable().optional(),
  conversationsV1Bridge: bridge.nullable().optional(),
});

/** The 202 of an asynchronous ControlPlane write; the emulator completes the operation at once. */
export function acceptedReply(baseUrl: string, operationId: string, related: Record<string, string>): Reply {
  const statusUrl = `${baseUrl}/v2/ControlPlane/Operations/${operationId}`;
  return { status: 202, headers: { 'operation-id': operationId, 'retry-after': '1', location: statusUrl }, body: { statusUrl, related } };
}

/** Stored callbacks carry their method, defaulted as the document says. */
function withMethods(callbacks: z.infer<typeof statusCallbacks>): Configuration['statusCallbacks'] {
  return callbacks.map((callback) => ({ url: callback.url, method: callback.method ?? 'POST' }));
}

export class ConfigurationOperations {
  readonly #store: Store;
  readonly #clock: MonotonicClock;
  readonly #tokens: PageTokens;
  readonly #baseUrl: () => string;

  constructor(store: Store, clock: MonotonicClock, tokens: PageTokens, baseUrl: () => string) {
    this.#store = store;
    this.#clock = clock;
    this.#tokens = tokens;
    this.#baseUrl = baseUrl;
  }

  list(caller: Caller, query: URLSearchParams): Reply {
    const q = parseListQuery(query);
    const filter = query.getAll('memoryStoreId');
    if (filter.length > 1) throw invalidParameter('memoryStoreId', 'must be given at most once');
    const [storeId] = filter;
    if (storeId !== undefined && !MEMORY_STORE_FILTER.test(storeId))
      throw invalidParameter('memoryStoreId', 'must look like mem_store_01k1etk2y5f1y9fpe2epfdtvv2');
    const scope = JSON.stringify([caller.username, 'configurations', storeId ?? null]);
    const matches = (c: StoredRecord): boolean => storeId === undefined || c.body.memoryStoreId === storeId;
    const page = this.#tokens.page(this.#account(caller).configurations.items, matches, scope, q.pageSize, q.pageToken);
    const meta: Body = { key: 'configurations', pageSize: page.items.length };
    if (page.nextToken !== undefined) meta.nextToken = page.nextToken;
    if (page.previousToken !== undefined) meta.previousToken = page.previousToken;
    return { status: 200, body: { configurations: page.items.map((item) => item.body), meta }, list: { scope, pageSize: q.pageSize } };
  }

  create(caller: Caller, input: unknown): Reply {
    const body = parseBody(createBody, input);
    const account = this.#account(caller);
    if (account.configurations.items.length >= MAX_CONFIGURATIONS_PER_ACCOUNT) {
      throw new ApiError(400, `Invalid request: an account holds at most ${MAX_CONFIGURATIONS_PER_ACCOUNT} configurations`);
    }
    this.#checkBridgeUnique(account, body.conversationsV1Bridge?.serviceId, undefined);
    const ms = this.#clock.tick();
    const configuration: Configuration = {
      id: newId('configuration', ms),
      displayName: body.displayName,
      description: body.description,
      conversationGroupingType: body.conversationGroupingType,
      memoryStoreId: body.memoryStoreId,
      ...(body.channelSettings && { channelSettings: body.channelSettings }),
      ...(body.statusCallbacks && { statusCallbacks: withMethods(body.statusCallbacks) }),
      ...(body.intelligenceConfigurationIds && { intelligenceConfigurationIds: body.intelligenceConfigurationIds }),
      memoryExtractionEnabled: body.memoryExtractionEnabled ?? false,
      ...(body.conversationsV1Bridge && { conversationsV1Bridge: body.conversationsV1Bridge }),
      createdAt: isoTime(ms),
      updatedAt: isoTime(ms),
      version: 1,
    };
    account.configurations.insert({ sortMs: ms, id: configuration.id, body: configuration as unknown as Body });
    account.changed();
    return this.#accepted(configuration.id);
  }

  fetch(caller: Caller, id: string): Reply {
    return { status: 200, body: this.#configuration(caller, id).body };
  }

  /** PUT: each field given replaces the stored one; fields left out are kept (as for conversations). */
  replace(caller: Caller, id: string, input: unknown): Reply {
    const stored = this.#configuration(caller, id);
    const body = parseBody(replaceBody, input);
    this.#checkBridgeUnique(this.#account(caller), body.conversationsV1Bridge?.serviceId, id);
    const changes: Body = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    if (body.statusCallbacks) changes.statusCallbacks = withMethods(body.statusCallbacks);
    this.#update(caller, stored, changes, []);
    return this.#accepted(id);
  }

  /** PATCH: fields left out are untouched; channelSettings merge by channel; null clears what may be absent. */
  patch(caller: Caller, id: string, input: unknown): Reply {
    const stored = this.#configuration(caller, id);
    this.#update(caller, stored, ...this.#patchChanges(caller, stored, input));
    return this.#accepted(id);
  }

  /** In-process: sets the statusCallbacks of a configuration (embedded mode's demo callback). */
  setStatusCallbacks(caller: Caller, id: string, callbacks: { url: string; method?: 'POST' | 'GET' }[]): void {
    this.patch(caller, id, { statusCallbacks: callbacks });
  }

  /** 409 while a conversation of the account still names the configuration (the document lists 409). */
  delete(caller: Caller, id: string): Reply {
    this.#configuration(caller, id);
    const account = this.#account(caller);
    const users = account.conversations.items.filter((c) => c.body.configurationId === id).length;
    if (users > 0) throw new ApiError(409, `Conflict: configuration ${id} is used by ${users} conversation(s); delete them first`);
    account.configurations.remove(id);
    account.changed();
    return this.#accepted(id);
  }

  /** Stores a configuration as-is (the demo data). */
  insert(caller: Caller, configuration: Configuration): void {
    const body = structuredClone(configuration) as unknown as Body;
    this.#account(caller).configurations.insert({ sortMs: Date.parse(configuration.createdAt), id: configuration.id, body });
    this.#account(caller).changed();
  }

  /** The configuration a conversation names, if this account has it (for default status callbacks). */
  find(account: AccountData, id: unknown): Body | undefined {
    return typeof id === 'string' ? account.configurations.get(id)?.body : undefined;
  }

  #patchChanges(caller: Caller, stored: StoredRecord, input: unknown): [Body, string[]] {
    const body = parseBody(patchBody, input);
    for (const required of ['displayName', 'description', 'memoryStoreId'] as const) {
      if (body[required] === null) throw invalidParameter(required, 'cannot be cleared: a configuration always has one');
    }
    this.#checkBridgeUnique(this.#account(caller), body.conversationsV1Bridge?.serviceId, stored.id);
    const changes: Body = {};
    const removed: string[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (value === undefined || key === 'channelSettings') continue;
      if (value === null) {
        if (key === 'memoryExtractionEnabled') changes[key] = false;
        else removed.push(key);
      } else changes[key] = key === 'statusCallbacks' ? withMethods(value as z.infer<typeof statusCallbacks>) : value;
    }
    if (body.channelSettings) {
      const merged: Record<string, unknown> = { ...(stored.body.channelSettings as Record<string, unknown> | undefined) };
      for (const [channel, setting] of Object.entries(body.channelSettings)) {
        if (setting === null) delete merged[channel];
        else merged[channel] = setting;
      }
      changes.channelSettings = merged;
    }
    return [changes, removed];
  }

  #update(caller: Caller, stored: StoredRecord, changes: Body, removed: string[]): void {
    const next: Body = {
      ...stored.body,
      ...changes,
      updatedAt: isoTime(this.#clock.tick()),
      version: Number(stored.body.version ?? 0) + 1,
    };
    for (const key of removed) delete next[key];
    stored.body = next;
    this.#account(caller).changed();
  }

  /** "One configuration per V1 Service SID" (the document): another configuration with it → 409. */
  #checkBridgeUnique(account: AccountData, serviceId: string | undefined, self: string | undefined): void {
    if (serviceId === undefined) return;
    const taken = account.configurations.items.find(
      (c) => c.id !== self && (c.body.conversationsV1Bridge as { serviceId?: unknown } | undefined)?.serviceId === serviceId,
    );
    if (taken)
      throw new ApiError(
        409,
        `Conflict on parameter 'conversationsV1Bridge.serviceId': configuration ${taken.id} already bridges ${serviceId}`,
      );
  }

  #accepted(configurationId: string): Reply {
    return acceptedReply(this.#baseUrl(), newId('operation', this.#clock.tick()), { configurationId });
  }

  #account(caller: Caller): AccountData {
    return this.#store.account(caller.username);
  }

  #configuration(caller: Caller, id: string): StoredRecord {
    const stored = this.#account(caller).configurations.get(id);
    if (!stored) throw notFound(`/v2/ControlPlane/Configurations/${id}`);
    return stored;
  }
}
