// Which object type a record is, read from the `kind` the upstream decoder stamps on every record
// (upstream/types.ts, RecordKind) — never guessed from which fields it has, so a new node type, or
// a new field on an old one, cannot be taken for another. A record without the mark is a bug
// (something built it past the decoder): it fails the request as INTERNAL_SERVER_ERROR instead of
// being typed by its looks.
import type { RecordKind } from '../upstream/types.ts';

const RECORD_KINDS: ReadonlySet<string> = new Set<RecordKind>(['Conversation', 'Participant', 'Communication']);

const kindField = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;

/**
 * An object type's isTypeOf: true only for records stamped with its kind. False for anything else,
 * which the executor reports as a field error without a code: the error policy turns it into
 * INTERNAL_SERVER_ERROR (throwing here is no option: graphql-jit does not catch an isTypeOf's throw).
 */
export const isRecordOf =
  (kind: RecordKind) =>
  (value: unknown): boolean =>
    kindField(value) === kind;

/** The Node interface's resolveType: the record's own mark; a record without one is a bug. */
export function recordTypename(value: unknown): RecordKind {
  const kind = kindField(value);
  if (typeof kind === 'string' && RECORD_KINDS.has(kind)) return kind as RecordKind;
  throw new Error('A record without the decoder’s kind reached the Node interface (built past the upstream decoder?)');
}
