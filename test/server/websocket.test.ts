// GraphQL over WebSocket (graphql-ws, `graphql-transport-ws`) on /graphql, over real sockets: the
// same answers, credentials, access policy, origin policy, limits, error codes, log line and
// metrics as HTTP. Upstream calls are counted in the emulator's request log.
import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';
import { codesOf, connect, rawSocket, run, runOnce, waitFor } from '../helpers/websocket.ts';

const QUERY = 'query Inbox { conversations(first: 5) { nodes { name } } }';
const OTHER_ACCOUNT = 'AC22222222222222222222222222222222';
/** Where the mutation writes, so the other tests' lists stay as seeded. */
const WRITER_ACCOUNT = 'AC33333333333333333333333333333333';
const basic = (account: string, token: string) => `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}`;
const ALLOWED_ORIGIN = 'http://app.example';
const SECRET = 'a-long-enough-hmac-secret-for-websocket-tests-0123';

let stack: Stack;
let guarded: Stack;
let metrics: Metrics;
const logLines: Array<Record<string, unknown>> = [];
const requestLines = () => logLines.filter((line) => line.msg === 'request' && line.transport === 'websocket');

beforeAll(async () => {
  metrics = new Metrics();
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  stack = await startStack({ facade: { logger, metrics, corsOrigins: [ALLOWED_ORIGIN] } });
  guarded = await startStack({ facade: { access: { tokens: ['static-token'], jwtSecret: SECRET } } });
  seedConversation(stack.emulator, 'over websocket');
  seedConversation(stack.emulator, 'of the other account', OTHER_ACCOUNT);
  seedConversation(guarded.emulator, 'guarded');
});

afterAll(async () => {
  await stack?.close();
  await guarded?.close();
});

beforeEach(() => {
  stack.takeUpstreamCalls();
  guarded.takeUpstreamCalls();
  logLines.length = 0;
});

describe('operations over WebSocket', () => {
  it('a query returns exactly what HTTP returns, for the same upstream calls', async () => {
    const http = await stack.graphql(QUERY);
    expect(stack.takeUpstreamCalls()).toHaveLength(1);
    const outcome = await runOnce(stack.url, { query: QUERY });
    expect(outcome).toEqual({ results: [{ data: http.data }], completed: true });
    expect(outcome.results[0]).toEqual({ data: { conversations: { nodes: [{ name: 'over websocket' }] } } });
    expect(stack.takeUpstreamCalls()).toHaveLength(1);
  });

  it('a mutation runs once (the upgrade passed the origin policy, so it is no cross-site request)', async () => {
    const outcome = await runOnce(
      stack.url,
      {
        query:
          'mutation Create($input: CreateConversationInput!) { createConversation(input: $input) { conversation { name } userErrors { code } } }',
        variables: { input: { configurationSid: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa', name: 'made over websocket' } },
      },
      { connectionParams: { authorization: basic(WRITER_ACCOUNT, 'writer-token') } },
    );
    expect(outcome.results).toEqual([{ data: { createConversation: { conversation: { name: 'made over websocket' }, userErrors: [] } } }]);
    expect(stack.takeUpstreamCalls().map((call) => call.method)).toEqual(['POST']);
  });

  it('a document error is graphql-ws’s error message: BAD_USER_INPUT with the same text as HTTP, nothing upstream', async () => {
    const document = '{ conversations(first: 5) { nodes { nme } } }';
    const http = await stack.graphql(document);
    const outcome = await runOnce(stack.url, { query: document });
    expect(outcome.results).toEqual([]);
    expect(outcome.errors).toEqual(http.errors);
    expect(codesOf(outcome.errors)).toEqual(['BAD_USER_INPUT']);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it('an upstream failure carries its contract code and nothing of the upstream', async () => {
    stack.emulator.faults.enqueue({ match: { path: '/v2/Conversations' }, kind: 'status', status: 500, times: 3 });
    const outcome = await runOnce(stack.url, { query: QUERY });
    stack.emulator.faults.clear();
    expect(codesOf(outcome.results[0]?.errors)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(outcome)).not.toMatch(/127\.0\.0\.1|\/v2\/|stack|http/i);
  });
});

describe('credentials over WebSocket', () => {
  it('connectionParams.authorization (Basic) is the caller’s own credentials', async () => {
    const outcome = await runOnce(
      stack.url,
      { query: QUERY },
      { connectionParams: { authorization: basic(OTHER_ACCOUNT, 'other-token') } },
    );
    expect(outcome.results).toEqual([{ data: { conversations: { nodes: [{ name: 'of the other account' }] } } }]);
    expect(stack.takeUpstreamCalls().map((call) => call.username)).toEqual([OTHER_ACCOUNT]);
  });

  it('the upgrade request’s Authorization header, when connectionParams carry none', async () => {
    const outcome = await runOnce(stack.url, { query: QUERY }, { headers: { authorization: basic(OTHER_ACCOUNT, 'other-token') } });
    expect(outcome.results).toEqual([{ data: { conversations: { nodes: [{ name: 'of the other account' }] } } }]);
    expect(stack.takeUpstreamCalls().map((call) => call.username)).toEqual([OTHER_ACCOUNT]);
  });

  it('connectionParams.authorization wins over the upgrade header', async () => {
    const outcome = await runOnce(
      stack.url,
      { query: QUERY },
      {
        headers: { authorization: basic(OTHER_ACCOUNT, 'other-token') },
        connectionParams: { authorization: basic(ACCOUNT_SID, AUTH_TOKEN) },
      },
    );
    expect(outcome.results[0]?.data).toEqual({ conversations: { nodes: [{ name: 'over websocket' }] } });
    expect(stack.takeUpstreamCalls().map((call) => call.username)).toEqual([ACCOUNT_SID]);
  });

  it.each([
    ['malformed Basic', { authorization: 'Basic !!!' }],
    ['Basic without a secret', { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:`).toString('base64')}` }],
    ['not a string', { authorization: { user: ACCOUNT_SID } }],
    ['not a header value', { authorization: 'Basic abc\r\nX-Injected: 1' }],
  ])('%s in connectionParams → UNAUTHENTICATED, never the server’s credentials, nothing upstream', async (_name, params) => {
    const outcome = await runOnce(stack.url, { query: QUERY }, { connectionParams: params });
    expect(outcome.results).toEqual([]);
    expect(codesOf(outcome.errors)).toEqual(['UNAUTHENTICATED']);
    expect(JSON.stringify(outcome.errors)).not.toMatch(/http"|status/);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it('access policy: no bearer token → UNAUTHENTICATED with nothing upstream; a static token or a JWT, in connectionParams or the upgrade header, → data', async () => {
    const refused = await runOnce(guarded.url, { query: QUERY });
    expect(codesOf(refused.errors)).toEqual(['UNAUTHENTICATED']);
    const wrong = await runOnce(guarded.url, { query: QUERY }, { connectionParams: { authorization: 'Bearer not-a-token' } });
    expect(codesOf(wrong.errors)).toEqual(['UNAUTHENTICATED']);
    expect(guarded.takeUpstreamCalls()).toHaveLength(0);

    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));
    for (const options of [
      { connectionParams: { authorization: 'Bearer static-token' } },
      { headers: { authorization: `Bearer ${jwt}` } },
    ]) {
      const outcome = await runOnce(guarded.url, { query: QUERY }, options);
      expect(outcome.results).toEqual([{ data: { conversations: { nodes: [{ name: 'guarded' }] } } }]);
    }
    expect(guarded.takeUpstreamCalls()).toHaveLength(2);
  });
});

describe('origin policy on the upgrade', () => {
  it.each([
    ['a foreign origin', 'http://evil.example'],
    ['the null origin', 'null'],
  ])('%s is refused with 403 FORBIDDEN before a socket exists', async (_name, origin) => {
    const raw = rawSocket(stack.url, { origin });
    const answer = await raw.opened;
    expect(answer).toEqual({ status: 403, body: { errors: [{ message: expect.any(String), extensions: { code: 'FORBIDDEN' } }] } });
    expect(stack.webSockets.connectionCount).toBe(0);
    expect(requestLines()).toEqual([expect.objectContaining({ status: 403, errors: ['FORBIDDEN'] })]);
  });

  it('the facade’s own origin, an origin in CORS_ORIGINS and no Origin at all (not a browser) connect', async () => {
    const own = new URL(stack.url).origin;
    for (const origin of [own, ALLOWED_ORIGIN, undefined]) {
      const outcome = await runOnce(stack.url, { query: QUERY }, origin ? { origin } : {});
      expect(outcome.results).toHaveLength(1);
    }
  });

  it('a request asking to upgrade to something else (curl --http2: h2c) is answered as the plain request it is', async () => {
    const body = JSON.stringify({ query: QUERY });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(
        stack.url,
        {
          method: 'POST',
          headers: {
            connection: 'Upgrade, HTTP2-Settings',
            upgrade: 'h2c',
            'http2-settings': 'AAMAAABkAAQAoAAAAAIAAAAA',
            'content-type': 'application/json',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ data: { conversations: { nodes: [{ name: 'over websocket' }] } } });
  });

  it('another path is 404; a socket without the graphql-transport-ws protocol is closed with 4406', async () => {
    expect((await rawSocket(stack.url, { path: '/elsewhere' }).opened).status).toBe(404);
    const noProtocol = rawSocket(stack.url, { protocol: null });
    expect((await noProtocol.closed).code).toBe(4406);
  });
});

describe('limits over WebSocket, before anything runs', () => {
  const deep = `{ conversations(first: 1) { nodes { ${'communications(first: 1) { nodes { conversation { '.repeat(5)}name${' } } }'.repeat(5)} } } }`;
  const costly = '{ conversations(first: 1000) { nodes { communications(first: 1000) { nodes { id } } } } }';

  it.each([
    ['depth', 'QUERY_TOO_COMPLEX', deep],
    ['cost', 'QUERY_TOO_COMPLEX', costly],
    ['a connection size out of range', 'BAD_USER_INPUT', '{ conversations(first: 0) { nodes { name } } }'],
    ['an argument over its bound', 'BAD_USER_INPUT', `{ conversation(sid: "${'x'.repeat(300)}") { name } }`],
  ])('%s → %s with zero upstream calls, the same as HTTP', async (_name, code, query) => {
    const http = await stack.graphql(query);
    const outcome = await runOnce(stack.url, { query });
    const errors = outcome.errors ?? outcome.results[0]?.errors;
    expect(codesOf(errors)).toEqual([code]);
    expect(errors).toEqual(http.errors);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });

  it('variables nested past the limit are refused as on HTTP (the params hooks run too)', async () => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < 70; i++) nested = [nested];
    const outcome = await runOnce(stack.url, { query: 'query Q($x: String) { conversation(sid: $x) { name } }', variables: { x: nested } });
    expect(codesOf(outcome.errors)).toEqual(['BAD_USER_INPUT']);
    expect(outcome.errors?.[0]?.message).toMatch(/nests deeper than 64 levels/);
    expect(stack.takeUpstreamCalls()).toHaveLength(0);
  });
});

describe('observability of WebSocket operations', () => {
  const counted = async (outcome: string) =>
    (await metrics.webSocketOperations.get()).values.find((value) => value.labels.outcome === outcome)?.value ?? 0;

  it('one log line per operation (operation, upstream calls, error codes) and the request metrics count them', async () => {
    const before = { result: await counted('result'), refused: await counted('refused') };
    const client = connect(stack.url);
    await run(client, { query: QUERY });
    await run(client, { query: '{ conversations(first: 1000) { nodes { communications(first: 1000) { nodes { id } } } } }' });
    await client.dispose();
    await waitFor(() => stack.webSockets.connectionCount === 0, 'the connection to close');

    expect(requestLines()).toEqual([
      expect.objectContaining({ operation: 'Inbox', outcome: 'result', upstreamCalls: 1, requestId: expect.any(String) }),
      expect.objectContaining({ operation: null, outcome: 'refused', upstreamCalls: 0, errors: ['QUERY_TOO_COMPLEX'] }),
    ]);
    expect(JSON.stringify(requestLines())).not.toMatch(/conversations\(first|authorization/i);
    expect(await counted('result')).toBe(before.result + 1);
    expect(await counted('refused')).toBe(before.refused + 1);
    const text = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/^graphql_request_duration_seconds_count\{operation="Inbox"\} [1-9]/m);
    expect(text).toMatch(/^graphql_errors_total\{code="QUERY_TOO_COMPLEX"\} [1-9]/m);
    expect(text).toMatch(/^graphql_websocket_connections 0$/m);
  });
});
