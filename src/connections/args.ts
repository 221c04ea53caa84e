// Checks a connection's first/last/after/before before anything is sent upstream, and turns them
// into one direction, one count and decoded cursors.
import { badUserInput } from '../errors.ts';
import type { Cursor, CursorCodec } from './cursor.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

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

export function parseConnectionArgs(args: RawConnectionArgs, codec: CursorCodec, tag: string): ConnectionRequest {
  const first = args.first ?? undefined;
  const last = args.last ?? undefined;
  if (first !== undefined && last !== undefined) {
    throw badUserInput('Pass either `first` or `last`, not both.');
  }
  for (const [name, value] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE)) {
      throw badUserInput(`\`${name}\` must be between 1 and ${MAX_PAGE_SIZE}.`, { argument: name });
    }
  }
  const after = args.after ? codec.decode(tag, args.after, 'after') : undefined;
  const before = args.before ? codec.decode(tag, args.before, 'before') : undefined;
  if (args.after === '' || args.before === '') throw badUserInput('A cursor cannot be an empty string.');

  // With no size given, `before` alone reads backwards (the page before it); anything else forwards.
  const direction = last !== undefined || (first === undefined && before && !after) ? 'backward' : 'forward';
  const count = first ?? last ?? DEFAULT_PAGE_SIZE;
  return {
    direction,
    count,
    ...(after ? { after } : {}),
    ...(before ? { before } : {}),
  };
}
