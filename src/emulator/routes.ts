// The /v2 HTTP surface: authenticates the caller, matches the path to an operation, applies
// Idempotency-Key replay and the list-page cache, and serializes the answer. It knows nothing about
// sockets or injected faults (server.ts and delivery.ts do).
import type { IncomingHttpHeaders } from 'node:http';
import type { Accounts, Caller } from './auth.ts';
import { ApiError, notFound } from './errors.ts';
import { fingerprint, type IdempotencyStore } from './idempotency.ts';
import type { Operations, Reply } from './operations.ts';
import { errorReply, jsonReply, type HttpReply } from './reply.ts';
import type { Store } from './store.ts';
import { parseIdempotencyKey } from './validation.ts';

export interface ApiRequest {
  method: string;
  /** Path and query as received: the list-page cache key. */
  rawUrl: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Call {
  caller: Caller;
  /** Decoded path parameters, in path order. */
  params: string[];
  query: URLSearchParams;
  input: unknown;
}

type Handler = (ops: Operations, call: Call) => Reply;

interface Route {
  pattern: RegExp;
  /** List endpoints, whose pages cacheListPages may keep. */
  list?: boolean;
  methods: Record<string, Handler>;
}

const ROUTES: Route[] = [
  {
    pattern: /^\/v2\/Conversations$/,
    list: true,
    methods: {
      GET: (ops, { caller, query }) => ops.listConversations(caller, query),
      POST: (ops, { caller, input }) => ops.createConversation(caller, input),
    },
  },
  {
    pattern: /^\/v2\/Conversations\/([^/]+)$/,
    methods: {
      GET: (ops, { caller, params: [id] }) => ops.fetchConversation(caller, id!),
      PUT: (ops, { caller, params: [id], input }) => ops.replaceConversation(caller, id!, input),
      PATCH: (ops, { caller, params: [id], input }) => ops.patchConversation(caller, id!, input),
      DELETE: (ops, { caller, params: [id] }) => ops.deleteConversation(caller, id!),
    },
  },
  {
    pattern: /^\/v2\/Conversations\/([^/]+)\/Participants$/,
    list: true,
    methods: {
      GET: (ops, { caller, params: [cid], query }) => ops.listParticipants(caller, cid!, query),
      POST: (ops, { caller, params: [cid], input }) => ops.createParticipant(caller, cid!, input),
    },
  },
  {
    pattern: /^\/v2\/Conversations\/([^/]+)\/Participants\/([^/]+)$/,
    methods: {
      GET: (ops, { caller, params: [cid, id] }) => ops.fetchParticipant(caller, cid!, id!),
      PUT: (ops, { caller, params: [cid, id], input }) => ops.replaceParticipant(caller, cid!, id!, input),
    },
  },
  {
    pattern: /^\/v2\/Conversations\/([^/]+)\/Communications$/,
    list: true,
    methods: {
      GET: (ops, { caller, params: [cid], query }) => ops.listCommunications(caller, cid!, query),
      POST: (ops, { caller, params: [cid], input }) => ops.createCommunication(caller, cid!, input),
    },
  },
  {
    pattern: /^\/v2\/Conversations\/([^/]+)\/Communications\/([^/]+)$/,
    methods: {
      GET: (ops, { caller, params: [cid, id] }) => ops.fetchCommunication(caller, cid!, id!),
    },
  },
  {
    pattern: /^\/v2\/ControlPlane\/Configurations$/,
    list: true,
    methods: {
      GET: (ops, { caller, query }) => ops.configurations.list(caller, query),
      POST: (ops, { caller, input }) => ops.configurations.create(caller, input),
    },
  },
  {
    pattern: /^\/v2\/ControlPlane\/Configurations\/([^/]+)$/,
    methods: {
      GET: (ops, { caller, params: [id] }) => ops.configurations.fetch(caller, id!),
      PUT: (ops, { caller, params: [id], input }) => ops.configurations.replace(caller, id!, input),
      PATCH: (ops, { caller, params: [id], input }) => ops.configurations.patch(caller, id!, input),
      DELETE: (ops, { caller, params: [id] }) => ops.configurations.delete(caller, id!),
    },
  },
];

/** Methods whose replies an Idempotency-Key replays (the document lists the key on DELETE; creates use it too). */
const IDEMPOTENT_METHODS = new Set(['POST', 'DELETE']);

export interface RouterDeps {
  operations: Operations;
  accounts: Accounts;
  idempotency: IdempotencyStore;
  store: Store;
  cacheListPages: boolean;
}

export class Router {
  readonly #deps: RouterDeps;

  constructor(deps: RouterDeps) {
    this.#deps = deps;
  }

  handle(request: ApiRequest): HttpReply {
    try {
      return this.#handle(request);
    } catch (error) {
      if (error instanceof ApiError) return errorReply(error);
      throw error;
    }
  }

  #handle(request: ApiRequest): HttpReply {
    const { operations, accounts, idempotency, store, cacheListPages } = this.#deps;
    const caller = accounts.authenticate(request.headers.authorization);
    const path = request.url.pathname;
    const { route, params } = match(path);
    const handler = route.methods[request.method];
    if (!handler) {
      throw new ApiError(405, `Method ${request.method} not allowed on ${path}`, { allow: Object.keys(route.methods).join(', ') });
    }

    const cache = cacheListPages && route.list && request.method === 'GET' ? store.account(caller.username).pageCache : undefined;
    const cached = cache?.get(request.rawUrl);
    if (cached) return cached;

    const input = request.method === 'GET' || request.method === 'DELETE' ? undefined : parseJson(request.body);
    const key = IDEMPOTENT_METHODS.has(request.method) ? parseIdempotencyKey(header(request.headers, 'idempotency-key')) : undefined;
    const print = key === undefined ? '' : fingerprint(request.method, path, input);
    const replayed = key === undefined ? undefined : idempotency.replay(caller.username, key, print);
    if (replayed) return replayed;

    const reply = handler(operations, { caller, params, query: request.url.searchParams, input });
    const http: HttpReply = jsonReply(reply.status, reply.body, reply.headers);
    if (reply.list) http.list = reply.list;
    if (key !== undefined && reply.status < 300) idempotency.save(caller.username, key, print, http);
    cache?.set(request.rawUrl, http);
    return http;
  }
}

function match(path: string): { route: Route; params: string[] } {
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    try {
      return { route, params: found.slice(1).map((param) => decodeURIComponent(param)) };
    } catch {
      break; // malformed %-escape: no such resource
    }
  }
  throw notFound(path);
}

function parseJson(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, 'Invalid request body: not valid JSON');
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
