// Builds the configured GraphQL server (graphql-yoga) without listening: main.ts serves it over
// HTTP, tests call `yoga.fetch` or serve it on a free port. Each request gets its own loaders,
// bound to its own credentials.
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { CursorCodec } from './connections/index.ts';
import { FacadeError, type ErrorCode } from './errors.ts';
import { createLoaders } from './loaders/index.ts';
import { schema, type Context } from './schema/index.ts';
import { conversationsApi } from './upstream/api.ts';
import type { UpstreamClient } from './upstream/client.ts';
import { parseBasicAuthorization, type Credentials } from './upstream/credentials.ts';

/** Used when CURSOR_SECRET is unset: cursors still verify across restarts and replicas, but are forgeable. */
const DEFAULT_CURSOR_SECRET = 'conversations-graphql default cursor key; set CURSOR_SECRET';

export interface FacadeOptions {
  upstream: UpstreamClient;
  /** Sent upstream for requests that bring no `Authorization: Basic` of their own. */
  serverCredentials: Credentials | null;
  cursorSecret?: string | undefined;
  maxPagesPerConnection: number;
  /** Deadline of one GraphQL request: upstream calls and retries stop when it passes. */
  requestTimeoutMs: number;
  /** GraphiQL's options (its opening tabs), or false to serve no GraphiQL. */
  graphiql?: GraphiQLOptions | false;
}

const CONTRACT_CODES = new Set<ErrorCode>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'QUERY_TOO_COMPLEX',
  'INTERNAL_SERVER_ERROR',
]);

/** Parse, validation and variable errors come from graphql-js/yoga without a contract code: they are the caller's input. */
const useContractErrorCodes: Plugin = {
  onResultProcess({ result, setResult }) {
    const fix = (single: ExecutionResult): ExecutionResult =>
      single.errors?.length ? { ...single, errors: single.errors.map(withContractCode) } : single;
    if (Array.isArray(result)) setResult(result.map(fix));
    else if (!(Symbol.asyncIterator in result)) setResult(fix(result));
  },
};

function withContractCode(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  if (typeof code === 'string' && CONTRACT_CODES.has(code as ErrorCode)) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

export function createFacade(options: FacadeOptions): YogaServerInstance<Record<string, unknown>, Context> {
  const cursors = new CursorCodec(options.cursorSecret ?? DEFAULT_CURSOR_SECRET);

  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: options.graphiql === false ? false : { title: 'conversations-graphql', ...options.graphiql },
    renderGraphiQL,
    logging: false,
    maskedErrors: {
      maskError(error, message) {
        // Errors written for the caller (FacadeError, graphql-js validation and coercion) pass;
        // anything else is a bug or an unforeseen failure, and its details stay on the server.
        const original = error instanceof GraphQLError ? error.originalError : undefined;
        if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) return error;
        return new GraphQLError(message, {
          ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      },
    },
    plugins: [useContractErrorCodes],
    context: ({ request }): Context => {
      const own = parseBasicAuthorization(request.headers.get('authorization'));
      if (own === null) {
        throw new FacadeError('UNAUTHENTICATED', 'The Authorization header is not valid HTTP Basic credentials.');
      }
      const api = conversationsApi(options.upstream, {
        credentials: own ?? options.serverCredentials,
        deadline: Date.now() + options.requestTimeoutMs,
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(options.requestTimeoutMs)]),
      });
      return {
        loaders: createLoaders(api),
        cursors,
        maxPagesPerConnection: options.maxPagesPerConnection,
      };
    },
  });
}
