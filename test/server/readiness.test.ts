// /ready without server-held credentials (per-request mode): the facade has no credential to read
// with, but an unreachable upstream must still make it unready. The probe asks without credentials;
// a 401 means the upstream is there (200), a refused connection, a 5xx or a timeout means it is not (503).
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_SID } from '../../src/emulator/index.ts';
import { makeCredentials } from '../../src/upstream/credentials.ts';
import { startStack, TEST_RESILIENCE, type Stack } from '../helpers/stack.ts';

async function ready(stack: Stack): Promise<{ status: number; body: unknown }> {
  const response = await fetch(stack.url.replace('/graphql', '/ready'), { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.json() };
}

/** A loopback port that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('/ready without server-held credentials', () => {
  it('the emulator is up: 200, after exactly one unauthenticated list call answered 401', async () => {
    const stack = await startStack({ facade: { serverCredentials: null } });
    try {
      stack.takeUpstreamCalls();
      expect(await ready(stack)).toEqual({ status: 200, body: { status: 'ready' } });
      expect(
        stack.takeUpstreamCalls().map(({ method, path, query, username, status }) => ({ method, path, query, username, status })),
      ).toEqual([{ method: 'GET', path: '/v2/Conversations', query: { pageSize: ['1'] }, username: null, status: 401 }]);
      // Cached for 2 s: a second probe right away costs nothing upstream.
      expect((await ready(stack)).status).toBe(200);
      expect(stack.takeUpstreamCalls()).toHaveLength(0);
    } finally {
      await stack.close();
    }
  });

  it('the upstream port is closed: 503 UPSTREAM_UNAVAILABLE', async () => {
    const stack = await startStack({
      facade: { serverCredentials: null },
      upstream: { baseUrl: `http://127.0.0.1:${await closedPort()}` },
    });
    try {
      expect(await ready(stack)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'UPSTREAM_UNAVAILABLE' } });
    } finally {
      await stack.close();
    }
  });

  it('the upstream answers 503: 503; it hangs: 503 UPSTREAM_TIMEOUT', async () => {
    const failing = await startStack({ facade: { serverCredentials: null } });
    try {
      failing.emulator.faults.enqueue({ kind: 'status', status: 503, times: TEST_RESILIENCE.maxAttempts });
      expect(await ready(failing)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'UPSTREAM_UNAVAILABLE' } });
      expect(failing.emulator.faults.pending()).toBe(0);
    } finally {
      await failing.close();
    }
    const hanging = await startStack({ facade: { serverCredentials: null }, upstream: { headersTimeoutMs: 200 } });
    try {
      hanging.emulator.faults.enqueue({ kind: 'hang', times: TEST_RESILIENCE.maxAttempts });
      expect(await ready(hanging)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'UPSTREAM_TIMEOUT' } });
    } finally {
      await hanging.close();
    }
  });

  it('with server-held credentials, a 401 is not ready: the credentials are wrong', async () => {
    const stack = await startStack({ facade: { serverCredentials: makeCredentials(DEMO_ACCOUNT_SID, 'not-the-token') } });
    try {
      expect(await ready(stack)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'UNAUTHENTICATED' } });
    } finally {
      await stack.close();
    }
  });
});
