// communicationAdded's stream: resume from a cursor without a gap, then live, never twice.
//
// The upstream list is the durable log. With `after`, every communication after that cursor is
// read from it (oldest first, with the connection machinery and the caller's credentials) and
// delivered; then the live ones from the bus. The bus listener is opened BEFORE the catch-up
// starts, so whatever is created meanwhile waits in its (bounded) buffer; at the switch-over the
// buffered events whose communication the catch-up already delivered are dropped by id, and any
// event for a communication at or before the resume point (a late or repeated webhook) is dropped
// by its createdAt. Without `after` the stream is live from the moment of subscribing.
//
// Cursors of live edges. Every edge's cursor works as `after` on Conversation.communications. A
// live communication was never read from a page, so by default its cursor has no page (like a
// mutation's edge): it is found by id with a walk from the list's start, and priced as a walk.
// Better when the stream knows where the list ended: after a catch-up that reached the end, the
// last page read is the list's tail, and a new communication lands right after the last item on
// it. Such an edge gets a cursor on that page (its size and token, the next index and position),
// which continues in one call along that page (its item is found by id on it) and is priced as one
// page. Only while the page keeps a margin of free slots (a quarter of it, at least 4): a few
// communications the stream never saw (a dropped webhook) or that arrive out of order still leave
// the item on that page; beyond the margin, and for anything out of order, the page-less cursor.
import type { Cursor, CursorCodec, PagePosition } from '../connections/cursor.ts';
import { serveConnection, scopeTag, type Edge } from '../connections/index.ts';
import type { Loaders } from '../loaders/index.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamCommunication } from '../upstream/types.ts';
import { Delivery } from './delivery.ts';
import type { LiveEvent } from './events.ts';

/**
 * Ids (or event keys) remembered per subscription to drop repeats; beyond, the oldest go. Repeats
 * come soon (retries, webhook and poll): a window suffices, and keeps an idle subscriber small.
 * For communicationAdded whatever is older than the catch-up's newest item is dropped by createdAt.
 */
export const REMEMBERED_KEYS = 512;
/** Catch-up reads per subscription (each up to the page budget): a bound, not a target. */
const MAX_CATCH_UP_ROUNDS = 1000;
/** Catch-up rounds after the first read the largest pages. */
const LARGE_PAGE = 1000;
const MIN_FREE_SLOTS = 4;

export interface ResumeOptions {
  accountSid: string;
  conversationId: string;
  /** The list's scope (communicationsScope of the conversation, no channel filter). */
  scope: string;
  /** The cursor to resume after, already checked against the scope. */
  after: { text: string; cursor: Cursor } | undefined;
  codec: CursorCodec;
  maxPages: number;
  /** Fresh loaders for one catch-up read: a deadline of their own, the caller's credentials. */
  pageLoaders: () => Loaders;
  /**
   * A catch-up page's loaders resolve its edges only this long; a consumer slower than that gets
   * new ones (primed with the edge) before their deadline could cut its fields short.
   */
  loadersMaxAgeMs: number;
  /** The bus listener of the conversation, opened before this runs: events of the catch-up wait in it. */
  events: AsyncIterable<LiveEvent>;
  /** The loaders a live event resolves with (shared per event and credential). */
  eventLoaders: (event: LiveEvent) => Loaders;
}

/** A bounded set of recently seen ids (insertion order; the oldest are forgotten first). */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Adds `id`; false when it was there already. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }
}

/** Where the next communication will sit when the list's last page is known. */
interface Tail {
  position: PagePosition;
  /** createdAt (ms) of the item at `position`, when known: a live one created earlier is out of order. */
  createdAt: number | undefined;
}

const latest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

const millis = (text: string | undefined): number | undefined => {
  const value = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
};

/** The position right after the tail, if the tail's page keeps its margin of free slots. */
function nextOnTail(tail: Tail): PagePosition | null {
  const { size, token, index, offset } = tail.position;
  const free = Math.max(MIN_FREE_SLOTS, Math.ceil(size / 4));
  if (index + 1 + free > size - 1) return null;
  return { size, token, index: index + 1, offset: offset + 1 };
}

/** A page position ending the list: its item's page had no next page when read. */
const endsTheList = (position: PagePosition | null): position is PagePosition => position !== null && position.next === undefined;

export async function* communicationsAfter(options: ResumeOptions): AsyncGenerator<Delivery<Edge<UpstreamCommunication>>> {
  const { accountSid, conversationId, codec } = options;
  const tag = scopeTag(options.scope);
  const seen = new RecentIds(REMEMBERED_KEYS);
  /** createdAt (ms) of the newest communication at or before the resume point: nothing older is delivered live. */
  let floor: number | undefined;
  let tail: Tail | undefined;

  if (options.after) {
    const { cursor } = options.after;
    seen.add(cursor.id);
    let resumePointCreated: number | undefined;
    let lastEdge: Edge<UpstreamCommunication> | undefined;
    let afterText = options.after.text;
    let size = cursor.page?.size ?? LARGE_PAGE;
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      let loaders = options.pageLoaders();
      let madeAt = Date.now();
      const read = async (page: PageRequest) => {
        const result = await loaders.listCommunications(conversationId, page, {});
        const resumePoint = result.items.find((item) => item.id === cursor.id);
        if (resumePoint) {
          resumePointCreated = millis(resumePoint.createdAt);
          floor = latest(floor, resumePointCreated);
        }
        return result;
      };
      const connection = await serveConnection({ first: size, after: afterText }, { scope: options.scope, read }, { codec, maxPages: options.maxPages });
      for (const edge of connection.edges) {
        if (!seen.add(edge.node.id)) continue;
        floor = latest(floor, millis(edge.node.createdAt));
        lastEdge = edge;
        if (Date.now() - madeAt > options.loadersMaxAgeMs) {
          loaders = options.pageLoaders();
          madeAt = Date.now();
          loaders.communication.prime({ conversationId, id: edge.node.id }, edge.node);
        }
        yield Delivery.of(edge, loaders);
      }
      const { hasNextPage, endCursor } = connection.pageInfo;
      if (!hasNextPage) {
        // The list's end: the last item read (or the resume point itself) tells where the next one lands.
        const position = lastEdge ? codec.decode(tag, lastEdge.cursor, 'after').page : cursor.page;
        const createdAt = lastEdge ? millis(lastEdge.node.createdAt) : resumePointCreated;
        if (endsTheList(position)) tail = { position, createdAt };
        break;
      }
      // No progress (nothing returned, nowhere to continue from): stop rather than loop.
      if (endCursor === null || connection.edges.length === 0) break;
      afterText = endCursor;
      size = LARGE_PAGE;
    }
  }

  for await (const event of options.events) {
    if (event.type !== 'COMMUNICATION_CREATED' || event.accountSid !== accountSid || event.conversationSid !== conversationId) continue;
    const record = event.record as UpstreamCommunication;
    if (record.kind !== 'Communication' || record.conversationId !== conversationId || seen.has(record.id)) continue;
    const created = millis(record.createdAt);
    if (floor !== undefined && created !== undefined && created < floor) continue;
    seen.add(record.id);
    let position: PagePosition | null = null;
    const inOrder = tail !== undefined && (tail.createdAt === undefined || (created !== undefined && created >= tail.createdAt));
    if (tail && inOrder) {
      position = nextOnTail(tail);
      tail = position ? { position, createdAt: created } : undefined;
    }
    const edge: Edge<UpstreamCommunication> = { node: record, cursor: codec.encode(tag, { id: record.id, page: position }) };
    yield Delivery.of(edge, options.eventLoaders(event));
  }
}
