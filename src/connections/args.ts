// Checks a connection's first/last/after/before before anything is sent upstream, and turns them
// into one direction, one count and decoded cursors. The same checks run twice: before execution
// over the whole document (server/connection-arguments.ts, where a field's parent may not be known
// yet: tag null), and in the field's resolver (with its list's tag).
import { badUserInput } from '../errors.ts';
import { MAX_PAGE_SIZE } from '../upstream/api.ts';
import type { Cursor, CursorCodec } from './cursor.ts';

export const DEFAULT_PAGE_SIZE = 20;

export interface RawConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
}

export interface ConnectionRequest {
  /** forward: the first `count` items after `after`; backward: the last `count` items before `before`. */
  direction: 'forward' | 'backward';
  count: number;
  after?: Cursor;
  before?: Cursor;
}

/** With no size given, `before` alone reads backwards (the page before it); anything else forwards. */
export function directionOf(args: RawConnectionArgs): ConnectionRequest['direction'] {
  return args.last != null || (args.first == null && args.before && !args.after) ? 'backward' : 'forward';
}

export function parseConnectionArgs(args: RawConnectionArgs, codec: CursorCodec, tag: string | null): ConnectionRequest {
  const first = args.first ?? undefined;
  const last = args.last ?? undefined;
  if (first !== undefined && last !== undefined) {
    throw badUserInput('Pass either `first` or `last`, not both.', { argument: 'last' });
  }
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE)) {
      throw badUserInput(`\`${name}\` must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: name });
    }
  }
  for (const name of ['after', 'before'] as const) {
    if (args[name] === '') throw badUserInput('A cursor cannot be an empty string.', { argument: name });
  }
  const after = args.after ? codec.decode(tag, args.after, 'after') : undefined;
  const before = args.before ? codec.decode(tag, args.before, 'before') : undefined;
  if (after && before) checkWindow(after, before);
  return {
    direction: directionOf(args),
    count: first ?? last ?? DEFAULT_PAGE_SIZE,
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
  };
}

/**
 * `after` and `before` together bound a window: `after` must come first, or the window is empty
 * and any item returned would lie outside it. Their positions say so; a cursor returned by a
 * mutation has none, so it can bound a window only on its own.
 */
function checkWindow(after: Cursor, before: Cursor): void {
  if (after.page === null || before.page === null) {
    throw badUserInput('A cursor returned by a mutation cannot be combined with another cursor; pass `after` or `before` alone.', {
      argument: after.page === null ? 'after' : 'before',
    });
  }
  if (after.page.offset >= before.page.offset) {
    throw badUserInput('`after` must point to an item earlier in the list than `before`.', { argument: 'after' });
  }
}
