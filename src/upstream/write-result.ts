// What a write (create, update, delete) against the upstream comes to. A write the upstream refused
// because of what was sent (400, 404, 409, 410, 413, 422) is a value, not an exception: the schema
// turns it into userErrors without catching anything. Everything else (401, 403, 429, 5xx, timeouts,
// broken bodies) still throws UpstreamError and becomes a top-level error.
//
// This module is also the one place that reads the upstream's error *messages*: it pulls out the
// parameter a refusal names (Twilio quotes it: `Invalid parameter 'recipients[0].address': …`), so
// no other code ever looks at upstream wording, and no caller ever sees it.
import { UpstreamError } from './errors.ts';

export type WriteKind = 'created' | 'updated' | 'deleted';

/** Why the upstream refused a write, in the facade's terms. */
export type RejectionReason = 'invalid' | 'required' | 'not_found' | 'conflict' | 'too_large';

export interface Rejection {
  kind: 'rejected';
  /** The upstream's HTTP status. */
  status: number;
  /** Twilio's numeric error code, when the body carried one (e.g. 20001, 20404, 20409). */
  code: number | undefined;
  /**
   * The upstream parameter the refusal is about, in the upstream's spelling: a body field as a
   * path (`recipients[0].participantId`), a header (`Idempotency-Key`), or a path parameter by its
   * OpenAPI name (`ConversationId` for the parent conversation, `id` for the addressed resource).
   * Undefined when the upstream named none.
   */
  parameter?: string;
  reason: RejectionReason;
}

export type WriteResult<T> = { kind: WriteKind; value: T } | Rejection;

/** A path parameter of a write's URL, by its OpenAPI name, outermost first: [['ConversationId', 'conv_…'], ['id', 'conv_…']]. */
export type PathParameters = ReadonlyArray<readonly [name: string, value: string]>;

const REJECTION_REASONS: ReadonlyMap<number, RejectionReason> = new Map([
  [400, 'invalid'],
  [404, 'not_found'],
  [409, 'conflict'],
  [410, 'not_found'],
  [413, 'too_large'],
  [422, 'invalid'],
]);

/** A quoted parameter name, as Twilio writes them: 'author.participantId', 'recipients[0].address', 'Idempotency-Key'. */
const QUOTED_PARAMETER = /'([A-Za-z][A-Za-z0-9_.\-[\]]{0,127})'/;
/** The resource path a 404 names: "The requested resource /v2/Conversations/X/Participants/Y was not found". */
const RESOURCE_PATH = /\/v2\/[A-Za-z0-9_\-/]+/;

/**
 * The refusal an UpstreamError stands for, or undefined when it is not about what was sent
 * (and so must stay a thrown, top-level error).
 */
export function rejectionOf(error: unknown, pathParameters: PathParameters = []): Rejection | undefined {
  if (!(error instanceof UpstreamError)) return undefined;
  const base = REJECTION_REASONS.get(error.status);
  if (base === undefined) return undefined;
  const message = error.twilioMessage ?? '';
  const reason: RejectionReason = base === 'invalid' && /^missing\b|\brequired parameter\b/i.test(message) ? 'required' : base;
  const parameter = QUOTED_PARAMETER.exec(message)?.[1] ?? (reason === 'not_found' ? missingResource(message, pathParameters) : undefined);
  return {
    kind: 'rejected',
    status: error.status,
    code: error.twilioCode,
    reason,
    ...(parameter === undefined ? {} : { parameter }),
  };
}

/**
 * Which path parameter a 404 is about: the one whose value ends the resource path the message
 * names (the conversation, or the participant inside it), else the addressed resource itself.
 */
function missingResource(message: string, pathParameters: PathParameters): string | undefined {
  const last = RESOURCE_PATH.exec(message)?.[0].split('/').filter(Boolean).at(-1);
  const named = pathParameters.find(([, value]) => value === last);
  return named?.[0] ?? pathParameters.at(-1)?.[0];
}
