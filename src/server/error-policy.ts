// The last word on every error a caller sees: each carries one of the contract's codes (parse,
// validation and variable errors are the caller's input: BAD_USER_INPUT), and anything that is
// not an error written for callers (a bug, an unforeseen failure) becomes "Unexpected error."
// with the request id, while its details go to the log only.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FacadeError, type ErrorCode } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { recordOf, type RequestRecord } from './telemetry.ts';

const CONTRACT_CODES = new Set<string>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'QUERY_TOO_COMPLEX',
  'INTERNAL_SERVER_ERROR',
] satisfies ErrorCode[]);

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

function applyPolicy(error: GraphQLError, record: RequestRecord, logger: Logger): GraphQLError {
  const original = error.originalError;
  if (original && !(original instanceof GraphQLError)) {
    logger.error({ requestId: record.id, path: error.path, err: original }, 'unexpected error');
    record.errorCodes.push('INTERNAL_SERVER_ERROR');
    return rebuild(error, 'Unexpected error.', { code: 'INTERNAL_SERVER_ERROR', requestId: record.id });
  }
  if (original instanceof UpstreamError && original.detail) record.upstreamErrors.push(original.detail);
  const code = error.extensions?.code;
  if (typeof code === 'string' && CONTRACT_CODES.has(code)) {
    record.errorCodes.push(code);
    if (code === 'INTERNAL_SERVER_ERROR' && !(original instanceof FacadeError)) {
      return rebuild(error, 'Unexpected error.', { code, requestId: record.id });
    }
    return error;
  }
  record.errorCodes.push('BAD_USER_INPUT');
  return rebuild(error, error.message, { ...error.extensions, code: 'BAD_USER_INPUT' });
}

export function useErrorPolicy(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result, setResult }) {
      const record = recordOf(request);
      const fix = (single: ExecutionResult): ExecutionResult =>
        single.errors?.length ? { ...single, errors: single.errors.map((error) => applyPolicy(error, record, logger)) } : single;
      if (Array.isArray(result)) setResult(result.map(fix));
      else if (!(Symbol.asyncIterator in result)) setResult(fix(result));
    },
  };
}
