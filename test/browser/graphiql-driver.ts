// Drives GraphiQL as a person does, for test/browser/graphiql.test.ts: starts the service the way
// `npm start` does, opens a tab with one click and waits until GraphiQL can run it, clicks ▶ on a
// query, mutation or subscription and returns what went over the wire, reads the response pane.
// Every wait is for a state (a selected tab, the editor's text, a response, a gauge), bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Locator, Page, Response } from 'playwright-core';
import { expect } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const NODE = join(ROOT, 'node_modules/.bin/node'); // the devDependency `node`: Node 24, as npm start uses
const STARTED = /GraphQL API and GraphiQL at (http:\/\/127\.0\.0\.1:(\d+)\/graphql)/;

export interface Service {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `node src/main.ts` with PORT=0 and no upstream configured; resolves on its "GraphQL API and GraphiQL at" line. */
export async function startService(): Promise<Service> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  for (const name of Object.keys(env)) {
    if (name === 'CONVERSATIONS_API_URL' || name.startsWith('TWILIO_') || name === 'GRAPHIQL') delete env[name];
  }
  const child = spawn(NODE, ['src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = STARTED.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

export function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not exit within ${ms} ms of SIGTERM`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** The response pane's text (Monaco renders spaces as no-break spaces). */
async function responsePane(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, as rendered (Monaco's line breaks)
  const text = await page.locator('.graphiql-response').innerText({ timeout: 5_000 });
  return text.replace(/\u00a0/g, ' ');
}

export async function waitForPane(page: Page, predicate: (text: string) => boolean, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = await responsePane(page);
    if (predicate(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`the response pane did not show the expected result within ${ms} ms; it shows:\n${text}`);
}

/** The query editor's visible text (Monaco: no-break spaces). */
async function queryEditor(page: Page): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, as rendered (Monaco's line breaks)
  const text = await page.locator('.graphiql-query-editor .view-lines').innerText({ timeout: 5_000 });
  return text.replace(/\u00a0/g, ' ');
}

/**
 * Activates a tab with one click and waits until GraphiQL is ready to run it. Pressing ▶ right after the click ran
 * nothing (4 runs of 4 on a fresh clone): GraphiQL shows the tab's document at once, but re-reads the
 * operation name from it only 100 ms after the editor changed; until then ▶ sends the new document
 * with the previous tab's operation name, and GraphiQL's fetcher fails with "Cannot infer operation
 * LatestCommunications" before any request. The callback that re-reads the name first stores the
 * editor's text under localStorage `graphiql:query`, so that text equal to the new document means
 * the name is current too (the key is cleared first: another page of GraphiQL shares localStorage and
 * may have written the same document there already). A tab already active at load needs no wait: the
 * name was read when the editor was created.
 */
export async function openTab(page: Page, index: number, documentMarker: string): Promise<void> {
  const tab = page.locator('.graphiql-tab').nth(index);
  const wasActive = (await tab.getAttribute('aria-selected', { timeout: 10_000 })) === 'true';
  if (!wasActive) await page.evaluate(() => localStorage.removeItem('graphiql:query'));
  await selectTab(tab);
  await expect.poll(() => queryEditor(page), { timeout: 10_000 }).toContain(documentMarker);
  if (!wasActive) {
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem('graphiql:query') ?? ''), { timeout: 10_000 })
      .toContain(documentMarker);
  }
}

/**
 * Clicks a tab once, as a person does, and expects it selected. GraphiQL's tabs are framer-motion
 * Reorder items, and at load every tab but the last keeps a leftover drag offset (measured: the
 * first of five, translateX(585px)); GraphiQL's CSS hides it only while the tab has no focus, so
 * pressing a tab made it jump by that much under the pointer and the release selected nothing (3 runs
 * of 3: the first click missed on two tabs; another session, on 3 tabs of 4). The page now never draws
 * the offset (src/server/graphiql-page.ts): the first click must select.
 */
async function selectTab(tab: Locator): Promise<void> {
  await tab.locator('button').first().click({ timeout: 10_000 });
  await expect.poll(() => tab.getAttribute('aria-selected'), { timeout: 10_000 }).toBe('true');
}

/** The service's live_subscribers gauge for communicationAdded over SSE (0 when absent). */
export async function liveSubscribers(serviceUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', serviceUrl))).text();
  const line = text
    .split('\n')
    .find((row) => row.startsWith('live_subscribers{') && row.includes('transport="sse"') && row.includes('field="communicationAdded"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * Clicks ▶ on a subscription and returns its response once the stream is open: GraphiQL sends it as
 * a GET with `Accept: text/event-stream` (subscriptionsProtocol SSE). The facade answers the headers
 * only after the subscription listens (access checked, bus listener open), so nothing sent after this
 * returns can be missed. While it streams, the button is "Stop query".
 */
export async function runSubscription(page: Page, operation: RegExp): Promise<Response> {
  await page.locator('.graphiql-execute-button[aria-label^="Execute query"]').waitFor({ state: 'visible', timeout: 10_000 });
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) =>
        r.request().method() === 'GET' &&
        new URL(r.url()).pathname === '/graphql' &&
        operation.test(new URL(r.url()).searchParams.get('query') ?? ''),
      { timeout: 15_000 },
    ),
    page.locator('.graphiql-execute-button[aria-label^="Execute query"]').click({ timeout: 10_000 }),
  ]);
  return response;
}

/**
 * Clicks the run button and returns the POST /graphql response of that operation (not GraphiQL's own
 * introspection). The button is ▶ only once GraphiQL is idle: while a request is in flight, or its
 * result is still being handled, it is "Stop query", and a click there stops instead of running.
 */
export async function run(
  page: Page,
  operation: RegExp,
): Promise<{ response: Response; body: { data?: any; errors?: Array<{ message: string }> } }> {
  await page.locator('.graphiql-execute-button[aria-label^="Execute query"]').waitFor({ state: 'visible', timeout: 10_000 });
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => {
        const posted = r.request().postData() ?? '';
        return r.url().endsWith('/graphql') && r.request().method() === 'POST' && operation.test(posted) && !posted.includes('__schema');
      },
      { timeout: 15_000 },
    ),
    page.locator('.graphiql-execute-button[aria-label^="Execute query"]').click({ timeout: 10_000 }),
  ]);
  return { response, body: (await response.json()) as { data?: any; errors?: Array<{ message: string }> } };
}
