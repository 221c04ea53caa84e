// One GraphQL operation that arrived over WebSocket, run through the same pipeline as an HTTP
// request: yoga's getResultForParams (its params hooks, parsing and validation with the same
// caches, the context function with the access policy, every envelop plugin: limits, connection
// arguments, argument bounds, operation selection, compiled execution, credential expiry), then
// the error policy on every result, one log line and the request metrics. The operation is given
// a Request of its own, as an HTTP request would bring: it carries the connection's credentials
// (connectionParams.authorization or the upgrade request's Authorization), its request id, and a
// signal that aborts its upstream calls when it ends or the connection closes.
//
// graphql-ws wants execution arguments from onSubscribe and runs execute/subscribe itself; the
// pipeline has already run by then, so onSubscribe hands over the result (or, when nothing ran:
// a request error, the `error` message) and `execute` merely returns it.
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { isAsyncIterable } from 'graphql-yoga';
import {
  type GraphQLError,
  parse,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { FacadeError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { endableStream } from './endable-stream.ts';
import { LinkedSignal, releaseRequestDeadline } from './linked-signal.ts';
import { applyErrorPolicy, asGraphQLError } from './error-policy.ts';
import { readyResultOf } from './ready-results.ts';
import { recordOf, type RequestRecord } from './telemetry.ts';

/** The URL of an operation's Request: never fetched, only read by plugins (the path is the endpoint's). */
const OPERATION_URL = 'http://websocket.invalid/graphql';
/** graphql-ws picks execute or subscribe from the document; both return the prepared result. */
const PREPARED_DOCUMENT = parse('{ __typename }');

/** The part of a yoga server that runs GraphQL parameters through its whole pipeline. */
export interface Facade {
  getResultForParams(
    input: { params: GraphQLParams; request: Request },
    serverContext: Record<string, unknown>,
  ):
    | PromiseLike<ExecutionResult | AsyncIterable<ExecutionResult> | undefined>
    | ExecutionResult
    | AsyncIterable<ExecutionResult>
    | undefined;
}

export interface OperationServices {
  facade: Facade;
  schema: GraphQLSchema;
  logger: Logger;
  metrics: Metrics;
}

/** What one WebSocket connection knows about its caller and the operations it carries. */
export class ConnectionState {
  /** Aborted when the connection closes: every operation's upstream calls stop. */
  readonly closed = new AbortController();
  /** The Authorization value operations carry; invalid: connectionParams.authorization was not a header value. */
  authorization: string | undefined | { invalid: true };
  /** Subscriptions admitted and not yet ended. */
  subscriptions = 0;
  /** Ids of the operations not yet answered; subscriptions leave once their stream starts (shutdown need not wait for them). */
  readonly answering = new Set<string>();
  /** Called once nothing is left to answer, after the last answer was handed to the socket. */
  onIdle: () => void = () => {};

  constructor(upgradeAuthorization: string | undefined) {
    this.authorization = upgradeAuthorization;
  }

  begin(id: string): void {
    this.answering.add(id);
  }

  /** graphql-ws sends the answer right after its hooks return: the idle check waits a turn so it goes out first. */
  answered(id: string): void {
    if (!this.answering.delete(id) || this.answering.size > 0) return;
    setImmediate(() => {
      if (this.answering.size === 0) this.onIdle();
    });
  }

  /** connection_init: connectionParams.authorization, when present, replaces the upgrade request's header. */
  useConnectionParams(params: Readonly<Record<string, unknown>> | undefined): void {
    if (!params || !Object.hasOwn(params, 'authorization')) return;
    const value = params.authorization;
    this.authorization = typeof value === 'string' && isHeaderValue(value) ? value : { invalid: true };
  }
}

function isHeaderValue(value: string): boolean {
  try {
    new Headers({ authorization: value });
    return true;
  } catch {
    return false;
  }
}

/** The context key by which the admission plugin finds the WebSocket operation (absent on HTTP). */
const OPERATION_KEY = 'webSocketOperation';
/** Made once: abort() without a reason builds a DOMException, and its stack, on every call. */
const OPERATION_ENDED = new DOMException('The operation ended.', 'AbortError');

class Operation {
  #request: Request | undefined;
  readonly record: RequestRecord;
  /** Aborted when the operation ends or its connection closes: the signal of its request. */
  readonly done: LinkedSignal;
  /** Error codes this operation answered with; made on the first (most subscriptions never have one). */
  codes: Set<string> | undefined;
  results = 0;
  readonly connection: ConnectionState;
  /** The connection's subscription slot: not taken, held, or given back (a state, not a closure: it lives as long as the subscription). */
  #slot: 'none' | 'held' | 'released' = 'none';

  constructor(connection: ConnectionState) {
    this.connection = connection;
    this.done = new LinkedSignal(connection.closed.signal);
    const headers = new Headers();
    if (typeof connection.authorization === 'string') headers.set('authorization', connection.authorization);
    // POST: an operation over WebSocket is a message on a connection whose Origin was checked at the
    // upgrade, not something a foreign page can make a browser send (the reason mutations need a POST).
    this.#request = new Request(OPERATION_URL, {
      method: 'POST',
      headers,
      signal: this.done.signal,
    });
    this.record = recordOf(this.#request);
  }

  /** The operation as a request through yoga's pipeline (its headers, its signal), until a subscription's stream holds what it needs. */
  get request(): Request {
    if (!this.#request) throw new Error('The operation let go of its request once its stream was prepared.');
    return this.#request;
  }

  /** A subscription's stream is prepared: the request (about 1.3 KB with its headers and signal) goes. */
  releaseRequest(): void {
    if (this.#request) releaseRequestDeadline(this.#request);
    this.#request = undefined;
  }

  /** Takes one of the connection's subscription slots, or says why not. */
  admitSubscription(max: number): FacadeError | undefined {
    if (this.#slot !== 'none') return undefined;
    if (this.connection.subscriptions >= max) {
      return new FacadeError(
        'RATE_LIMITED',
        `This connection already carries ${max} subscriptions, the most allowed: complete one before starting another.`,
      );
    }
    this.connection.subscriptions++;
    this.#slot = 'held';
    return undefined;
  }

  release(): void {
    if (this.#slot === 'held') {
      this.#slot = 'released';
      this.connection.subscriptions--;
    }
    // The request's deadline has `done` for its parent: it aborts with it and lets go of its timer.
    this.done.abort(OPERATION_ENDED);
  }
}

/**
 * Counts the subscriptions of a WebSocket connection before any resolver runs (a refused one costs
 * nothing upstream). HTTP requests carry no WebSocket operation and pass untouched.
 */
export function useWebSocketAdmission(maxSubscriptionsPerConnection: number): Plugin {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const operation = (args.contextValue as unknown as Record<string, unknown>)[OPERATION_KEY];
      if (!(operation instanceof Operation)) return;
      const refusal = operation.admitSubscription(maxSubscriptionsPerConnection);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}

type Outcome = 'result' | 'stream' | 'refused';

/** The error policy on one result; its codes are counted as they go (a subscription may run for days). */
function police(services: OperationServices, operation: Operation, result: ExecutionResult): ExecutionResult {
  const policed = applyErrorPolicy(result, operation.record, services.logger);
  for (const code of operation.record.errorCodes) {
    services.metrics.errors.inc({ code });
    (operation.codes ??= new Set()).add(code);
  }
  operation.record.errorCodes.length = 0;
  operation.results++;
  return policed;
}

function finish(services: OperationServices, operation: Operation, outcome: Outcome): void {
  operation.release();
  const { record } = operation;
  const durationMs = performance.now() - record.started;
  const operationLabel = services.metrics.operationLabel(record.operation);
  // A subscription's lifetime is not a request's duration: only answers count there.
  if (outcome !== 'stream') services.metrics.requestDuration.observe({ operation: operationLabel }, durationMs / 1000);
  services.metrics.webSocketOperations.inc({ outcome });
  services.logger.info({
    msg: 'request',
    transport: 'websocket',
    requestId: record.id,
    path: '/graphql',
    operation: record.operation ?? null,
    outcome,
    durationMs: Math.round(durationMs * 10) / 10,
    upstreamCalls: record.upstreamCalls,
    ...(outcome === 'stream' ? { results: operation.results } : {}),
    ...(operation.codes?.size ? { errors: [...operation.codes] } : {}),
    ...(record.upstreamErrors.length ? { upstreamErrors: record.upstreamErrors.slice(0, 10) } : {}),
  });
}

interface Prepared {
  result: ExecutionResult | AsyncIterable<ExecutionResult>;
}

function prepared(services: OperationServices, result: Prepared['result']): ExecutionArgs {
  return { schema: services.schema, document: PREPARED_DOCUMENT, rootValue: { result } satisfies Prepared };
}

/** graphql-ws's execute and subscribe: the operation already ran in onSubscribe. */
export function preparedResult(args: ExecutionArgs): Prepared['result'] {
  return (args.rootValue as Prepared).result;
}

/**
 * graphql-ws's onSubscribe: runs the operation through the facade. Resolves to the errors when
 * nothing ran (sent as an `error` message, like an HTTP request error), else to arguments whose
 * execute returns the result or the stream. Never throws: graphql-ws would close the socket with
 * the exception's message.
 */
export async function runOperation(
  services: OperationServices,
  connection: ConnectionState,
  params: GraphQLParams,
): Promise<ExecutionArgs | readonly GraphQLError[]> {
  const operation = new Operation(connection);
  try {
    let result: ExecutionResult | AsyncIterable<ExecutionResult> | undefined;
    if (typeof connection.authorization === 'object') {
      result = {
        errors: [
          new FacadeError('UNAUTHENTICATED', 'connectionParams.authorization must be a string: the value of an HTTP Authorization header.'),
        ],
      };
    } else {
      try {
        result = await services.facade.getResultForParams(
          { params, request: operation.request },
          { request: operation.request, [OPERATION_KEY]: operation },
        );
      } catch (error) {
        result = { errors: [asGraphQLError(error)] };
      }
    }
    if (isAsyncIterable(result)) {
      const stream = policedStream(services, operation, readyResultOf(operation.request, result));
      operation.releaseRequest();
      return prepared(services, stream);
    }
    const policed = police(services, operation, result ?? { errors: [asGraphQLError(new Error('no result'))] });
    const refused = policed.data === undefined && Boolean(policed.errors?.length);
    finish(services, operation, refused ? 'refused' : 'result');
    return refused ? (policed.errors as readonly GraphQLError[]) : prepared(services, policed);
  } catch (error) {
    // A bug in the code above: the caller still gets a contract error, the log the details.
    services.logger.error({ requestId: operation.record.id, err: error }, 'unexpected error');
    operation.release();
    return [new FacadeError('INTERNAL_SERVER_ERROR', 'Unexpected error.', { extensions: { requestId: operation.record.id } })];
  }
}

/** Whether onSubscribe's answer is a subscription's stream. */
export function isStreamAnswer(answer: ExecutionArgs | readonly GraphQLError[]): boolean {
  return !Array.isArray(answer) && isAsyncIterable(preparedResult(answer as ExecutionArgs));
}

/** A subscription's results, each through the error policy; its log line when it ends, however it ends. */
function policedStream(
  services: OperationServices,
  operation: Operation,
  source: AsyncIterable<ExecutionResult>,
): AsyncIterableIterator<ExecutionResult> {
  return endableStream<ExecutionResult, ExecutionResult>(source, {
    map: (result) => police(services, operation, result),
    // yoga turns a resolver's failure into a result; what is left is the connection going away.
    recover: (error) =>
      error instanceof Error && error.name === 'AbortError' ? undefined : police(services, operation, { errors: [asGraphQLError(error)] }),
    onEnd: () => finish(services, operation, 'stream'),
  });
}

/** An error as JSON without the HTTP hints the pipeline adds for yoga's responses (`http`, `unexpected`). */
export function formattedError(error: GraphQLError): GraphQLFormattedError {
  const json = error.toJSON();
  if (!json.extensions) return json;
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
  const { extensions: _all, ...rest } = json;
  return Object.keys(extensions).length ? { ...rest, extensions } : rest;
}

const formattedResults = new WeakMap<ExecutionResult, FormattedExecutionResult>();

/** The result as sent; made once per result object (subscribers sharing an execution share it: shared-executions.ts). */
export function formattedResult(result: ExecutionResult): FormattedExecutionResult {
  let formatted = formattedResults.get(result);
  if (formatted === undefined) {
    const { errors, ...rest } = result;
    formatted = errors ? { ...rest, errors: errors.map(formattedError) } : rest;
    formattedResults.set(result, formatted);
  }
  return formatted;
}
