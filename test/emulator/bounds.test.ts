// The emulator's bounded resources: a long-running `npm start` embeds it, so nothing a caller sends may
// grow it without end or freeze it. The request log is a window (entries and bytes), the trusted
// first-use accounts are capped (new ones refused, the ones in use keep working), the fault queue is
// capped, and fault `match.path` is a glob that cannot backtrack.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { Accounts, basicAuth, DEFAULT_MAX_ACCOUNTS } from '../../src/emulator/auth.ts';
import { ApiError } from '../../src/emulator/errors.ts';
import { Faults, MAX_PATH_PATTERN_LENGTH, MAX_QUEUED_FAULTS } from '../../src/emulator/faults.ts';
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, startEmulator, type Emulator } from '../../src/emulator/index.ts';
import { globMatches } from '../../src/emulator/path-glob.ts';
import {
  DEFAULT_MAX_LOGGED_BYTES,
  DEFAULT_MAX_LOGGED_REQUESTS,
  RequestRecorder,
  type LoggedRequest,
} from '../../src/emulator/request-log.ts';
import { call } from './helpers.ts';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** The n-th made-up Account SID: AC + 32 hex digits. */
const sid = (n: number) => `AC${n.toString(16).padStart(32, '0')}`;

function logged(n: number, path = `/v2/Conversations/conv_conversation_01jaaaaaaaaaaaaaaaaaaaaaa${n}/Communications`): LoggedRequest {
  return {
    method: 'GET',
    path,
    query: { pageSize: ['50'], pageToken: [`token-${'t'.repeat(80)}-${n}`] },
    username: sid(n),
    requestId: `request-${n}`,
    status: 200,
    at: n,
  };
}

describe('the request log is a bounded window', () => {
  it('keeps the newest 10,000 entries by default and counts the ones it dropped', () => {
    const log = new RequestRecorder();
    for (let n = 0; n < DEFAULT_MAX_LOGGED_REQUESTS + 2_500; n++) log.record(logged(n));
    const entries = log.entries();
    expect(entries).toHaveLength(10_000);
    expect(entries[0]!.requestId).toBe('request-2500');
    expect(entries.at(-1)!.requestId).toBe(`request-${DEFAULT_MAX_LOGGED_REQUESTS + 2_499}`);
    expect(log.count({ path: '*/Communications' })).toBe(10_000);
    expect(log.dropped()).toBe(2_500);
    log.clear();
    expect([log.entries().length, log.dropped()]).toEqual([0, 0]);
  });

  it('is bounded in bytes too: long request paths push out the oldest entries first', () => {
    const log = new RequestRecorder();
    const longPath = (n: number) => `/v2/Conversations/${String(n).padStart(4_000, 'x')}`;
    for (let n = 0; n < 5_000; n++) log.record(logged(n, longPath(n)));
    const entries = log.entries();
    const pathBytes = entries.reduce((sum, entry) => sum + entry.path.length, 0);
    expect(pathBytes).toBeLessThanOrEqual(DEFAULT_MAX_LOGGED_BYTES);
    expect(entries.length).toBeLessThan(5_000);
    expect(entries.length).toBeGreaterThan(1_500); // 8 MiB of ~4.3 kB entries
    expect(entries.at(-1)!.path).toBe(longPath(4_999));
    expect(log.dropped()).toBe(5_000 - entries.length);
  });

  it('over HTTP, an emulator with a 3-entry log keeps the newest three requests in order', async () => {
    emulator = await startEmulator({ seedDemoData: false, requestLog: { maxEntries: 3 } });
    for (let n = 1; n <= 5; n++) await call(emulator, 'GET', '/v2/Conversations', { headers: { 'x-request-id': `r${n}` } });
    expect(emulator.requests.entries().map((entry) => entry.requestId)).toEqual(['r3', 'r4', 'r5']);
    expect(emulator.requests.dropped()).toBe(2);
  });
});

describe('trust on first use is bounded', () => {
  it('refuses a new account beyond the limit with a 401; accounts in use and the demo account keep working; a reset frees them', async () => {
    emulator = await startEmulator({ maxAccounts: 2 });
    const list = (auth: [string, string]) => call(emulator!, 'GET', '/v2/Conversations', { auth });
    expect((await list([sid(1), 'one'])).status).toBe(200);
    expect((await list([sid(2), 'two'])).status).toBe(200);
    const refused = await list([sid(3), 'three']);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      code: 20003,
      status: 401,
      message: 'Authentication Error - this emulator already trusts 2 accounts; use one of them or reset it',
    });
    expect((await list([sid(1), 'one'])).status).toBe(200);
    expect((await list([sid(2), 'wrong'])).status).toBe(401);
    const demo = await list([DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN]);
    expect([demo.status, demo.body.conversations.length > 0]).toEqual([200, true]);
    // Refused before routing: nothing was logged under the refused account but the refusal itself.
    expect(
      emulator.requests
        .entries()
        .filter((entry) => entry.username === sid(3))
        .map((entry) => entry.status),
    ).toEqual([401]);
    emulator.data.reset();
    expect((await list([sid(3), 'three'])).status).toBe(200);
  });

  it('trusts at most 10,000 accounts by default, whatever their passwords’ length', () => {
    const accounts = new Accounts(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN);
    const longPassword = 'p'.repeat(1_000);
    for (let n = 1; n <= DEFAULT_MAX_ACCOUNTS; n++) accounts.authenticate(basicAuth(sid(n), `${longPassword}${n}`));
    expect(accounts.size).toBe(10_000);
    const refused = (() => {
      try {
        accounts.authenticate(basicAuth(sid(DEFAULT_MAX_ACCOUNTS + 1), 'x'));
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(401);
    expect(accounts.size).toBe(10_000);
    expect(accounts.authenticate(basicAuth(sid(1), `${longPassword}1`)).username).toBe(sid(1));
    expect(accounts.authenticate(basicAuth(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN)).username).toBe(DEMO_ACCOUNT_SID);
  });
});

describe('fault match patterns cannot freeze the process', () => {
  it('the pattern (a+)+$ is refused as a regular expression, and a request whose path would make it backtrack is answered at once', async () => {
    emulator = await startEmulator({ seedDemoData: false });
    const queued = await fetch(`${emulator.url}/__emulator/faults/queue`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'status', status: 503, match: { path: '(a+)+$' } }),
    });
    expect(queued.status).toBe(400);
    expect(((await queued.json()) as { message: string }).message).toMatch(/must be a path glob/);
    expect(emulator.faults.pending()).toBe(0);
    // With the regex applied, this path costs about a second of blocked event loop (2^24 steps).
    const started = performance.now();
    const answered = await call(emulator, 'GET', `/v2/${'a'.repeat(24)}!`);
    expect(answered.status).toBe(404);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('a RegExp object and an over-long pattern are refused in-process too', () => {
    const faults = new Faults();
    expect(() => faults.enqueue({ kind: 'hang', match: { path: /(a+)+$/ as unknown as string } })).toThrow(TypeError);
    expect(() => faults.enqueue({ kind: 'hang', match: { path: `/${'*a'.repeat(MAX_PATH_PATTERN_LENGTH)}` } })).toThrow(TypeError);
    expect(faults.pending()).toBe(0);
  });

  it('the worst globs against a 16 kB path take milliseconds, and match as globs should', () => {
    const path = `/v2/${'a'.repeat(16_000)}/b`;
    // Head and tail match, so the middle pieces are searched: one almost matches everywhere, the other is many pieces.
    const worst = [`*${'a'.repeat(250)}c*/b`, `/v2/${'a*'.repeat(120)}c*/b`];
    expect(Math.max(...worst.map((pattern) => pattern.length))).toBeLessThanOrEqual(MAX_PATH_PATTERN_LENGTH);
    const started = performance.now();
    for (let round = 0; round < 10; round++) for (const pattern of worst) expect(globMatches(pattern, path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
    expect(globMatches('*/Communications', '/v2/Conversations/c1/Communications')).toBe(true);
    expect(globMatches('*/Communications', '/v2/Conversations/c1/Communications/x')).toBe(false);
    expect(globMatches('/v2/Conversations', '/v2/Conversations/c1')).toBe(false);
    expect(globMatches('/v2/*/Participants/*', '/v2/Conversations/c1/Participants/p1')).toBe(true);
    expect(globMatches('/v2/*s*s', '/v2/s')).toBe(false); // pieces may not overlap
  });

  it('at most 100 scripted faults wait at once', () => {
    const faults = new Faults();
    for (let n = 0; n < MAX_QUEUED_FAULTS; n++) faults.enqueue({ kind: 'status', status: 503, times: 1_000 });
    expect(() => faults.enqueue({ kind: 'hang' })).toThrow(/100 are already queued/);
    expect(faults.pending()).toBe(100_000);
  });
});

describe('memory', () => {
  it('100,000 distinct accounts and 100,000 logged requests grow the heap by less than 20 MB (unbounded: about 75 MB)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const accounts = new Accounts(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN);
    const log = new RequestRecorder();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let n = 1; n <= 100_000; n++) {
      try {
        accounts.authenticate(basicAuth(sid(n), `password-${n}-${'p'.repeat(64)}`));
      } catch {
        // beyond the limit: refused, which is the point
      }
      log.record(logged(n));
    }
    gc();
    const grownMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    console.info(`heap growth after 100,000 accounts and log entries: ${grownMb.toFixed(1)} MB`);
    expect([accounts.size, log.entries().length]).toEqual([10_000, 10_000]);
    expect(grownMb).toBeLessThan(20);
  });
});
