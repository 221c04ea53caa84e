// Twilio-shaped errors. Every failure the emulator answers, real or injected, has the body
// {code, message, more_info, status}. 400 messages name the offending parameter as a quoted path
// ('recipients[0].channel'), which the facade parses to point at the input field.

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/** Twilio error codes for the statuses the emulator produces. */
export function codeForStatus(status: number): number {
  switch (status) {
    case 400:
      return 20001;
    case 401:
      return 20003;
    case 403:
      return 20403;
    case 404:
      return 20404;
    case 405:
      return 20004;
    case 409:
      return 20409;
    case 429:
      return 20429;
    case 503:
    case 504:
      return 20503;
    default:
      return status >= 500 ? 20500 : 20001;
  }
}

export function twilioErrorBody(status: number, message: string, code = codeForStatus(status)): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Thrown by operations and validation; the HTTP layer turns it into a response, EmulatorData lets it propagate. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = codeForStatus(status);
    this.headers = headers;
  }

  toBody(): TwilioErrorBody {
    return twilioErrorBody(this.status, this.message, this.code);
  }
}

export function invalidParameter(path: string, detail: string): ApiError {
  return new ApiError(400, `Invalid parameter '${path}': ${detail}`);
}

export function missingParameter(path: string): ApiError {
  return new ApiError(400, `Missing required parameter '${path}'`);
}

export function notFound(path: string): ApiError {
  return new ApiError(404, `The requested resource ${path} was not found`);
}
