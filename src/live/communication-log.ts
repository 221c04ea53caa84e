// A conversation's communications list read as a log: where one subscriber stands in it (the last
// communication it was given, or the list's end when it subscribed) and what lies after that.
// communicationAdded (resume.ts) delivers only what this reads, so its deliveries are always in
// list order and every edge carries a cursor of a page really read: the same cursor works as
// `after` on Conversation.communications and, given back to communicationAdded, resumes exactly
// there, whatever order the webhooks came in.
//
// Sharing. A read after a place goes to the place's own page (a re-read of it while it has room,
// else the page after it), so subscribers of one credential standing on the same page read the
// same upstream page: with the loader set shared per event and credential (event-loaders.ts)
// its page cache makes that one call for all of them. Subscribers at the same place also share
// the result (its edges, whose cursors are then signed once), kept with that loader set.
import type { ConnectionRequest } from '../connections/args.ts';
import { placeOf, ListPaginator, type Connection, type Edge } from '../connections/paginate.ts';
import type { Cursor, CursorCodec } from '../connections/cursor.ts';
import type { Loaders } from '../loaders/index.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamCommunication } from '../upstream/types.ts';

/** Reads after the first read the largest pages. */
export const LARGE_PAGE = 1000;
/** Reads per log read (each up to the page budget): a bound, not a target. */
export const MAX_LOG_ROUNDS = 1000;

/** Where a subscriber stands. */
export interface LogPlace {
  /** The last communication it was given (or the list's last when it subscribed); null: before the list's first. */
  place: Cursor | null;
  /** createdAt (ms) of the newest communication any page read so far showed (undefined: none yet). */
  newest: number | undefined;
}

export interface LogSettings {
  conversationId: string;
  codec: CursorCodec;
  /** The list's scope tag (its cursors are made for it). */
  tag: string;
  maxPages: number;
}

export const millis = (text: string | undefined): number | undefined => {
  const value = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
};

const latest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** One connection read of the list, and the newest createdAt of the pages it read. */
interface LogRead {
  connection: Connection<UpstreamCommunication>;
  newest: number | undefined;
}

/** Reads made with one loader set (a set per event and credential), by request: computed once for every subscriber at that place. */
const readsByLoaders = new WeakMap<Loaders, Map<string, Promise<LogRead>>>();

/** A place's text, made once per cursor object (the subscribers at one place hold the same one, from the edge they were given). */
const placeTexts = new WeakMap<Cursor, string>();

function readKey(request: ConnectionRequest): string {
  const after = request.after;
  if (!after) return `${request.direction}\u0000${request.count}`;
  let text = placeTexts.get(after);
  if (text === undefined) placeTexts.set(after, (text = JSON.stringify(after)));
  return `${request.direction}\u0000${request.count}\u0000${text}`;
}

/** One connection read of the list with `loaders()` (looked up at each page: a long read may switch sets). */
function readLog(settings: LogSettings, loaders: () => Loaders, request: ConnectionRequest): Promise<LogRead> {
  const first = loaders();
  let reads = readsByLoaders.get(first);
  if (!reads) readsByLoaders.set(first, (reads = new Map()));
  const key = readKey(request);
  let known = reads.get(key);
  if (!known) {
    const result: { newest: number | undefined } = { newest: undefined };
    const read = async (page: PageRequest) => {
      const answer = await loaders().listCommunications(settings.conversationId, page, {});
      for (const item of answer.items) result.newest = latest(result.newest, millis(item.createdAt));
      return answer;
    };
    const paginator = new ListPaginator<UpstreamCommunication>({
      read,
      codec: settings.codec,
      tag: settings.tag,
      maxPages: settings.maxPages,
    });
    known = paginator.paginate(request).then((connection) => ({ connection, newest: result.newest }));
    reads.set(key, known);
  }
  return known;
}

/** The list's end now: its last communication (null for an empty list), as `last: 1` finds it, across the page budget if need be. */
export async function readLogEnd(settings: LogSettings, loaders: Loaders): Promise<LogPlace> {
  const at: LogPlace = { place: null, newest: undefined };
  for (let round = 0; round < MAX_LOG_ROUNDS; round++) {
    const { connection, newest } = await readLog(settings, () => loaders, {
      direction: 'backward',
      count: 1,
      ...(at.place ? { after: at.place } : {}),
    });
    at.newest = latest(at.newest, newest);
    const last = connection.edges.at(-1);
    if (last) at.place = placeOf(last) ?? at.place;
    if (!connection.pageInfo.hasNextPage || !last) break;
  }
  return at;
}

/**
 * One read on from `at.place`: the edges after it, oldest first (`at` moves past them all), and
 * whether the list goes on after them. `count`: the page size asked for (a client cursor's own
 * continues along its tokens; LARGE_PAGE otherwise).
 */
export async function readLogRound(
  settings: LogSettings,
  at: LogPlace,
  count: number,
  loaders: () => Loaders,
): Promise<{ edges: Edge<UpstreamCommunication>[]; more: boolean }> {
  const { connection, newest } = await readLog(settings, loaders, {
    direction: 'forward',
    count,
    ...(at.place ? { after: at.place } : {}),
  });
  at.newest = latest(at.newest, newest);
  const last = connection.edges.at(-1);
  if (last) at.place = placeOf(last) ?? at.place;
  // No progress (nothing returned, nowhere to continue from): done rather than loop.
  return { edges: connection.edges, more: connection.pageInfo.hasNextPage && last !== undefined };
}

/** A communication the list does not show, as an edge found by id: made once per loader set (its cursor signed once). */
const unlistedByLoaders = new WeakMap<Loaders, Map<string, Edge<UpstreamCommunication>>>();

export function unlistedEdge(
  loaders: Loaders,
  record: UpstreamCommunication,
  make: () => Edge<UpstreamCommunication>,
): Edge<UpstreamCommunication> {
  let edges = unlistedByLoaders.get(loaders);
  if (!edges) unlistedByLoaders.set(loaders, (edges = new Map()));
  let edge = edges.get(record.id);
  if (!edge) edges.set(record.id, (edge = make()));
  return edge;
}
