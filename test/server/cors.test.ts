// Cross-origin access over HTTP, as a browser would send it (raw node:http, so Origin and the
// Sec-Fetch-* headers are exactly what a browser sends): without CORS_ORIGINS a foreign origin
// gets a 403 and no Access-Control-* header, and nothing runs upstream; named origins get their
// origin back with credentials; `*` gets `*`, never credentials, never a reflection; `null` never.
// Then CORS_ORIGINS parsing. The real-browser side is test/browser/cors.test.ts.
import { startMainWith } from '../helpers/start-main.ts';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { seedConversation } from '../helpers/seed.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const APP = 'http://127.0.0.1:5173';
const OTHER_APP = 'https://app.example';
const EVIL = 'https://evil.example';
const QUERY = '{ conversations(first: 5) { nodes { name } } }';
const PREFLIGHT = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-request-id' };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (fetch would add its own Sec-Fetch-Mode). */
function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const postQuery = (stack: Stack, headers: Record<string, string>) =>
  send(stack.url, 'POST', { 'content-type': 'application/json', ...headers }, JSON.stringify({ query: QUERY }));
const getQuery = (stack: Stack, headers: Record<string, string>) =>
  send(`${stack.url}?query=${encodeURIComponent(QUERY)}`, 'GET', { accept: 'application/json', ...headers });

const corsHeaders = (reply: Reply) =>
  Object.keys(reply.headers)
    .filter((name) => name.startsWith('access-control-'))
    .sort();
const ownOrigin = (stack: Stack) => new URL(stack.url).origin;

function expectRefused(reply: Reply) {
  expect(reply.status).toBe(403);
  expect(corsHeaders(reply)).toEqual([]);
  expect(JSON.parse(reply.body)).toEqual({
    errors: [{ message: 'Cross-origin requests from this origin are not allowed (see CORS_ORIGINS).', extensions: { code: 'FORBIDDEN' } }],
  });
}

let closed: Stack;
let named: Stack;
let wildcard: Stack;

beforeAll(async () => {
  [closed, named, wildcard] = await Promise.all([
    startStack(),
    startStack({ facade: { corsOrigins: [APP, OTHER_APP] } }),
    startStack({ facade: { corsOrigins: ['*', APP] } }),
  ]);
  for (const stack of [closed, named, wildcard]) seedConversation(stack.emulator, 'cors');
});

afterAll(async () => {
  await Promise.all([closed, named, wildcard].map((stack) => stack?.close()));
});

describe('cross-origin requests without CORS_ORIGINS (the default)', () => {
  it.each([EVIL, 'null', 'http://127.0.0.1:1'])('a preflight from %s → 403 without any Access-Control-* header', async (origin) => {
    const reply = await send(closed.url, 'OPTIONS', { origin, ...PREFLIGHT });
    expectRefused(reply);
    expect(reply.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('a POST or GET from a foreign origin → 403 FORBIDDEN, no CORS headers, nothing sent upstream', async () => {
    closed.takeUpstreamCalls();
    expectRefused(await postQuery(closed, { origin: EVIL, authorization: 'Bearer x' }));
    expectRefused(await getQuery(closed, { origin: EVIL }));
    expectRefused(await getQuery(closed, { origin: 'null' }));
    // A "simple" cross-site form post: refused before the content type is even looked at.
    expectRefused(await send(closed.url, 'POST', { origin: EVIL, 'content-type': 'text/plain' }, JSON.stringify({ query: QUERY })));
    expect(closed.takeUpstreamCalls()).toHaveLength(0);
  });

  it('a no-cors request from another site (Sec-Fetch-Site, no Origin: <img>, <script>, mode no-cors) → 403, nothing upstream', async () => {
    closed.takeUpstreamCalls();
    for (const site of ['cross-site', 'same-site']) {
      expectRefused(await getQuery(closed, { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }));
    }
    expect(closed.takeUpstreamCalls()).toHaveLength(0);
  });

  it('a link followed from another site (Sec-Fetch-Mode: navigate), the facade’s own origin and clients without Origin pass, without CORS headers', async () => {
    closed.takeUpstreamCalls();
    const replies = [
      await getQuery(closed, { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }),
      await postQuery(closed, { origin: ownOrigin(closed), 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }),
      await getQuery(closed, { 'sec-fetch-site': 'same-origin' }),
      await postQuery(closed, {}),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ data: { conversations: { nodes: [{ name: 'cors' }] } } });
      expect(corsHeaders(reply)).toEqual([]);
      expect(reply.headers.vary).toMatch(/\bOrigin\b/);
    }
    expect(closed.takeUpstreamCalls()).toHaveLength(4);
  });

  it('a preflight without Origin (not from a browser) → a bare 204', async () => {
    const reply = await send(closed.url, 'OPTIONS', {});
    expect(reply.status).toBe(204);
    expect(corsHeaders(reply)).toEqual([]);
  });
});

describe('CORS_ORIGINS names origins', () => {
  it.each([APP, OTHER_APP])('a preflight from %s → 204 with that origin, credentials, GET/POST and the allowed headers', async (origin) => {
    const reply = await send(named.url, 'OPTIONS', { origin, ...PREFLIGHT });
    expect(reply.status).toBe(204);
    expect(reply.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'accept, authorization, content-type, x-request-id',
      'access-control-expose-headers': 'X-Request-Id',
      'access-control-max-age': '600',
    });
    expect(reply.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('a POST from a named origin is readable: its origin, credentials, X-Request-Id exposed; one upstream call', async () => {
    named.takeUpstreamCalls();
    const reply = await postQuery(named, {
      origin: APP,
      'x-request-id': 'cors-named-1',
      'sec-fetch-site': 'same-site',
      'sec-fetch-mode': 'cors',
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ data: { conversations: { nodes: [{ name: 'cors' }] } } });
    expect(reply.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Request-Id',
      'x-request-id': 'cors-named-1',
    });
    expect(reply.headers['access-control-allow-methods']).toBeUndefined();
    expect(reply.headers.vary).toMatch(/\bOrigin\b/);
    expect(named.takeUpstreamCalls().map((call) => call.requestId)).toEqual(['cors-named-1']);
  });

  it('an error to a named origin is readable too (401 for bad credentials)', async () => {
    const reply = await postQuery(named, { origin: APP, authorization: 'Basic !!!' });
    expect(reply.status).toBe(401);
    expect(reply.headers['access-control-allow-origin']).toBe(APP);
    expect(JSON.parse(reply.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    'http://127.0.0.1:5174',
    'https://127.0.0.1:5173',
    'http://localhost:5173',
    'http://app.example',
    'https://evilapp.example',
    'https://app.example.evil.example',
    'null',
  ])('%s (not named) → 403 without CORS headers, preflight and request alike, nothing upstream', async (origin) => {
    named.takeUpstreamCalls();
    expectRefused(await send(named.url, 'OPTIONS', { origin, ...PREFLIGHT }));
    expectRefused(await postQuery(named, { origin }));
    expect(named.takeUpstreamCalls()).toHaveLength(0);
  });
});

describe('CORS_ORIGINS=*', () => {
  it('any origin gets allow-origin * (never its own origin reflected) and no credentials header', async () => {
    const preflight = await send(wildcard.url, 'OPTIONS', { origin: EVIL, ...PREFLIGHT });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    expect(preflight.headers['access-control-expose-headers']).toBe('X-Request-Id');

    const reply = await postQuery(wildcard, { origin: EVIL, 'x-request-id': 'cors-any-1' });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ data: { conversations: { nodes: [{ name: 'cors' }] } } });
    expect(reply.headers['access-control-allow-origin']).toBe('*');
    expect(reply.headers['access-control-allow-credentials']).toBeUndefined();
    expect(reply.headers['x-request-id']).toBe('cors-any-1');
  });

  it('an origin also named beside * still gets its origin and credentials', async () => {
    const preflight = await send(wildcard.url, 'OPTIONS', { origin: APP, ...PREFLIGHT });
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' });
  });

  it('null is refused even with *', async () => {
    wildcard.takeUpstreamCalls();
    expectRefused(await send(wildcard.url, 'OPTIONS', { origin: 'null', ...PREFLIGHT }));
    expectRefused(await postQuery(wildcard, { origin: 'null' }));
    expect(wildcard.takeUpstreamCalls()).toHaveLength(0);
  });
});

describe('CORS_ORIGINS configuration', () => {
  it('unset: none; a comma list of exact origins; *', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ` ${APP} ,${OTHER_APP},, ` }).corsOrigins).toEqual([APP, OTHER_APP]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it.each([
    ['http://127.0.0.1:5173/', 'did you mean "http://127.0.0.1:5173"?'],
    ['https://app.example/path', 'did you mean "https://app.example"?'],
    ['HTTPS://App.Example', 'did you mean "https://app.example"?'],
    ['https://app.example:443', 'did you mean "https://app.example"?'],
    ['https://user@app.example', 'did you mean "https://app.example"?'],
    ['app.example', 'not an origin'],
    ['ftp://app.example', 'not an http(s) origin'],
    ['null', 'the null origin is never allowed'],
  ])('%s → one line naming CORS_ORIGINS', (value, problem) => {
    expect(() => loadConfig({ CORS_ORIGINS: `${APP},${value}` })).toThrow(
      `CORS_ORIGINS must list origins such as http://127.0.0.1:5173 (scheme://host[:port]) or * (got "${value}": ${problem})`,
    );
  });

  it('* with server-held Twilio credentials needs an access policy (or ALLOW_OPEN_ACCESS=true)', () => {
    const twilio = { TWILIO_API_KEY: 'SKabc', TWILIO_API_SECRET: 's', CORS_ORIGINS: '*' };
    expect(() => loadConfig(twilio)).toThrow(/^CORS_ORIGINS=\* with server-held Twilio credentials would let any web page use the account/);
    expect(loadConfig({ ...twilio, ACCESS_TOKENS: 't' }).corsOrigins).toEqual(['*']);
    expect(loadConfig({ ...twilio, ALLOW_OPEN_ACCESS: 'true' }).corsOrigins).toEqual(['*']);
    expect(loadConfig({ TWILIO_API_KEY: 'SKabc', TWILIO_API_SECRET: 's', CORS_ORIGINS: APP }).corsOrigins).toEqual([APP]);
  });

  it('npm start with a malformed CORS_ORIGINS exits 1 with one line naming the variable', () => {
    const result = startMainWith({ PORT: '0', CORS_ORIGINS: 'http://127.0.0.1:5173/' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Configuration error: CORS_ORIGINS must list origins such as http://127.0.0.1:5173 (scheme://host[:port]) or * (got "http://127.0.0.1:5173/": did you mean "http://127.0.0.1:5173"?)',
    ]);
    expect(result.stdout).toBe('');
  });
});
