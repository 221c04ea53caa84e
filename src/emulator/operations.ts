// What each Conversations v2 operation does to the data. The HTTP router and EmulatorData both call
// these, so seeding a test directly gets the same validation, ids and timestamps as an HTTP request.
import type { Caller } from './auth.ts';
import { isoTime, type MonotonicClock } from './clock.ts';
import { ConfigurationOperations } from './configurations.ts';
import { invalidParameter, notFound } from './errors.ts';
import { newId } from './ids.ts';
import type { Communication, CommunicationAddress, Conversation, Participant, ParticipantAddress, ParticipantType } from './model.ts';
import type { PageTokens } from './pagination.ts';
import { newConversationRecord, type AccountData, type Body, type ConversationRecord, type Store, type StoredRecord } from './store.ts';
import {
  createCommunicationBody,
  createConversationBody,
  createParticipantBody,
  parseBody,
  parseListQuery,
  patchConversationBody,
  replaceConversationBody,
  replaceParticipantBody,
  type ListQuery,
} from './validation.ts';
import type { ResourceChange, StatusCallbackEvent } from './webhooks.ts';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set on list pages (see reply.ts). */
  list?: { scope: string; pageSize: number };
}

export type RawKind = 'conversations' | 'participants' | 'communications';

interface NewParticipant {
  name?: string | undefined;
  type?: ParticipantType | undefined;
  profileId?: string | undefined;
  addresses: ParticipantAddress[];
}

export class Operations {
  readonly #store: Store;
  readonly #clock: MonotonicClock;
  readonly #tokens: PageTokens;
  /** Where DELETE's statusUrl points; known only once the server listens. */
  readonly #baseUrl: () => string;
  /** Told of every change, for status callbacks (webhooks.ts); raw inserts are not changes. */
  readonly #notify: (change: ResourceChange) => void;
  readonly configurations: ConfigurationOperations;

  constructor(
    store: Store,
    clock: MonotonicClock,
    tokens: PageTokens,
    baseUrl: () => string,
    notify: (change: ResourceChange) => void = () => {},
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#tokens = tokens;
    this.#baseUrl = baseUrl;
    this.#notify = notify;
    this.configurations = new ConfigurationOperations(store, clock, tokens, baseUrl);
  }

  // ---- conversations ----

  listConversations(caller: Caller, query: URLSearchParams): Reply {
    const q = parseListQuery(query, { status: true, channelId: true });
    const { statuses, channelId } = q;
    const matches = (c: ConversationRecord): boolean =>
      (statuses === undefined || statuses.includes(c.body.status as string)) && (channelId === undefined || usesChannelId(c, channelId));
    const scope = JSON.stringify([caller.username, 'conversations', statuses ?? null, channelId ?? null]);
    return this.#listPage('conversations', this.#account(caller).conversations.items, matches, scope, q);
  }

  createConversation(caller: Caller, input: unknown): Reply {
    const body = parseBody(createConversationBody, input);
    const account = this.#account(caller);
    const ms = this.#clock.tick();
    const conversation: Conversation = {
      id: newId('conversation', ms),
      accountId: caller.accountId,
      configurationId: body.configurationId,
      status: 'ACTIVE',
      name: body.name ?? null,
      createdAt: isoTime(ms),
      updatedAt: isoTime(ms),
      metadata: body.metadata ?? {},
      ...(body.configuration && { configuration: body.configuration }),
    };
    const record = newConversationRecord(ms, conversation as unknown as Body & { id: string });
    account.conversations.insert(record);
    const participants = (body.participants ?? []).map((p) => this.#addParticipant(caller, record, { ...p, addresses: p.addresses ?? [] }));
    account.changed();
    this.#changed(caller, 'CONVERSATION_CREATED', record, record.body);
    for (const participant of participants) this.#changed(caller, 'PARTICIPANT_ADDED', record, participant as unknown as Body);
    return { status: 201, body: participants.length > 0 ? { ...conversation, participants } : conversation };
  }

  fetchConversation(caller: Caller, id: string): Reply {
    return { status: 200, body: this.#conversation(caller, id).body };
  }

  /** PUT: each field given replaces the stored one (metadata as a whole); fields left out are kept. */
  replaceConversation(caller: Caller, id: string, input: unknown): Reply {
    const record = this.#conversation(caller, id);
    const body = parseBody(replaceConversationBody, input);
    return this.#updateConversation(caller, record, {
      status: body.status,
      ...(body.name !== undefined && { name: body.name }),
      ...(body.metadata !== undefined && { metadata: body.metadata }),
    });
  }

  /** PATCH: metadata is merged (a key set to null is removed); `name: null` clears the name. */
  patchConversation(caller: Caller, id: string, input: unknown): Reply {
    const record = this.#conversation(caller, id);
    const body = parseBody(patchConversationBody, input);
    const changes: Body = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.status !== undefined) changes.status = body.status;
    if (body.metadata !== undefined) {
      const merged: Record<string, string> = { ...(record.body.metadata as Record<string, string> | undefined) };
      for (const [key, value] of Object.entries(body.metadata)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      if (Object.keys(merged).length > 8)
        throw invalidParameter('metadata', 'must have at most 8 entries once merged with the stored ones');
      changes.metadata = merged;
    }
    const callbacks = body.configuration?.statusCallbacks;
    if (callbacks !== undefined) {
      const { statusCallbacks: _dropped, ...rest } = (record.body.configuration ?? {}) as Record<string, unknown>;
      changes.configuration = callbacks === null ? rest : { ...rest, statusCallbacks: callbacks };
    }
    return this.#updateConversation(caller, record, changes);
  }

  /** Deletion completes at once; the 202 carries what the document describes for an async operation. */
  deleteConversation(caller: Caller, id: string): Reply {
    this.#conversation(caller, id);
    const account = this.#account(caller);
    account.conversations.remove(id);
    account.changed();
    const operationId = newId('operation', this.#clock.tick());
    const statusUrl = `${this.#baseUrl()}/v2/ControlPlane/Operations/${operationId}`;
    return {
      status: 202,
      headers: { 'operation-id': operationId, 'retry-after': '1', location: statusUrl },
      body: { statusUrl, related: { conversationId: id } },
    };
  }

  // ---- participants ----

  listParticipants(caller: Caller, conversationId: string, query: URLSearchParams): Reply {
    const record = this.#conversation(caller, conversationId);
    const q = parseListQuery(query);
    const scope = JSON.stringify([caller.username, 'participants', conversationId]);
    return this.#listPage('participants', record.participants.items, () => true, scope, q);
  }

  createParticipant(caller: Caller, conversationId: string, input: unknown): Reply {
    const record = this.#openConversation(caller, conversationId);
    const body = parseBody(createParticipantBody, input);
    const participant = this.#addParticipant(caller, record, body);
    this.#account(caller).changed();
    this.#changed(caller, 'PARTICIPANT_ADDED', record, participant as unknown as Body);
    return { status: 201, body: participant };
  }

  fetchParticipant(caller: Caller, conversationId: string, id: string): Reply {
    return { status: 200, body: this.#participant(caller, conversationId, id).body };
  }

  /** PUT: each field given replaces the stored one (addresses as a whole); fields left out are kept. */
  replaceParticipant(caller: Caller, conversationId: string, id: string, input: unknown): Reply {
    const stored = this.#participant(caller, conversationId, id);
    const body = parseBody(replaceParticipantBody, input);
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    stored.body = { ...stored.body, ...changes, updatedAt: isoTime(this.#clock.tick()) };
    this.#account(caller).changed();
    this.#changed(caller, 'PARTICIPANT_UPDATED', this.#conversation(caller, conversationId), stored.body);
    return { status: 200, body: stored.body };
  }

  /**
   * Removes a participant (EmulatorData.removeParticipant): the document has no REST endpoint for it,
   * but Twilio removes participants, and PARTICIPANT_REMOVED carries the participant as it was.
   */
  removeParticipant(caller: Caller, conversationId: string, id: string): Body {
    const stored = this.#participant(caller, conversationId, id);
    const record = this.#conversation(caller, conversationId);
    record.participants.remove(id);
    this.#account(caller).changed();
    this.#notify({
      caller,
      eventType: 'PARTICIPANT_REMOVED',
      conversation: record,
      data: stored.body,
      timestamp: isoTime(this.#clock.tick()),
    });
    return stored.body;
  }

  // ---- communications ----

  listCommunications(caller: Caller, conversationId: string, query: URLSearchParams): Reply {
    const record = this.#conversation(caller, conversationId);
    const q = parseListQuery(query, { channelId: true });
    const { channelId } = q;
    const matches = (c: StoredRecord): boolean => channelId === undefined || c.body.channelId === channelId;
    const scope = JSON.stringify([caller.username, 'communications', conversationId, channelId ?? null]);
    return this.#listPage('communications', record.communications.items, matches, scope, q);
  }

  /** 201 for a new communication; 200 when `resourceId` names one already in the conversation, updated in place. */
  createCommunication(caller: Caller, conversationId: string, input: unknown): Reply {
    const record = this.#openConversation(caller, conversationId);
    const body = parseBody(createCommunicationBody, input);
    checkParticipant(record, 'author', body.author);
    for (const [i, recipient] of body.recipients.entries()) checkParticipant(record, `recipients[${i}]`, recipient);
    const existing = body.resourceId === undefined ? undefined : record.communicationsByResourceId.get(body.resourceId);
    const ms = this.#clock.tick();
    if (existing) {
      existing.body = {
        ...existing.body,
        author: body.author,
        content: body.content,
        ...(body.channelId !== undefined && { channelId: body.channelId }),
        recipients: body.recipients,
        updatedAt: isoTime(ms),
        ...(body.occurredAt !== undefined && { occurredAt: body.occurredAt }),
      };
      this.#account(caller).changed();
      this.#changed(caller, 'COMMUNICATION_UPDATED', record, existing.body);
      return { status: 200, body: existing.body };
    }
    const communication: Communication = {
      id: newId('communication', ms),
      conversationId,
      accountId: caller.accountId,
      author: body.author,
      content: body.content,
      ...(body.channelId !== undefined && { channelId: body.channelId }),
      ...(body.resourceId !== undefined && { resourceId: body.resourceId }),
      recipients: body.recipients,
      createdAt: isoTime(ms),
      updatedAt: isoTime(ms),
      occurredAt: body.occurredAt ?? isoTime(ms),
    };
    addCommunication(record, { sortMs: ms, id: communication.id, body: communication as unknown as Body });
    this.#account(caller).changed();
    this.#changed(caller, 'COMMUNICATION_CREATED', record, communication as unknown as Body);
    return { status: 201, body: communication };
  }

  fetchCommunication(caller: Caller, conversationId: string, id: string): Reply {
    const record = this.#conversation(caller, conversationId);
    const stored = record.communications.get(id);
    if (!stored) throw notFound(`/v2/Conversations/${conversationId}/Communications/${id}`);
    return { status: 200, body: stored.body };
  }

  // ---- direct storage for tests (EmulatorData.insertRaw) ----

  /** Stores `resource` as-is; only `id` (and `conversationId` for nested kinds) must be usable. */
  insertRaw(caller: Caller, kind: RawKind, resource: Body): Body {
    if (typeof resource.id !== 'string') throw new TypeError('insertRaw: the resource needs a string id');
    const body: Body = { ...resource };
    if (body.createdAt === undefined) body.createdAt = isoTime(this.#clock.tick());
    const parsed = Date.parse(String(body.createdAt));
    const stored = { sortMs: Number.isNaN(parsed) ? 0 : parsed, id: resource.id, body };
    const account = this.#account(caller);
    if (kind === 'conversations') {
      account.conversations.insert(newConversationRecord(stored.sortMs, { ...body, id: resource.id }));
    } else {
      const conversationId = body.conversationId;
      const record = typeof conversationId === 'string' ? account.conversations.get(conversationId) : undefined;
      if (!record) throw new TypeError(`insertRaw: ${kind} need the conversationId of a stored conversation`);
      if (kind === 'participants') record.participants.insert(stored);
      else addCommunication(record, stored);
    }
    account.changed();
    return body;
  }

  // ---- helpers ----

  #account(caller: Caller): AccountData {
    return this.#store.account(caller.username);
  }

  #conversation(caller: Caller, id: string): ConversationRecord {
    const record = this.#account(caller).conversations.get(id);
    if (!record) throw notFound(`/v2/Conversations/${id}`);
    return record;
  }

  /** A conversation that accepts new participants and communications (not CLOSED). */
  #openConversation(caller: Caller, id: string): ConversationRecord {
    const record = this.#conversation(caller, id);
    if (record.body.status === 'CLOSED') {
      throw invalidParameter('ConversationId', `conversation ${id} is CLOSED and accepts no new participants or communications`);
    }
    return record;
  }

  #participant(caller: Caller, conversationId: string, id: string): StoredRecord {
    const stored = this.#conversation(caller, conversationId).participants.get(id);
    if (!stored) throw notFound(`/v2/Conversations/${conversationId}/Participants/${id}`);
    return stored;
  }

  #addParticipant(caller: Caller, record: ConversationRecord, input: NewParticipant): Participant {
    const ms = this.#clock.tick();
    const participant: Participant = {
      id: newId('participant', ms),
      conversationId: record.id,
      accountId: caller.accountId,
      name: input.name ?? null,
      type: input.type ?? 'UNKNOWN',
      ...(input.profileId !== undefined && { profileId: input.profileId }),
      addresses: input.addresses,
      createdAt: isoTime(ms),
      updatedAt: isoTime(ms),
    };
    record.participants.insert({ sortMs: ms, id: participant.id, body: participant as unknown as Body });
    return participant;
  }

  #updateConversation(caller: Caller, record: ConversationRecord, changes: Body): Reply {
    record.body = { ...record.body, ...changes, updatedAt: isoTime(this.#clock.tick()) };
    this.#account(caller).changed();
    this.#changed(caller, 'CONVERSATION_UPDATED', record, record.body);
    return { status: 200, body: record.body };
  }

  /** Reports a create or update: its time is the resource's updatedAt. */
  #changed(caller: Caller, eventType: StatusCallbackEvent, conversation: ConversationRecord, data: Body): void {
    const timestamp = typeof data.updatedAt === 'string' ? data.updatedAt : isoTime(this.#clock.now());
    this.#notify({ caller, eventType, conversation, data, timestamp });
  }

  #listPage<T extends StoredRecord>(key: string, items: readonly T[], matches: (item: T) => boolean, scope: string, q: ListQuery): Reply {
    const page = this.#tokens.page(items, matches, scope, q.pageSize, q.pageToken);
    const meta: Body = { key, pageSize: page.items.length };
    if (page.nextToken !== undefined) meta.nextToken = page.nextToken;
    if (page.previousToken !== undefined) meta.previousToken = page.previousToken;
    return { status: 200, body: { [key]: page.items.map((item) => item.body), meta }, list: { scope, pageSize: q.pageSize } };
  }
}

function addCommunication(record: ConversationRecord, stored: StoredRecord): void {
  record.communications.insert(stored);
  if (typeof stored.body.resourceId === 'string') record.communicationsByResourceId.set(stored.body.resourceId, stored);
}

/** A participantId on an author or recipient must name a participant of this conversation. */
function checkParticipant(record: ConversationRecord, path: string, address: CommunicationAddress): void {
  const id = address.participantId;
  if (id !== undefined && !record.participants.get(id)) {
    throw invalidParameter(`${path}.participantId`, `no participant ${id} in conversation ${record.id}`);
  }
}

/** The conversations `channelId` filter: a communication or a participant address carries that channel id. */
function usesChannelId(record: ConversationRecord, channelId: string): boolean {
  return (
    record.communications.items.some((c) => c.body.channelId === channelId) ||
    record.participants.items.some(
      (p) => Array.isArray(p.body.addresses) && p.body.addresses.some((a: { channelId?: unknown } | null) => a?.channelId === channelId),
    )
  );
}
