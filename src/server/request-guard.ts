// Whatever arrives at /graphql becomes GraphQL parameters or a clear 4xx with a contract code,
// never an internal error. yoga's own parsers let a GET with broken JSON in `variables` throw a
// bare SyntaxError (an INTERNAL_SERVER_ERROR), matched Content-Type case-sensitively (a bodiless
// 415 for `Application/JSON`) and read compressed bodies as JSON; deep `variables` overflowed the
// stack further on; a `subscription` document reached graphql-jit, which threw. So: our own body
// parsers (case-insensitive media types, bounded decompression), a nesting limit on
// variables/extensions, the spec's "operation type existence" validation rule, introspection
// depth reported as QUERY_TOO_COMPLEX, and a JSON error body on the 4xx answers yoga leaves empty.
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import { GraphQLError, MaxIntrospectionDepthRule, type ValidationContext, type ValidationRule } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { FacadeError } from '../errors.ts';
import { readBoundedBody } from './bounded-body.ts';

/** Deepest JSON nesting of `variables`/`extensions`: the schema's inputs nest 4 levels; JSON.stringify and input coercion recurse. */
const MAX_INPUT_NESTING = 64;
/** Content codings a POST body may use, and how many may be stacked (each is decoded within the size limit). */
const ACCEPTED_ENCODINGS = 'gzip, deflate, br';
const MAX_STACKED_ENCODINGS = 2;
const JSON_MEDIA_TYPES = new Set(['application/json', 'application/graphql-response+json', 'application/graphql+json']);

type Decoder = (input: Buffer, options: ZlibOptions) => Promise<Buffer>;
const gunzipAsync: Decoder = promisify(gunzip);
const inflateAsync: Decoder = promisify(inflate);
const inflateRawAsync: Decoder = promisify(inflateRaw);
const brotliAsync: Decoder = promisify(brotliDecompress);
const DECODERS: Record<string, Decoder> = {
  gzip: gunzipAsync,
  'x-gzip': gunzipAsync,
  // RFC 9110's deflate is zlib-wrapped; some clients send it raw.
  deflate: (input, options) =>
    inflateAsync(input, options).catch((error: { code?: unknown }) => {
      if (error.code === 'ERR_BUFFER_TOO_LARGE') throw error;
      return inflateRawAsync(input, options);
    }),
  br: brotliAsync,
};

function refused(status: number, message: string, headers?: Record<string, string>): FacadeError {
  return new FacadeError('BAD_USER_INPUT', message, { extensions: { http: { status, ...(headers && { headers }) } } });
}

const tooLarge = (limit: number) => refused(413, `The request body is larger than ${limit} bytes (after decompression).`);

/** The media type of a Content-Type header, lowercased: `Application/JSON; Charset=UTF-8` → `application/json`. */
function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The body's bytes with its content codings undone; the decoded size is held to the same limit as the sent one (a zip bomb stops there). */
async function decodedBody(request: Request, maxBytes: number): Promise<Buffer> {
  const codings = (request.headers.get('content-encoding') ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const unknown = codings.find((coding) => !DECODERS[coding]);
  const accepted = { 'accept-encoding': ACCEPTED_ENCODINGS };
  if (unknown !== undefined) {
    throw refused(
      415,
      `Content-Encoding ${JSON.stringify(unknown.slice(0, 40))} is not supported: send gzip, deflate or br, or none.`,
      accepted,
    );
  }
  if (codings.length > MAX_STACKED_ENCODINGS)
    throw refused(415, `At most ${MAX_STACKED_ENCODINGS} content codings may be stacked.`, accepted);
  const read = await readBoundedBody(request, maxBytes);
  if ('problem' in read) {
    if (read.problem === 'too_large') throw tooLarge(maxBytes);
    // The client went away, or node dropped it for stalling: its input, not a bug (and nobody hears the answer).
    throw refused(400, 'The request body was cut off before it was complete.');
  }
  let body = read.bytes;
  for (const coding of codings.reverse()) {
    try {
      body = await DECODERS[coding]!(body, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
      throw refused(400, `The body is not valid ${coding} data.`);
    }
  }
  return body;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function bodyText(request: Request, maxBytes: number): Promise<string> {
  const bytes = await decodedBody(request, maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw refused(400, 'The body is not UTF-8 text.');
  }
}

async function parseJsonBody(request: Request, maxBytes: number): Promise<GraphQLParams | GraphQLParams[]> {
  const text = await bodyText(request, maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw refused(400, 'The body is not valid JSON.');
  }
  // An array is a batch: yoga refuses it (batching is off) with its own message.
  if (body === null || typeof body !== 'object') {
    throw refused(400, 'The body must be a JSON object: {"query": "…", "variables": {…}, "operationName": "…"}.');
  }
  return body as GraphQLParams | GraphQLParams[];
}

function jsonParameter(params: URLSearchParams, name: string): unknown {
  const text = params.get(name);
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw refused(400, `The "${name}" parameter is not valid JSON.`);
  }
}

/** GET: the first value of each parameter (as yoga), with broken JSON a 400 rather than a thrown SyntaxError. */
function parseQueryString(request: Request): GraphQLParams {
  const params = new URL(request.url, 'http://localhost').searchParams;
  return {
    query: params.get('query') || undefined,
    operationName: params.get('operationName') || undefined,
    variables: jsonParameter(params, 'variables') as GraphQLParams['variables'],
    extensions: jsonParameter(params, 'extensions') as GraphQLParams['extensions'],
  };
}

/** How deeply a JSON value nests (iteratively: the value may be deeper than the stack), counting no further than `limit + 1`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** The spec's "Operation Type Existence" (graphql-js 16 lacks it): without it a `subscription` reached execution and graphql-jit threw. */
const OperationTypeExistenceRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(
        new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } }),
      );
    }
  },
});

/** graphql-js's limit on recursive introspection (`fields { type { fields … } }`), reported as the limit it is. */
const IntrospectionDepthRule: ValidationRule = (context) =>
  MaxIntrospectionDepthRule(
    Object.create(context, {
      reportError: {
        value: (error: GraphQLError) =>
          context.reportError(
            new GraphQLError('Introspection nested too deeply (fields, interfaces, possibleTypes or inputFields more than 3 levels).', {
              nodes: error.nodes,
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          ),
      },
    }) as ValidationContext,
  );

const EMPTY_ANSWERS: Record<number, string> = {
  405: 'Send queries with GET or POST, mutations with POST.',
  406: 'This endpoint answers application/graphql-response+json, application/json or text/event-stream: accept one of them.',
  415: 'POST bodies must be application/json.',
};

export function useRequestGuard(options: { maxRequestBytes: number; graphqlEndpoint: string }): Plugin {
  const { maxRequestBytes } = options;
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'GET') {
        setRequestParser(parseQueryString);
        return;
      }
      if (request.method !== 'POST') return;
      const type = mediaType(request.headers.get('content-type'));
      if (JSON_MEDIA_TYPES.has(type)) setRequestParser((parsed) => parseJsonBody(parsed, maxRequestBytes));
      else if (type === 'application/graphql') setRequestParser(async (parsed) => ({ query: await bodyText(parsed, maxRequestBytes) }));
    },
    onParams({ params }) {
      for (const name of ['variables', 'extensions'] as const) {
        if (nestingDepth(params[name], MAX_INPUT_NESTING) > MAX_INPUT_NESTING) {
          throw refused(400, `"${name}" nests deeper than ${MAX_INPUT_NESTING} levels.`);
        }
      }
    },
    onValidate({ params, addValidationRule }) {
      const rules = params.rules as ValidationRule[] | undefined;
      const index = rules?.indexOf(MaxIntrospectionDepthRule) ?? -1;
      if (rules && index >= 0) rules[index] = IntrospectionDepthRule;
      addValidationRule(OperationTypeExistenceRule);
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      // yoga answers some refusals with no body at all (406, a 415 without a parser, 405 to HEAD, which must stay bodiless).
      if (response.status < 400 || response.status > 499 || response.body !== null || request.method === 'HEAD') return;
      if (new URL(request.url, 'http://localhost').pathname !== options.graphqlEndpoint) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      const message = EMPTY_ANSWERS[response.status] ?? `The request was refused (HTTP ${response.status}).`;
      setResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }), {
          status: response.status,
          headers,
        }),
      );
    },
  };
}
