// The error codes of the product contract (section 4), listed once: the type, the error policy's
// check (server/error-policy.ts) and the upstream's status mapping (upstream/errors.ts) all read
// them from here. Every error a caller sees carries one of these in `extensions.code`; each layer
// throws FacadeError with the code it knows to be right.
import { GraphQLError } from 'graphql';

export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'QUERY_TOO_COMPLEX',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const CONTRACT_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** Whether a value is one of the contract's codes (an error carrying anything else is a bug). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CONTRACT_CODES.has(value);
}

/**
 * A GraphQL error whose message is written for the caller. `detail` is for the logs only: it
 * never reaches a response, and it never holds a credential, an upstream URL or an upstream body.
 */
export class FacadeError extends GraphQLError {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: { detail?: string; extensions?: Record<string, unknown> } = {}) {
    super(message, { extensions: { code, ...options.extensions } });
    this.name = 'FacadeError';
    this.code = code;
    this.detail = options.detail;
  }
}

export function badUserInput(message: string, extensions?: Record<string, unknown>): FacadeError {
  return new FacadeError('BAD_USER_INPUT', message, extensions ? { extensions } : {});
}
