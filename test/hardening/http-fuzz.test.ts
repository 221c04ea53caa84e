// Property, at the HTTP layer (issue 9, item 3): whatever method, Content-Type, Content-Encoding,
// Accept, GET parameters, body shape, operation types and variables (any shape, any depth,
// __proto__ keys, huge numbers and strings) a caller sends to /graphql, the answer is < 500, has
// no INTERNAL_SERVER_ERROR, gives every error a contract code (every 4xx has one), leaks no stack,
// credential or upstream URL, and comes within a bound. Most cases go through the facade in
// process (yoga.fetch: the same plugins, no TCP); a few hundred go over real TCP too.
//
//   HTTP_FUZZ_SEED=random HTTP_FUZZ_RUNS=50000 HTTP_FUZZ_TCP_RUNS=2000 npx vitest run test/hardening/http-fuzz.test.ts
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.ts';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { readBounded, waitFor } from '../helpers/sse.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';

const SEED = process.env.HTTP_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.HTTP_FUZZ_SEED ?? 9_0003);
const RUNS = Number(process.env.HTTP_FUZZ_RUNS ?? 10_000);
const TCP_RUNS = Number(process.env.HTTP_FUZZ_TCP_RUNS ?? 300);
/** Slowest answer allowed for one request (a hang shows up here): generous for a busy 2-core machine. */
const ANSWER_WITHIN_MS = 5000;
/** Every contract code but INTERNAL_SERVER_ERROR: input must never reach a bug. */
const CALLER_CODES = new Set<string>(ERROR_CODES.filter((code) => code !== 'INTERNAL_SERVER_ERROR'));

let stack: Stack;
let sid: string;
let secrets: string[];

beforeAll(async () => {
  stack = await startStack();
  sid = seedConversation(stack.emulator, 'http-fuzz');
  seedCommunications(stack.emulator, sid, 5);
  const upstream = new URL(stack.emulator.url);
  secrets = [
    AUTH_TOKEN,
    Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'),
    upstream.host,
    'test-secret',
    'node_modules',
    '    at ',
    '.ts:',
  ];
});

afterAll(() => stack.close());

/** Undefined but one time in `odds`. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, odds = 10) =>
  fc.oneof({ weight: odds - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

// ── documents ────────────────────────────────────────────────────────────────────────────────
const deepOfType = (depth: number) => Array.from({ length: depth }).reduce<string>((inner) => `ofType { ${inner} }`, 'name');
/** A selection and the variable definitions it needs. */
const SELECTIONS: Array<[string, string[]]> = [
  ['__typename', []],
  ['conversation(sid: $sid) { sid name status }', ['$sid: String!']],
  ['conversations(first: $first) { edges { cursor node { sid } } pageInfo { hasNextPage } }', ['$first: Int']],
  ['node(id: $id) { id __typename }', ['$id: ID!']],
  ['__type(name: "Conversation") { name fields { name type { name ofType { name } } } }', []],
  ['__schema { queryType { name } types { name } }', []],
  [`__type(name: "Query") { ${deepOfType(20)} }`, []],
  ['conversatoin { sid }', []],
  ['...F', []],
  ['createCommunication(input: $input) { userErrors { field code } communication { sid } }', ['$input: CreateCommunicationInput!']],
  // Subscription fields: as a `subscription` over SSE they stream until the client leaves (check() reads them bounded).
  ['communicationAdded(conversationSid: $sid) { cursor node { sid } }', ['$sid: String!']],
  ['conversationEvents(conversationSid: $sid) { __typename eventId }', ['$sid: String!']],
];

const operation = fc
  .record({
    type: fc.constantFrom('query', 'query', 'query', 'query', 'mutation', 'subscription', '', ''),
    selections: fc.oneof(
      fc.subarray(SELECTIONS.slice(0, 4), { minLength: 1, maxLength: 2 }),
      fc.subarray(SELECTIONS, { minLength: 1, maxLength: 3 }),
    ),
    extraDefinition: rarely(fc.constantFrom('$v: JSON', '$x: [[String]]', '$sid: Int', '$bad: Nope'), 8),
  })
  .map(({ type, selections, extraDefinition }) => {
    const definitions = [...new Set(selections.flatMap(([, needs]) => needs)), ...(extraDefinition ? [extraDefinition] : [])];
    return { type: type || 'query', shorthand: type === '', definitions, body: selections.map(([text]) => text).join(' ') };
  });

const documentText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.array(operation, { minLength: 1, maxLength: 1 }) },
          { weight: 1, arbitrary: fc.array(operation, { minLength: 2, maxLength: 3 }) },
        ),
        fc.boolean(),
        rarely(fc.constant(true), 5),
      )
      .map(([operations, named, strayFragment]) =>
        [
          ...operations.map((op, i) =>
            op.shorthand && operations.length === 1 && op.definitions.length === 0
              ? `{ ${op.body} }`
              : `${op.type} ${named || operations.length > 1 ? `Op${i}` : ''}${op.definitions.length ? `(${op.definitions.join(', ')})` : ''} { ${op.body} }`,
          ),
          // The fragment when it is spread (and now and then when it is not: an unused fragment).
          ...(strayFragment || operations.some((op) => op.body.includes('...F')) ? ['fragment F on Query { __typename }'] : []),
        ].join('\n'),
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 120 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', 'query {', '{ __typename', 'subscription', '{ __typename } }') },
);

// ── JSON values as text (so nesting can be deeper than JSON.stringify goes) ───────────────────
const nested = (depth: number, asArrays: boolean) =>
  asArrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('SID', '"conv_nope"', '3', '1000', '0', '-1', '1.5', 'null', 'true', '"VGVzdA=="')
      .map((v) => (v === 'SID' ? JSON.stringify(sid) : v)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"conversationSid": "x", "author": {"address": "+15005550001", "channel": "SMS"}, "recipients": [], "content": {"text": {"text": "hi"}}}',
      '{"conversationSid": "x", "content": {"text": {"text": "a"}, "transcription": {}}}',
      '{"__proto__": {"polluted": true}}',
      '{"constructor": {"prototype": {"polluted": true}}}',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('1e400', '-1e400', '99999999999999999999999', '1.7976931348623157e309', '2147483648', '-0', '1e-400'),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 30_000 })), fc.boolean())
      .map(([depth, asArrays]) => nested(depth, asArrays)),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 150_000 }).map((size) => JSON.stringify('x'.repeat(size))) },
);
const objectText = (keys: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom(...keys), valueText), { maxLength: 4 })
    .map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}: ${value}`).join(', ')}}`);
const VARIABLE_KEYS = ['sid', 'first', 'id', 'input', 'v', 'x', '__proto__', 'constructor', 'prototype', 'toString'];
/** Values that make the documents above run (extra variables are ignored). */
const plausibleVariables = fc
  .record({ first: fc.integer({ min: 1, max: 5 }), text: fc.string({ maxLength: 20 }), key: fc.uuid() })
  .map(({ first, text, key }) =>
    JSON.stringify({
      sid,
      first,
      id: Buffer.from(`Conversation:${sid}`).toString('base64url'),
      input: {
        conversationSid: sid,
        author: { address: '+15005550001', channel: 'SMS' },
        recipients: [{ address: '+15005550002', channel: 'SMS' }],
        content: { text: { text } },
        idempotencyKey: key,
      },
    }),
  );
/** `variables`/`extensions`: usually an object of any values, sometimes any JSON at all, or broken. */
const parameterText = (keys: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: objectText(keys) },
    { weight: 2, arbitrary: valueText },
    { weight: 1, arbitrary: fc.constantFrom('{broken', '{"a":', '', '[', '"x"', '[1, 2]', 'null') },
  );

// ── requests ─────────────────────────────────────────────────────────────────────────────────
const headerText = fc.string({ maxLength: 40, unit: fc.constantFrom(...'abcjson/+;=-, *"qAPLIT.0189'.split('')) });
const contentType = fc.oneof(
  { weight: 18, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'Application/JSON; Charset=UTF-8',
      'APPLICATION/JSON',
      'application/graphql',
      'APPLICATION/GRAPHQL',
      'application/graphql-response+json',
      'application/json; charset=latin1',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/json, text/plain',
      ';;',
    ),
  },
  { weight: 1, arbitrary: headerText },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const accept = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom('application/json', 'application/graphql-response+json', undefined) },
  { weight: 2, arbitrary: fc.constantFrom('text/event-stream', '*/*', 'text/html', 'application/json;q=0', 'multipart/mixed') },
  { weight: 1, arbitrary: headerText },
);
const encoding = fc.oneof(
  { weight: 20, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'GZIP', 'gzip, br', 'identity') },
  { weight: 1, arbitrary: fc.constantFrom('zstd', 'x-bogus', 'gzip, gzip, gzip', ',', 'compress') },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'br').map((coding) => `${coding} (not really)`) },
);
const operationNameText = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom('"Op0"', '"Op1"', '"Op2"', '"Nope"', '""') },
  { weight: 1, arbitrary: fc.constantFrom('5', 'null', '{}', '["Op0"]', 'true') },
);
const postBody = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .record({
        query: fc.oneof(
          { weight: 9, arbitrary: documentText.map((text) => JSON.stringify(text)) },
          { weight: 1, arbitrary: fc.constantFrom('5', 'null', '["{ __typename }"]', '{}') },
        ),
        variables: fc.oneof(
          { weight: 2, arbitrary: plausibleVariables },
          { weight: 2, arbitrary: parameterText(VARIABLE_KEYS) },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        operationName: operationNameText,
        extensions: rarely(parameterText(['persistedQuery', 'trace', '__proto__', 'e']), 6),
      })
      .map(({ query, variables, operationName, extensions }) => {
        const fields = [`"query": ${query}`];
        if (variables !== undefined) fields.push(`"variables": ${variables}`);
        if (operationName !== undefined) fields.push(`"operationName": ${operationName}`);
        if (extensions !== undefined) fields.push(`"extensions": ${extensions}`);
        return `{${fields.join(', ')}}`;
      }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'null',
      '5',
      '"x"',
      'true',
      '[]',
      '[{"query": "{ __typename }"}]',
      '{"__proto__": {"query": "{ __typename }"}}',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
);
/** GET parameters as pairs: usually a query with variables; sometimes repeated, broken or junk ones. */
const getParameters = fc
  .record({
    query: fc.oneof({ weight: 9, arbitrary: documentText }, { weight: 1, arbitrary: fc.constant(undefined) }),
    variables: fc.oneof(plausibleVariables, parameterText(VARIABLE_KEYS), fc.constant(undefined)),
    operationName: rarely(fc.constantFrom('Op0', 'Nope', '')),
    extensions: rarely(parameterText(['e'])),
    extra: rarely(
      fc.array(fc.tuple(fc.constantFrom('query', 'variables', 'operationName', 'extensions', 'junk'), fc.string({ maxLength: 20 })), {
        maxLength: 3,
      }),
      6,
    ),
  })
  .map(({ extra, ...named }) => [
    ...Object.entries(named).filter((pair): pair is [string, string] => pair[1] !== undefined),
    ...(extra ?? []),
  ]);

interface Spec {
  method: string;
  search: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | string | undefined;
}

const request: fc.Arbitrary<Spec> = fc
  .record({
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constant('POST') },
      { weight: 6, arbitrary: fc.constant('GET') },
      { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
    ),
    contentType,
    accept,
    encoding,
    body: postBody,
    graphqlBody: documentText,
    parameters: getParameters,
    rawSearch: rarely(fc.string({ maxLength: 30 })),
    authorization: rarely(fc.constantFrom('Basic', 'Basic !!', 'Bearer x', `Basic ${Buffer.from('AC1:x').toString('base64')}`), 15),
    requestId: rarely(fc.string({ maxLength: 20, unit: fc.constantFrom(...'ab-_:.9 /'.split('')) }), 5),
    origin: rarely(fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'), 20),
  })
  .map((input) => {
    const headers: Record<string, string> = {};
    if (input.contentType !== undefined) headers['content-type'] = input.contentType;
    if (input.accept !== undefined) headers.accept = input.accept;
    if (input.authorization) headers.authorization = input.authorization;
    if (input.requestId) headers['x-request-id'] = input.requestId;
    if (input.origin) headers.origin = input.origin;
    const search =
      input.rawSearch !== undefined ? `?${input.rawSearch}` : input.parameters.length ? `?${new URLSearchParams(input.parameters)}` : '';
    if (input.method === 'GET' || input.method === 'HEAD') return { method: input.method, search, headers, body: undefined };
    const text =
      (input.contentType ?? '').toLowerCase().startsWith('application/graphql') && !(input.contentType ?? '').includes('+json')
        ? input.graphqlBody
        : input.body;
    let body: Uint8Array<ArrayBuffer> | string = text;
    if (input.encoding !== undefined) {
      headers['content-encoding'] = input.encoding;
      const plain = Buffer.from(text);
      const encoded: Record<string, () => Buffer> = {
        gzip: () => gzipSync(plain),
        GZIP: () => gzipSync(plain),
        deflate: () => deflateSync(plain),
        br: () => brotliCompressSync(plain),
        'gzip, br': () => brotliCompressSync(gzipSync(plain)),
      };
      if (encoded[input.encoding]) body = new Uint8Array(encoded[input.encoding]!());
      else headers['content-encoding'] = input.encoding.replace(' (not really)', '');
    }
    return { method: input.method, search: input.method === 'POST' ? '' : search, headers, body };
  });

// ── the property ─────────────────────────────────────────────────────────────────────────────
const tally = new Map<string, number>();
let slowestMs = 0;
let withData = 0;

async function check(spec: Spec, send: (spec: Spec) => Promise<Response>): Promise<void> {
  const started = performance.now();
  const response = await send(spec);
  const text = await readBounded(response);
  const elapsed = performance.now() - started;
  slowestMs = Math.max(slowestMs, elapsed);
  tally.set(String(response.status), (tally.get(String(response.status)) ?? 0) + 1);
  expect(elapsed).toBeLessThan(ANSWER_WITHIN_MS);
  expect(response.status).toBeLessThan(500);
  expect(text).not.toContain('INTERNAL_SERVER_ERROR');
  for (const secret of secrets) expect(text).not.toContain(secret);
  if (spec.method === 'HEAD' || response.status === 204) return;
  const type = response.headers.get('content-type') ?? '';
  // JSON, or JSON in Server-Sent Events or multipart/mixed parts (yoga answers in what the caller accepts).
  expect(type).toMatch(/^(application\/(graphql-response\+)?json|text\/event-stream|multipart\/mixed)/);
  const payloads = type.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => line.slice(6))
    : type.startsWith('multipart/mixed')
      ? text.split('\r\n').filter((line) => line.startsWith('{'))
      : [text];
  let errors = 0;
  for (const payload of payloads) {
    const body = JSON.parse(payload) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    if (body.data) withData++;
    for (const error of body.errors ?? []) {
      const code = error.extensions?.code ?? 'none';
      tally.set(code, (tally.get(code) ?? 0) + 1);
      expect(CALLER_CODES).toContain(code);
      errors++;
    }
  }
  // A refusal says why, with a code.
  if (response.status >= 400) expect(errors).toBeGreaterThan(0);
}

const inProcess = (spec: Spec) =>
  stack.handle(
    new Request(`http://127.0.0.1/graphql${spec.search}`, {
      method: spec.method,
      headers: spec.headers,
      ...(spec.body !== undefined && { body: spec.body }),
    }),
  );
const overTcp = (spec: Spec) =>
  fetch(`${stack.url}${spec.search}`, {
    method: spec.method,
    headers: spec.headers,
    ...(spec.body !== undefined && { body: spec.body }),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });

describe('random HTTP requests to /graphql', () => {
  it('never get a 5xx, an internal error, an error without a contract code, a hang or a leaked secret', async () => {
    console.log(
      `http-fuzz: seed ${SEED}, ${RUNS} in process + ${TCP_RUNS} over TCP (HTTP_FUZZ_SEED=random|<n>, HTTP_FUZZ_RUNS, HTTP_FUZZ_TCP_RUNS)`,
    );
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(request, (spec) => check(spec, inProcess)),
      { seed: SEED, numRuns: RUNS },
    );
    const inProcessMs = performance.now() - started;
    await fc.assert(
      fc.asyncProperty(request, (spec) => check(spec, overTcp)),
      { seed: SEED + 1, numRuns: TCP_RUNS },
    );
    console.log(
      `http-fuzz: ${RUNS + TCP_RUNS} requests in ${Math.round(performance.now() - started)} ms (in process: ${Math.round(inProcessMs)} ms), slowest ${Math.round(slowestMs)} ms, ${withData} with data;`,
      Object.fromEntries([...tally].sort()),
    );
    // The generator must reach every layer, or the property proves little.
    if (RUNS >= 10_000) {
      for (const seen of ['200', '400', '405', '406', '413', '415', 'BAD_USER_INPUT', 'QUERY_TOO_COMPLEX'])
        expect(tally.get(seen) ?? 0, seen).toBeGreaterThan(0);
      expect(withData).toBeGreaterThan(RUNS / 40);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await stack.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
    // Every subscription the fuzzer opened ended when it left: nothing still listens.
    await waitFor(() => stack.live.subscribers.listening === 0, 'every subscription to end');
  }, 180_000);
});
