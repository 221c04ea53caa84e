// The last word on every error a caller sees: each carries one of the contract's codes. Errors
// produced before execution without a code (request parsing, document parsing, validation,
// variable coercion: none has a field path) are the caller's input: BAD_USER_INPUT. Anything not
// written for callers (a thrown non-GraphQL error anywhere, or a field error without a contract
// code: a bug, an unforeseen failure) becomes "Unexpected error." with the request id, while its
// details go to the log only.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { FacadeError, isErrorCode } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { endableStream } from './endable-stream.ts';
import { readyResultOf } from './ready-results.ts';
import { recordOf, type RequestRecord } from './telemetry.ts';

function rebuild(error: GraphQLError, message: string, extensions: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/**
 * The executor's own complaints about a resolver's value (`Expected value of type "Conversation"
 * but got: {…}`, `Enum "Channel" cannot represent value: …`) quote that value: a record, message
 * text. Only the complaint is logged, without the quote and without the stack that repeats it.
 */
function loggable(error: Error): Error | { type: string; message: string } {
  if (error.name !== 'GraphQLError') return error;
  return { type: error.name, message: error.message.split(': ')[0]! };
}

function unexpected(error: GraphQLError, record: RequestRecord, logger: Logger): GraphQLError {
  logger.error({ requestId: record.id, path: error.path, err: loggable(error.originalError ?? error) }, 'unexpected error');
  record.errorCodes.push('INTERNAL_SERVER_ERROR');
  return rebuild(error, 'Unexpected error.', { code: 'INTERNAL_SERVER_ERROR', requestId: record.id });
}

function applyPolicy(error: GraphQLError, record: RequestRecord, logger: Logger): GraphQLError {
  const original = error.originalError;
  if (original && !(original instanceof GraphQLError)) return unexpected(error, record, logger);
  if (original instanceof UpstreamError && original.detail) record.upstreamErrors.push(original.detail);
  const code = error.extensions?.code;
  if (isErrorCode(code)) {
    if (code === 'INTERNAL_SERVER_ERROR' && !(original instanceof FacadeError)) {
      return unexpected(error, record, logger);
    }
    record.errorCodes.push(code);
    return error;
  }
  // A field error (it has a path) comes from a resolver: one without a contract code is a bug.
  if (error.path !== undefined) return unexpected(error, record, logger);
  record.errorCodes.push('BAD_USER_INPUT');
  const { originalError: _echo, unexpected: _flag, ...extensions } = error.extensions ?? {};
  return rebuild(error, error.message, { ...extensions, code: 'BAD_USER_INPUT' });
}

/** Anything thrown, as an error the policy understands: a non-GraphQL one becomes "Unexpected error." (and is logged). */
export function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError('Unexpected error.', { originalError: error instanceof Error ? error : new Error(String(error)) });
}

/** One result with the policy applied to its errors (their codes recorded on the request's record). */
export function applyErrorPolicy(result: ExecutionResult, record: RequestRecord, logger: Logger): ExecutionResult {
  return result.errors?.length ? { ...result, errors: result.errors.map((error) => applyPolicy(error, record, logger)) } : result;
}

export function useErrorPolicy(logger: Logger): Plugin {
  return {
    onResultProcess({ request, result, setResult }) {
      const record = recordOf(request);
      const fix = (single: ExecutionResult): ExecutionResult => applyErrorPolicy(single, record, logger);
      if (Array.isArray(result)) setResult(result.map(fix));
      // A subscription's stream (SSE): every result it yields gets the same policy, and a failure
      // of the stream becomes its last result (as yoga's wrapper, which ready-results.ts skips, would).
      else if (isAsyncIterable(result))
        setResult(
          endableStream(readyResultOf(request, result), {
            map: fix,
            recover: (error) =>
              error instanceof Error && error.name === 'AbortError' ? undefined : fix({ errors: [asGraphQLError(error)] }),
          }),
        );
      else setResult(fix(result));
    },
  };
}
