// Turns every way an upstream call can fail (a non-2xx status, a timeout, a dropped connection,
// a broken body) into one error type carrying a contract error code and a caller-safe message.
import { FacadeError, type ErrorCode } from '../errors.ts';

export class UpstreamError extends FacadeError {
  /** The upstream's HTTP status, 0 when no response arrived. */
  readonly status: number;
  /** Twilio's numeric error code, when the body carried one. */
  readonly twilioCode: number | undefined;
  /**
   * Twilio's own message, sanitised (no URLs, bounded length). Read only by write-result.ts, for
   * the parameter a refused write names; never shown to a caller, in any error or userError.
   */
  readonly twilioMessage: string | undefined;
  /** The connection broke before a complete response (reset, refused): safe to retry idempotent calls. */
  readonly connectionLost: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      status?: number;
      detail?: string;
      retryAfter?: number;
      twilioCode?: number;
      twilioMessage?: string;
      connectionLost?: boolean;
    } = {},
  ) {
    const extensions = options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter };
    super(code, message, { detail: options.detail ?? message, extensions });
    this.name = 'UpstreamError';
    this.status = options.status ?? 0;
    this.twilioCode = options.twilioCode;
    this.twilioMessage = options.twilioMessage;
    this.connectionLost = options.connectionLost ?? false;
  }
}

const MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'The conversation service rejected the request as invalid.',
  UNAUTHENTICATED: 'The conversation service did not accept the credentials.',
  FORBIDDEN: 'The credentials are not allowed to do this.',
  NOT_FOUND: 'The requested resource does not exist.',
  RATE_LIMITED: 'The conversation service is rate limiting requests; retry later.',
  UPSTREAM_UNAVAILABLE: 'The conversation service is unavailable; retry later.',
  UPSTREAM_TIMEOUT: 'The conversation service did not answer in time.',
  QUERY_TOO_COMPLEX: 'The request is too expensive.',
  INTERNAL_SERVER_ERROR: 'Unexpected error.',
};

export function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 409 || status === 413 || status === 414 || status === 422) {
    return 'BAD_USER_INPUT';
  }
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 408 || status === 504) return 'UPSTREAM_TIMEOUT';
  return 'UPSTREAM_UNAVAILABLE';
}

/** `Retry-After` as whole seconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 86_400);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(Math.ceil((date - now) / 1000), 86_400));
}

export function errorForStatus(
  status: number,
  operation: string,
  twilio: { code?: number; message?: string },
  retryAfter: number | undefined,
): UpstreamError {
  const code = codeForStatus(status);
  return new UpstreamError(code, MESSAGES[code], {
    status,
    detail: `${operation} answered ${status}${twilio.code ? ` (Twilio ${twilio.code})` : ''}`,
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(twilio.code === undefined ? {} : { twilioCode: twilio.code }),
    ...(twilio.message === undefined ? {} : { twilioMessage: sanitizeMessage(twilio.message) }),
  });
}

export function timeoutError(operation: string, phase: string): UpstreamError {
  return new UpstreamError('UPSTREAM_TIMEOUT', MESSAGES.UPSTREAM_TIMEOUT, {
    detail: `${operation}: ${phase} timed out`,
  });
}

export function unavailableError(operation: string, why: string, connectionLost = false): UpstreamError {
  return new UpstreamError('UPSTREAM_UNAVAILABLE', MESSAGES.UPSTREAM_UNAVAILABLE, {
    detail: `${operation}: ${why}`,
    connectionLost,
  });
}

/** Keeps a Twilio message fit to show a caller: no URLs, one line, bounded. */
function sanitizeMessage(message: string): string {
  return message
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '[link]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
