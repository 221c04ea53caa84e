// The serialized form of an answer, shared by the router, the idempotency store, the list-page cache
// and the fault layer (which may deliver it slowly, partly, or alter it).
import type { ApiError } from './errors.ts';

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Set on list pages: what the cycleTokens fault needs to mint a token back to the first page. */
  list?: { scope: string; pageSize: number };
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

export function errorReply(error: ApiError): HttpReply {
  return jsonReply(error.status, error.toBody(), { ...error.headers });
}
