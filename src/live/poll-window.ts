// What the poller remembers between two reads of the upstream, and the changes it infers from the
// next read. The upstream has no change feed: lists are ordered oldest first and paged by opaque
// tokens bound to their pageSize, so the cheap way to watch a list is to keep the token of its last
// page and re-read that one page each tick (one call), following `nextToken` when the page fills.
// These classes are pure (no I/O, no timers) so the diffing is unit-tested on its own.
import { createHash } from 'node:crypto';
import type { UpstreamPage } from '../upstream/types.ts';
import type { LiveEventType } from './events.ts';

/** The fields every polled record has that the diff needs. */
export interface Versioned {
  id: string;
  createdAt?: string | undefined;
  updatedAt?: string | undefined;
}

export type Change<T> =
  | { change: 'created' | 'updated'; record: T }
  /** Gone from a list read completely; the record is the last one seen. */
  | { change: 'removed'; record: T };

/**
 * The event id of a polled change: the same change seen again (by another replica's poller, or
 * after a restart) has the same id, so subscribers see it once.
 */
export function pollEventId(type: LiveEventType, id: string, updatedAt: string | undefined): string {
  const digest = createHash('sha256')
    .update(`${type}\u0000${id}\u0000${updatedAt ?? ''}`)
    .digest('base64url');
  return `poll_${digest.slice(0, 27)}`;
}

function versionOf(record: Versioned): string {
  return record.updatedAt ?? record.createdAt ?? '';
}

function atOrAfter(instant: string | undefined, sinceMs: number): boolean {
  if (instant === undefined) return false;
  const ms = Date.parse(instant);
  return !Number.isNaN(ms) && ms >= sinceMs;
}

/**
 * Before the first read there is nothing to compare with. The first read is a baseline, except
 * for records created (or changed) at or after `sinceMs`, a moment shortly before the first
 * subscriber arrived: that subscriber's own catch-up read and this baseline race each other, and
 * whatever the baseline swallowed after the catch-up was read would otherwise be lost. Reporting a
 * few seconds' worth twice is harmless (subscribers de-duplicate by id); losing one is not.
 */
function baselineChange<T extends Versioned>(record: T, sinceMs: number): Change<T> | undefined {
  if (atOrAfter(record.createdAt, sinceMs)) return { change: 'created', record };
  if (atOrAfter(record.updatedAt, sinceMs)) return { change: 'updated', record };
  return undefined;
}

/** One page read in a tick, with the token it was read at (null: the list's first page). */
export interface ReadPage<T> {
  token: string | null;
  page: UpstreamPage<T>;
}

/**
 * The changes one read shows, and `commit()` to remember that read. Nothing is remembered until the
 * changes are published: a publish that fails leaves the state as it was, so the next tick finds
 * (and publishes, under the same event ids) the same changes again.
 */
export interface Diff<T> {
  changes: Change<T>[];
  commit(): void;
}

/**
 * The newest page of a token-paged list, oldest first. `token` is where the next tick reads; the
 * items of that page are remembered with their versions. A record is "created" when it appears on
 * or after that page unseen, "updated" when its updatedAt differs from the remembered one. Only the
 * newest page is watched for updates (between 1 and pageSize records): a change to an older record
 * is not seen by polling.
 */
export class NewestPageWindow<T extends Versioned> {
  #token: string | null = null;
  #known = new Map<string, string>();
  #baselined = false;
  readonly #sinceMs: number;

  constructor(sinceMs: number) {
    this.#sinceMs = sinceMs;
  }

  /** Where the next tick starts reading. */
  get token(): string | null {
    return this.#token;
  }

  /** True once a read reached the end of the list (the baseline is complete). */
  get baselined(): boolean {
    return this.#baselined;
  }

  /**
   * The pages read in one tick, in order, the first at `token`. A last page with a `nextToken`
   * means the tick's page budget ran out before the end: the next tick continues there.
   */
  diff(pages: readonly ReadPage<T>[]): Diff<T> {
    const last = pages.at(-1);
    if (!last) return { changes: [], commit: () => {} };
    const changes: Change<T>[] = [];
    // An upstream whose tokens lead back to pages already read (a bug) repeats records: once each.
    const seen = new Set<string>();
    for (const { page } of pages) {
      for (const record of page.items) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        const change = this.#baselined ? this.#compare(record) : baselineChange(record, this.#sinceMs);
        if (change) changes.push(change);
      }
    }
    const commit = () => {
      if (last.page.nextToken !== null) {
        // Everything up to here is seen; the next page is new ground, nothing on it known yet.
        this.#token = last.page.nextToken;
        this.#known = new Map();
      } else {
        this.#token = last.token;
        this.#known = new Map(last.page.items.map((record) => [record.id, versionOf(record)]));
        this.#baselined = true;
      }
    };
    return { changes, commit };
  }

  #compare(record: T): Change<T> | undefined {
    const known = this.#known.get(record.id);
    if (known === undefined) return { change: 'created', record };
    return known === versionOf(record) ? undefined : { change: 'updated', record };
  }
}

/**
 * A small list read whole each time (a conversation's participants): added, updated and — only
 * when the read was complete — removed records. An incomplete read (more than one page) reports
 * no removals, since a record missing from it may simply be on a page not read.
 */
export class SnapshotSet<T extends Versioned> {
  #known: Map<string, T> | undefined;
  readonly #sinceMs: number;

  constructor(sinceMs: number) {
    this.#sinceMs = sinceMs;
  }

  diff(records: readonly T[], complete: boolean): Diff<T> {
    const previous = this.#known;
    const next = new Map(records.map((record) => [record.id, record]));
    const commit = () => {
      this.#known = next;
    };
    if (!previous) return { changes: records.flatMap((record) => baselineChange(record, this.#sinceMs) ?? []), commit };
    const changes: Change<T>[] = [];
    for (const record of records) {
      const known = previous.get(record.id);
      if (!known) changes.push({ change: 'created', record });
      else if (versionOf(known) !== versionOf(record)) changes.push({ change: 'updated', record });
    }
    if (complete) {
      for (const [id, record] of previous) if (!next.has(id)) changes.push({ change: 'removed', record });
    }
    return { changes, commit };
  }
}

/** One record read whole each time (the conversation itself): updated when its version changes. */
export class SingleRecord<T extends Versioned> {
  #version: string | undefined;
  readonly #sinceMs: number;

  constructor(sinceMs: number) {
    this.#sinceMs = sinceMs;
  }

  /** A missing record (null) changes nothing: the list reads report that failure. */
  diff(record: T | null): Diff<T> {
    if (record === null) return { changes: [], commit: () => {} };
    const version = versionOf(record);
    const changed = this.#version === undefined ? atOrAfter(record.updatedAt, this.#sinceMs) : this.#version !== version;
    return {
      changes: changed ? [{ change: 'updated', record }] : [],
      commit: () => {
        this.#version = version;
      },
    };
  }
}
