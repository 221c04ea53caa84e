// The attacker's side of issue 9, item 1, over HTTP: the operation that runs is the one
// `operationName` names, whatever ran before on the same document text. graphql-jit's cache was
// keyed by the parsed document alone, so a GET naming a query of a document whose mutation had
// been POSTed ran the mutation (the CSRF guard checked the query); and a cost verdict computed for
// one operation admitted the execution of a sibling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { createLogger } from '../../src/observability/logger.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { createFacade } from '../../src/yoga.ts';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack, type Stack } from '../helpers/stack.ts';
import { emulatorClientOptions } from '../helpers/upstream-client.ts';

let stack: Stack;
let sid: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  stack = await startStack({ facade: { logger } });
  sid = seedConversation(stack.emulator, 'operation selection');
  seedCommunications(stack.emulator, sid, 5);
});

afterAll(() => stack.close());

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  requestId: string;
}

async function post(query: string, operationName?: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, operationName, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'], requestId: response.headers.get('x-request-id')! };
}

async function get(query: string, operationName?: string): Promise<Answer> {
  const params = new URLSearchParams({ query, ...(operationName === undefined ? {} : { operationName }) });
  const response = await fetch(`${stack.url}?${params}`, { headers: { accept: 'application/json' } });
  return { status: response.status, body: (await response.json()) as Answer['body'], requestId: response.headers.get('x-request-id')! };
}

const codes = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code);
const logOf = (answer: Answer) => logLines.find((line) => line.requestId === answer.requestId && line.msg === 'request');

/** A valid input: were the mutation to run, it would be sent upstream. */
const createInput = (conversationSid: string) =>
  `{conversationSid: "${conversationSid}", author: {address: "+15005550001", channel: SMS}, recipients: [{address: "+15005550002", channel: SMS}], content: {text: {text: "csrf"}}}`;

describe('operationName selects what runs', () => {
  const document = () => `
    mutation M { createCommunication(input: ${createInput(sid)}) { communication { sid } } }
    query Q { conversation(sid: "${sid}") { name } }
  `;

  it('after a POST of mutation M, a GET of the same text naming Q runs Q: nothing written, the log says Q', async () => {
    stack.takeUpstreamCalls();
    const mutation = await post(document(), 'M');
    expect(mutation.body.data?.createCommunication.communication.sid).toMatch(/^conv_communication_/);
    expect(stack.takeUpstreamCalls().map((call) => call.method)).toEqual(['POST']);

    const query = await get(document(), 'Q');
    expect(query.status).toBe(200);
    expect(query.body).toEqual({ data: { conversation: { name: 'operation selection' } } });
    const calls = stack.takeUpstreamCalls();
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([`GET /v2/Conversations/${sid}`]);
    expect(logOf(query)).toMatchObject({ method: 'GET', operation: 'Q', upstreamCalls: 1, status: 200 });
  });

  it('a GET of that text naming M → 405, nothing sent upstream', async () => {
    await post(document(), 'M');
    stack.takeUpstreamCalls();
    const refused = await get(document(), 'M');
    expect(refused.status).toBe(405);
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(refused.body.data ?? null).toBeNull();
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('no operationName with two operations → BAD_USER_INPUT, nothing sent upstream', async () => {
    stack.takeUpstreamCalls();
    for (const answer of [await post(document()), await get(document())]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    }
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('an unknown operationName → BAD_USER_INPUT, nothing sent upstream', async () => {
    stack.takeUpstreamCalls();
    for (const name of ['Nope', '', 'm']) {
      const answer = await post(document(), name);
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    }
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('the check at execution: a mutation that reaches execution from a GET → 405, nothing sent upstream', async () => {
    // graphql-yoga refuses a GET mutation while parsing; this drives execution directly, as a
    // future cache or plugin might, to show the facade's own check holds on its own.
    const upstream = new UpstreamClient(emulatorClientOptions(stack.emulator.url, { connections: 2 }));
    try {
      const yoga = createFacade({
        upstream,
        serverCredentials: makeCredentials(ACCOUNT_SID, AUTH_TOKEN),
        maxPagesPerConnection: 20,
        requestTimeoutMs: 5000,
        graphiql: false,
      });
      const request = new Request(`${stack.url}?query=mutation`, { method: 'GET' });
      const enveloped = yoga.getEnveloped({ request, params: { query: 'query Q { __typename }' } });
      stack.takeUpstreamCalls();
      const result = (await enveloped.execute({
        schema: enveloped.schema,
        document: parse(document()),
        operationName: 'M',
        contextValue: await enveloped.contextFactory(),
      })) as { errors?: Array<{ message: string; extensions: Record<string, any> }> };
      expect(result.errors?.map((error) => [error.extensions.code, error.extensions.http?.status])).toEqual([['BAD_USER_INPUT', 405]]);
      expect(stack.takeUpstreamCalls()).toEqual([]);
    } finally {
      await upstream.close();
    }
  });
});

describe('query limits are those of the operation that runs', () => {
  const expensive = Array.from(
    { length: 25 },
    (_, i) => `c${i}: communications(first: $n) { nodes { sid author { participant { name } } content { __typename } } }`,
  ).join(' ');
  const document = () => `
    query A { __typename }
    query B($n: Int! = 1000) { conversation(sid: "${sid}") { ${expensive} } }
  `;

  it('a cheap query A first, then its sibling B (first: 1000 × 25 aliases) → QUERY_TOO_COMPLEX, nothing sent upstream', async () => {
    expect((await post(document(), 'A')).body).toEqual({ data: { __typename: 'Query' } });
    stack.takeUpstreamCalls();
    const refused = await post(document(), 'B');
    expect(codes(refused)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(refused.body.errors?.[0]?.extensions?.cost).toBeGreaterThan(20_000);
    expect(stack.takeUpstreamCalls()).toEqual([]);
  });

  it('B admitted with a cheap $n does not run under the name A with an expensive one', async () => {
    const text = `${document()} # admitted first`;
    const cheap = await post(text, 'B', { n: 1 });
    expect(cheap.body.errors).toBeUndefined();
    expect(cheap.body.data?.conversation.c0.nodes).toHaveLength(1);
    stack.takeUpstreamCalls();
    const other = await post(text, 'A', { n: 1000 });
    expect(other.body).toEqual({ data: { __typename: 'Query' } });
    expect(stack.takeUpstreamCalls()).toEqual([]);
    expect(logOf(other)).toMatchObject({ operation: 'A', upstreamCalls: 0 });
  });

  it('the same document with other variables gets its own verdict', async () => {
    const text = `${document()} # variables`;
    for (const [n, code] of [
      [1, undefined],
      [1000, 'QUERY_TOO_COMPLEX'],
      [2, undefined],
      [1000, 'QUERY_TOO_COMPLEX'],
      [1, undefined],
    ] as const) {
      stack.takeUpstreamCalls();
      const answer = await post(text, 'B', { n });
      expect(codes(answer)[0]).toBe(code);
      if (code) expect(stack.takeUpstreamCalls()).toEqual([]);
    }
    // Its default ($n = 1000) is costed too.
    expect(codes(await post(text, 'B'))).toEqual(['QUERY_TOO_COMPLEX']);
  });
});
