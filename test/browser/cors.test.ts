// Cross-origin access as a real browser enforces it: Debian's headless Chromium (driven by
// playwright-core, never a downloaded browser) opens pages from a tiny node:http server and runs
// real fetch()es against the facade on another port, so the browser does its own preflights and
// CORS checks. Origins: http://127.0.0.1:<app> (named in CORS_ORIGINS), http://127.0.0.1:<other>
// (same site, another port, not named), http://evil.test:<app> (another site; Chromium's
// --host-resolver-rules maps it to 127.0.0.1, so all traffic stays on loopback) and a sandboxed
// page (Origin: null). The facade's own log lines say what reached it, the emulator's request log
// what reached the upstream.
//
// No page.route()/context.route() here: with request interception on, Playwright answers CORS
// preflights itself with allow-everything headers, which would hide exactly what is tested.
// Without /usr/bin/chromium the file skips with a message, except under CI (CI set), where it fails.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { seedConversation } from '../helpers/seed.ts';
import { ACCOUNT_SID, AUTH_TOKEN, startStack } from '../helpers/stack.ts';

// Every name but evil.test fails to resolve: nothing leaves loopback.
const BROWSER_ARGS = [...CHROMIUM_ARGS, '--host-resolver-rules=MAP evil.test 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'];
const QUERY = '{ conversations(first: 5) { nodes { name } } }';
const DATA = { data: { conversations: { nodes: [{ name: 'browser cors' }] } } };
const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;

const skip = skipWithoutChromium('test/browser/cors.test.ts');

/** What a page's fetch() came to: a readable response, an opaque one (no-cors), or a rejection. */
type FetchOutcome =
  | { kind: 'response'; status: number; requestId: string | null; body: unknown }
  | { kind: 'opaque' }
  | { kind: 'rejected'; name: string };

interface FetchSpec {
  url: string;
  method?: 'GET' | 'POST';
  mode?: 'cors' | 'no-cors';
  credentials: 'include' | 'omit';
  headers?: Record<string, string>;
  body?: string;
}

/** Runs fetch() inside the page and waits for its outcome (bounded by the page's own 10 s abort). */
function pageFetch(page: Page, spec: FetchSpec): Promise<FetchOutcome> {
  return page.evaluate(async (spec): Promise<FetchOutcome> => {
    try {
      const response = await fetch(spec.url, {
        method: spec.method ?? 'GET',
        mode: spec.mode ?? 'cors',
        credentials: spec.credentials,
        headers: spec.headers ?? {},
        body: spec.body ?? null,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.type === 'opaque') return { kind: 'opaque' };
      return { kind: 'response', status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() };
    } catch (error) {
      return { kind: 'rejected', name: (error as Error).name };
    }
  }, spec);
}

/** A facade whose request log lines (method, status, upstream calls) the test can read. */
async function facade(corsOrigins: string[]) {
  const lines: Array<{ method: string; status: number; upstreamCalls: number }> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const stack = await startStack({ facade: { corsOrigins, logger } });
  seedConversation(stack.emulator, 'browser cors');
  return {
    stack,
    /** What reached the facade and the upstream since the last call, as `METHOD status`, and upstream calls. */
    take() {
      const seen = lines.splice(0).map((line) => `${line.method} ${line.status}`);
      return { facade: seen, upstream: stack.takeUpstreamCalls().length };
    },
  };
}

function startPageServer(): Promise<Server> {
  const server = createServer((req, res) => {
    // /sandboxed: an opaque origin, so its requests carry `Origin: null` (as sandboxed iframes,
    // file: and data: pages do).
    const sandboxed = req.url === '/sandboxed' ? { 'content-security-policy': 'sandbox allow-scripts' } : {};
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...sandboxed });
    res.end('<!doctype html><title>cors test page</title><p>a page on another origin</p>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;
const jsonPost = (url: string, credentials: 'include' | 'omit', requestId: string): FetchSpec => ({
  url,
  method: 'POST',
  credentials,
  headers: { 'content-type': 'application/json', authorization: BASIC, 'x-request-id': requestId },
  body: JSON.stringify({ query: QUERY }),
});

describe.skipIf(skip)('CORS in headless Chromium', () => {
  let appServer: Server;
  let otherServer: Server;
  let named: Awaited<ReturnType<typeof facade>>;
  let wildcard: Awaited<ReturnType<typeof facade>>;
  let browser: Browser;
  let page: Page;
  let app: string;
  let other: string;
  let evil: string;

  beforeAll(async () => {
    requireChromium();
    [appServer, otherServer] = await Promise.all([startPageServer(), startPageServer()]);
    app = `http://127.0.0.1:${portOf(appServer)}`;
    other = `http://127.0.0.1:${portOf(otherServer)}`;
    evil = `http://evil.test:${portOf(appServer)}`;
    [named, wildcard] = await Promise.all([facade([app]), facade(['*'])]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS, headless: true, timeout: 30_000 });
    page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await Promise.all([named?.stack.close(), wildcard?.stack.close()]);
    appServer?.close();
    otherServer?.close();
  }, 20_000);

  beforeEach(() => {
    named?.take();
    wildcard?.take();
  });

  async function open(origin: string, path = '/') {
    const response = await page.goto(`${origin}${path}`, { waitUntil: 'load', timeout: 15_000 });
    expect(response?.status()).toBe(200);
    expect(await page.evaluate(() => self.origin)).toBe(path === '/sandboxed' ? 'null' : origin);
  }

  it('a page on a named origin reads the data and X-Request-Id, with credentials: include and an Authorization header', async () => {
    await open(app);
    const outcome = await pageFetch(page, jsonPost(named.stack.url, 'include', 'browser-allowed-1'));
    expect(outcome).toEqual({ kind: 'response', status: 200, requestId: 'browser-allowed-1', body: DATA });
    // The browser asked first (the Authorization header needs it), then sent the POST.
    expect(named.take()).toEqual({ facade: ['OPTIONS 204', 'POST 200'], upstream: 1 });

    // A simple GET query from the same page is readable too.
    const get = await pageFetch(page, { url: `${named.stack.url}?query=${encodeURIComponent(QUERY)}`, credentials: 'include' });
    expect(get).toMatchObject({ kind: 'response', status: 200, body: DATA });
    expect(named.take()).toEqual({ facade: ['GET 200'], upstream: 1 });
  }, 30_000);

  it.each([
    ['another port of the same site (not named)', 'other', '/'],
    ['another site (evil.test)', 'evil', '/'],
    ['a sandboxed page (Origin: null)', 'app', '/sandboxed'],
  ] as const)(
    'a page on %s: fetch rejects, the preflight gets a 403, the POST is never sent, zero upstream calls',
    async (_name, which, path) => {
      await open({ app, other, evil }[which], path);
      const outcome = await pageFetch(page, jsonPost(named.stack.url, 'include', 'browser-refused-1'));
      expect(outcome).toEqual({ kind: 'rejected', name: 'TypeError' });
      expect(named.take()).toEqual({ facade: ['OPTIONS 403'], upstream: 0 });
    },
    30_000,
  );

  it('requests a foreign page can send without a preflight are refused before anything runs', async () => {
    await open(evil);
    const query = `${named.stack.url}?query=${encodeURIComponent(QUERY)}`;
    // A GET query in cors mode with credentials: refused, and unreadable.
    expect(await pageFetch(page, { url: query, credentials: 'include' })).toEqual({ kind: 'rejected', name: 'TypeError' });
    // A "simple" text/plain POST (no preflight): refused, unreadable.
    expect(
      await pageFetch(page, {
        url: named.stack.url,
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: QUERY }),
      }),
    ).toEqual({ kind: 'rejected', name: 'TypeError' });
    // mode: 'no-cors' (what <img> or <script> send): no Origin header, but Sec-Fetch-Site says cross-site.
    expect(await pageFetch(page, { url: query, mode: 'no-cors', credentials: 'include' })).toEqual({ kind: 'opaque' });
    expect(named.take()).toEqual({ facade: ['GET 403', 'POST 403', 'GET 403'], upstream: 0 });
  }, 30_000);

  it('CORS_ORIGINS=*: any page reads with its own Authorization header, but a credentialed fetch is refused by the browser', async () => {
    await open(evil);
    const open_ = await pageFetch(page, jsonPost(wildcard.stack.url, 'omit', 'browser-any-1'));
    expect(open_).toEqual({ kind: 'response', status: 200, requestId: 'browser-any-1', body: DATA });
    expect(wildcard.take()).toEqual({ facade: ['OPTIONS 204', 'POST 200'], upstream: 1 });

    // credentials: 'include' needs the origin itself and Allow-Credentials, which `*` never gets.
    const credentialed = await pageFetch(page, jsonPost(wildcard.stack.url, 'include', 'browser-any-2'));
    expect(credentialed).toEqual({ kind: 'rejected', name: 'TypeError' });
    expect(wildcard.take()).toEqual({ facade: ['OPTIONS 204'], upstream: 0 });

    // And a null origin is refused even here.
    await open(app, '/sandboxed');
    expect(await pageFetch(page, jsonPost(wildcard.stack.url, 'omit', 'browser-any-3'))).toEqual({ kind: 'rejected', name: 'TypeError' });
    expect(wildcard.take()).toEqual({ facade: ['OPTIONS 403'], upstream: 0 });
  }, 30_000);
});
