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
// its page cache makes that one call for all of them.
import { placeOf, ListPaginator, type Edge } from '../connections/paginate.ts';
import type { Cursor, CursorCodec } from '../connections/cursor.ts';
import type { Loaders } from '../loaders/index.ts';
import type { PageRequest } from '../upstream/api.ts';
import type { UpstreamCommunication } from '../upstream/types.ts';

/** Reads after the first read the largest pages. */
export const LARGE_PAGE = 1000;
/** Reads per log read (each up to the page budget): a bound, not a target. */
const MAX_ROUNDS = 1000;

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

/** One connection read of the list with `loaders()` (looked up at each page: a long read may switch sets). */
function paginator(settings: LogSettings, loaders: () => Loaders, at: LogPlace): ListPaginator<UpstreamCommunication> {
  const read = async (page: PageRequest) => {
    const result = await loaders().listCommunications(settings.conversationId, page, {});
    for (const item of result.items) at.newest = latest(at.newest, millis(item.createdAt));
    return result;
  };
  return new ListPaginator<UpstreamCommunication>({ read, codec: settings.codec, tag: settings.tag, maxPages: settings.maxPages });
}

/** The list's end now: its last communication (null for an empty list), as `last: 1` finds it, across the page budget if need be. */
export async function readLogEnd(settings: LogSettings, loaders: Loaders): Promise<LogPlace> {
  const at: LogPlace = { place: null, newest: undefined };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const connection = await paginator(settings, () => loaders, at).paginate({ direction: 'backward', count: 1, ...(at.place ? { after: at.place } : {}) });
    const last = connection.edges.at(-1);
    if (last) at.place = placeOf(last) ?? at.place;
    if (!connection.pageInfo.hasNextPage || !last) break;
  }
  return at;
}

/**
 * The edges after `at.place`, oldest first, in as many reads as it takes; `at` follows each edge
 * as it is handed out. `size`: the first read's page size (a client cursor's own continues along
 * its tokens), LARGE_PAGE after. Each edge comes with the loaders current when it was read.
 */
export async function* readLogAfter(
  settings: LogSettings,
  at: LogPlace,
  size: number,
  loaders: { current: Loaders },
): AsyncGenerator<{ edge: Edge<UpstreamCommunication>; loaders: Loaders }> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const connection = await paginator(settings, () => loaders.current, at).paginate({
      direction: 'forward',
      count: round === 0 ? size : LARGE_PAGE,
      ...(at.place ? { after: at.place } : {}),
    });
    for (const edge of connection.edges) {
      at.place = placeOf(edge) ?? at.place;
      yield { edge, loaders: loaders.current };
    }
    // No progress (nothing returned, nowhere to continue from): stop rather than loop.
    if (!connection.pageInfo.hasNextPage || connection.edges.length === 0) return;
  }
}
