// Issue 9, item 3: no input makes an internal error. Every shape of request an attacker tried (deep
// variables, broken JSON on GET, a bogus subscription, deep introspection, odd Content-Types, compressed
// and bomb bodies, non-object bodies and parameters, huge numbers, __proto__ keys) gets a clear 4xx
// (or a GraphQL error) with a contract code and costs nothing upstream; and an error raised while
// executing that is not written for callers is INTERNAL_SERVER_ERROR, not the caller's fault.
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { getIntrospectionQuery, GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacadeError } from '../../src/errors.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { AGENT, CUSTOMER, seedConversation } from '../helpers/seed.ts';
import { SseStream, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let sid: string;
/** What the upstream client's observer throws after its next attempt: stands for a bug below the resolvers. */
let injectedFault: unknown;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  stack = await startStack({
    facade: { logger },
    upstream: {
      observer: {
        onAttempt() {
          const fault = injectedFault;
          injectedFault = undefined;
          if (fault !== undefined) throw fault;
        },
      },
    },
  });
  sid = seedConversation(stack.emulator, 'hostile');
});

afterAll(() => stack.close());

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }> };
}

async function send(init: RequestInit & { search?: string }): Promise<Answer> {
  const response = await fetch(`${stack.url}${init.search ?? ''}`, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : {} };
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };
const TYPENAME = JSON.stringify({ query: '{ __typename }' });
const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
  send({ method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
const get = (params: Record<string, string>, headers: Record<string, string> = { accept: 'application/json' }) =>
  send({ method: 'GET', headers, search: `?${new URLSearchParams(params)}` });

/** One refusal: the status, the contract code, the message, nothing internal, nothing upstream. */
async function expectRefused(answer: Promise<Answer>, status: number, message: string | RegExp, code = 'BAD_USER_INPUT') {
  stack.takeUpstreamCalls();
  const { status: actual, body, text } = await answer;
  expect({ status: actual, errors: body.errors }).toEqual({
    status,
    errors: [
      expect.objectContaining({ message: typeof message === 'string' ? message : expect.stringMatching(message), extensions: { code } }),
    ],
  });
  expect(text).not.toContain('INTERNAL_SERVER_ERROR');
  expect(body.data ?? null).toBeNull();
  expect(stack.takeUpstreamCalls()).toHaveLength(0);
}

const nestedArrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('bodies', () => {
  it('Content-Type case variants and parameters work like application/json', async () => {
    for (const type of [
      'Application/JSON; Charset=UTF-8',
      'APPLICATION/JSON',
      'application/json;charset=utf-8',
      'application/graphql-response+json',
    ]) {
      expect((await post(TYPENAME, { 'content-type': type })).body).toEqual({ data: { __typename: 'Query' } });
    }
    expect((await post('{ __typename }', { 'content-type': 'Application/GraphQL; charset=utf-8' })).body).toEqual({
      data: { __typename: 'Query' },
    });
  });

  it('gzip, deflate (zlib or raw), br and two stacked codings are decoded', async () => {
    const bodies: Array<[string, Buffer]> = [
      ['gzip', gzipSync(TYPENAME)],
      ['GZIP', gzipSync(TYPENAME)],
      ['deflate', deflateSync(TYPENAME)],
      ['deflate', deflateRawSync(TYPENAME)],
      ['br', brotliCompressSync(TYPENAME)],
      ['gzip, br', brotliCompressSync(gzipSync(TYPENAME))],
      ['identity', Buffer.from(TYPENAME)],
    ];
    for (const [encoding, body] of bodies) {
      expect((await post(body, { 'content-encoding': encoding })).body, encoding).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('a zip bomb stops at the size limit after decompression: 413', async () => {
    // 10 MB of JSON in about 10 KB of gzip, deflate or brotli: under the 100 KB limit on the wire, 100 times over it decoded.
    const bomb = JSON.stringify({ query: '{ __typename }', variables: { pad: 'a'.repeat(10_000_000) } });
    for (const [encoding, body] of [
      ['gzip', gzipSync(bomb)],
      ['deflate', deflateSync(bomb)],
      ['deflate', deflateRawSync(bomb)],
      ['br', brotliCompressSync(bomb)],
    ] as const) {
      expect(body.length).toBeLessThan(100_000);
      await expectRefused(
        post(body, { 'content-encoding': encoding }),
        413,
        'The request body is larger than 100000 bytes (after decompression).',
      );
    }
  });

  it('an unknown or too deeply stacked Content-Encoding → 415 naming the ones accepted; a corrupt one → 400', async () => {
    for (const encoding of ['zstd', 'x-bogus', 'gzip, compress']) {
      const answer = post(TYPENAME, { 'content-encoding': encoding });
      await expectRefused(answer, 415, /^Content-Encoding ".+" is not supported: send gzip, deflate or br, or none\.$/);
      expect((await answer).headers.get('accept-encoding')).toBe('gzip, deflate, br');
    }
    await expectRefused(
      post(gzipSync(gzipSync(gzipSync(TYPENAME))), { 'content-encoding': 'gzip, gzip, gzip' }),
      415,
      'At most 2 content codings may be stacked.',
    );
    await expectRefused(post(TYPENAME, { 'content-encoding': 'gzip' }), 400, 'The body is not valid gzip data.');
    await expectRefused(post(TYPENAME, { 'content-encoding': 'br' }), 400, 'The body is not valid br data.');
  });

  it('empty, null, scalar, broken and non-UTF-8 bodies, a batch, parameters of the wrong type → 400', async () => {
    const notAnObject = 'The body must be a JSON object: {"query": "…", "variables": {…}, "operationName": "…"}.';
    await expectRefused(post(''), 400, 'The body is not valid JSON.');
    await expectRefused(post('{"query": "{ __typename }"'), 400, 'The body is not valid JSON.');
    for (const body of ['null', '5', '"{ __typename }"', 'true']) await expectRefused(post(body), 400, notAnObject);
    await expectRefused(post(Buffer.from([0x7b, 0x22, 0x71, 0xff, 0xfe, 0x22, 0x7d])), 400, 'The body is not UTF-8 text.');
    await expectRefused(post(`[${TYPENAME}]`), 400, 'Batching is not supported.');
    // Parameters of the wrong type.
    for (const variables of ['"x"', '[1]', '5']) {
      await expectRefused(
        post(`{"query": "{ __typename }", "variables": ${variables}}`),
        400,
        /^Expected "variables" param to be empty or an object/,
      );
    }
    await expectRefused(
      post('{"query": "{ __typename }", "extensions": "x"}'),
      400,
      /^Expected "extensions" param to be empty or an object/,
    );
    await expectRefused(post('{"query": 5}'), 400, 'Expected "query" param to be a string, but given number.');
    await expectRefused(post('{"query": ["{ __typename }"]}'), 400, 'Expected "query" param to be a string, but given array.');
    for (const name of ['5', '{}', '["Op"]']) {
      const answer = await post(`{"query": "query Op { __typename }", "operationName": ${name}}`);
      expect(answer.status).toBe(400);
      expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });
});

describe('variables and extensions of any shape', () => {
  it('nesting deeper than 64 levels → 400 before anything runs (it overflowed the stack further on); huge numbers and __proto__ keys are plain input', async () => {
    const refusal = (name: string) => `"${name}" nests deeper than 64 levels.`;
    await expectRefused(post(`{"query": "{ __typename }", "variables": {"v": ${nestedArrays(40_000)}}}`), 400, refusal('variables'));
    await expectRefused(post(`{"query": "{ __typename }", "variables": ${nestedObjects(15_000)}}`), 400, refusal('variables'));
    await expectRefused(post(`{"query": "{ __typename }", "extensions": {"e": ${nestedArrays(40_000)}}}`), 400, refusal('extensions'));
    await expectRefused(get({ query: '{ __typename }', variables: `{"v": ${nestedArrays(1000)}}` }), 400, refusal('variables'));
    // 64 levels are fine (the outer object is the first).
    expect((await post(`{"query": "{ __typename }", "variables": {"v": ${nestedArrays(63)}}}`)).body).toEqual({
      data: { __typename: 'Query' },
    });
    expect((await post(`{"query": "{ __typename }", "variables": {"v": ${nestedArrays(64)}}}`)).status).toBe(400);

    // Huge numbers and __proto__/constructor keys: BAD_USER_INPUT, and nothing is polluted.
    const connections = 'query ($n: Int) { conversations(first: $n) { edges { cursor } } }';
    for (const n of ['1e400', '99999999999999999999999', '-1e400']) {
      const answer = await post(`{"query": ${JSON.stringify(connections)}, "variables": {"n": ${n}}}`);
      expect(answer.body.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^Variable "\$n" got invalid value/),
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
    }
    const proto = await post(
      `{"query": "query ($sid: String!) { conversation(sid: $sid) { sid } }", "variables": {"__proto__": {"sid": "${sid}"}, "constructor": {"prototype": {"sid": "x"}}}}`,
    );
    expect(proto.body.errors).toEqual([
      expect.objectContaining({
        message: 'Variable "$sid" of required type "String!" was not provided.',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
    expect(({} as Record<string, unknown>).sid).toBeUndefined();
    await expectRefused(
      post('{"query": "{ __typename }", "__proto__": {"query": "{ x }"}}'),
      400,
      'Unexpected parameter "__proto__" in the request body.',
    );
  });
});

describe('GET', () => {
  it('broken JSON in variables or extensions → 400 (it was a thrown SyntaxError: INTERNAL_SERVER_ERROR)', async () => {
    await expectRefused(get({ query: '{ __typename }', variables: '{broken' }), 400, 'The "variables" parameter is not valid JSON.');
    await expectRefused(get({ query: '{ __typename }', extensions: '{"a":' }), 400, 'The "extensions" parameter is not valid JSON.');
    await expectRefused(get({ query: '{ __typename }', variables: '"x"' }), 400, /^Expected "variables" param to be empty or an object/);
  });
});

describe('operation types and introspection depth', () => {
  it('subscription { x } is a validation error (200 for application/json, 400 for graphql-response+json); a real subscription streams over SSE, and only over SSE', async () => {
    const refusals: Array<[string, string | RegExp]> = [
      ['subscription { x }', 'Cannot query field "x" on type "Subscription".'],
      ['subscription S { conversation(sid: "x") { sid } }', /^Cannot query field "conversation" on type "Subscription"\./],
      ['subscription { __typename }', 'Anonymous Subscription must not select an introspection top level field.'],
    ];
    for (const [query, message] of refusals) {
      await expectRefused(post(JSON.stringify({ query })), 200, message);
      await expectRefused(post(JSON.stringify({ query }), { accept: 'application/graphql-response+json' }), 400, message);
      await expectRefused(get({ query }), 200, message);
    }
    // A valid subscription beside the query that is asked for does not stop the query.
    const both = 'query Q { __typename } subscription S { conversationEvents(conversationSid: "x") { eventId } }';
    expect((await post(JSON.stringify({ query: both, operationName: 'Q' }))).body).toEqual({ data: { __typename: 'Query' } });
    // A subscription needs a stream: as plain JSON it is refused before anything runs.
    const events = `subscription { communicationAdded(conversationSid: "${sid}") { node { sid } } }`;
    await expectRefused(post(JSON.stringify({ query: events })), 406, /text\/event-stream/);
    // Over SSE, by POST and by GET, it streams what happens.
    for (const method of ['POST', 'GET'] as const) {
      const stream = await SseStream.open(stack.url, events, {}, { method });
      expect([stream.status, stream.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
      await waitFor(() => stack.live.subscribers.listening === 1, 'the subscription to listen');
      const created = stack.emulator.data.createCommunication(ACCOUNT_SID, sid, {
        author: CUSTOMER,
        recipients: [AGENT],
        content: { type: 'TEXT', text: method },
      }) as { id: string };
      expect((await stack.postWebhook({ eventType: 'COMMUNICATION_CREATED', data: created })).status).toBe(200);
      expect(await stream.next()).toEqual({ data: { communicationAdded: { node: { sid: created.id } } } });
      stream.close();
      await waitFor(() => stack.live.subscribers.listening === 0, 'the subscription to end');
    }
  });

  it('deep __type { ofType … }, deep __schema nesting and recursive introspection → QUERY_TOO_COMPLEX; the standard introspection query passes', async () => {
    let ofType = 'name';
    for (let i = 0; i < 40; i++) ofType = `ofType { ${ofType} }`;
    await expectRefused(
      post(JSON.stringify({ query: `{ __type(name: "Query") { ${ofType} } }` })),
      200,
      'Query depth limit of 15 exceeded, found 42.',
      'QUERY_TOO_COMPLEX',
    );
    await expectRefused(
      post(JSON.stringify({ query: `{ __schema { types { ${ofType} } } }` })),
      200,
      'Query depth limit of 15 exceeded, found 43.',
      'QUERY_TOO_COMPLEX',
    );
    await expectRefused(
      post(
        JSON.stringify({ query: '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }' }),
      ),
      200,
      'Introspection nested too deeply (fields, interfaces, possibleTypes or inputFields more than 3 levels).',
      'QUERY_TOO_COMPLEX',
    );
    const all = {
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    };
    const introspection = await post(JSON.stringify({ query: getIntrospectionQuery(all) }));
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data.__schema.queryType.name).toBe('Query');
  });
});

describe('refusals yoga sends without a body', () => {
  it('406 (nothing acceptable), 405 (PUT/DELETE/PATCH) and 415 carry a JSON error with a code; HEAD stays bodiless', async () => {
    await expectRefused(
      post(TYPENAME, { accept: 'text/html' }),
      406,
      /^This endpoint answers application\/graphql-response\+json, application\/json or text\/event-stream/,
    );
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      await expectRefused(send({ method, headers: JSON_HEADERS, body: TYPENAME }), 405, 'GraphQL only supports GET and POST requests.');
    }
    await expectRefused(post(TYPENAME, { 'content-type': 'text/plain' }), 415, 'POST bodies must be application/json.');
    const head = await send({ method: 'HEAD', search: '?query=%7B__typename%7D' });
    expect(head.status).toBe(405);
    expect(head.text).toBe('');
  });
});

describe('errors raised during execution', () => {
  const query = 'query Read($sid: String!) { conversation(sid: $sid) { sid } }';

  async function withFault(fault: unknown, requestId: string) {
    logLines.length = 0;
    injectedFault = fault;
    const answer = await post(JSON.stringify({ query, variables: { sid } }), { 'x-request-id': requestId });
    expect(injectedFault).toBeUndefined(); // the fault was raised
    return answer;
  }

  it('a plain Error, a GraphQLError without a code or with one outside the contract → INTERNAL_SERVER_ERROR with the request id, logged; input errors stay BAD_USER_INPUT', async () => {
    const faults: Array<[string, unknown]> = [
      ['plain', new TypeError('plain bug detail')],
      ['uncoded', new GraphQLError('uncoded bug detail')],
      ['foreign-code', new GraphQLError('foreign bug detail', { extensions: { code: 'SOME_LIBRARY_CODE' } })],
    ];
    for (const [name, fault] of faults) {
      const answer = await withFault(fault, `req-${name}`);
      expect(answer.status, name).toBe(200);
      expect(answer.body.data, name).toEqual({ conversation: null });
      expect(answer.body.errors, name).toEqual([
        expect.objectContaining({
          message: 'Unexpected error.',
          path: ['conversation'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: `req-${name}` },
        }),
      ]);
      expect(answer.text).not.toContain('bug detail');
      expect(
        logLines.find((line) => line.msg === 'unexpected error'),
        name,
      ).toMatchObject({ requestId: `req-${name}`, err: { message: expect.stringContaining('bug detail') } });
      expect(
        logLines.find((line) => line.msg === 'request'),
        name,
      ).toMatchObject({ requestId: `req-${name}`, errors: ['INTERNAL_SERVER_ERROR'] });
    }

    // An error written for callers keeps its code; parse, validation and coercion errors without one are BAD_USER_INPUT, without a request id.
    const typed = await withFault(new FacadeError('NOT_FOUND', 'The conversation vanished.'), 'req-typed');
    expect(typed.body.errors).toEqual([
      expect.objectContaining({ message: 'The conversation vanished.', path: ['conversation'], extensions: { code: 'NOT_FOUND' } }),
    ]);
    for (const [body, message] of [
      [{ query: '{ conversation(sid: ' }, /^Syntax Error/],
      [{ query: '{ conversatoin { sid } }' }, /^Cannot query field "conversatoin" on type "Query"/],
      [{ query, variables: { sid: 5 } }, /^Variable "\$sid" got invalid value 5/],
    ] as const) {
      const answer = await post(JSON.stringify(body));
      expect(answer.body.errors).toEqual([
        expect.objectContaining({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } }),
      ]);
    }
  });
});
