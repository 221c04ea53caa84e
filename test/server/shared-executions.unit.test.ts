// The bounds of SharedExecutions (src/server/shared-executions.ts), which the socket tests cannot
// reach cheaply (the facade fixes 1,000 entries and 5 s): entries capped, old entries not reused,
// a failed execution not kept, and keys that stay small whatever the variables weigh.
import { parse, type ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedExecutions } from '../../src/server/shared-executions.ts';

const DOCUMENT = parse('subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { cursor } }');

/** An execute that counts its calls and answers a result naming the call. */
function counter() {
  const made = { calls: 0 };
  const execute = async (): Promise<ExecutionResult> => ({ data: { call: ++made.calls } });
  return { made, execute };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SharedExecutions bounds', () => {
  it('shares one execution (the same result object) per key while in flight and after', async () => {
    const shared = new SharedExecutions({ maxEntries: 10, maxAgeMs: 60_000 });
    const { made, execute } = counter();
    const inFlight = [shared.run('k', execute), shared.run('k', execute)];
    const [a, b] = await Promise.all(inFlight);
    const later = await shared.run('k', execute);
    expect(made.calls).toBe(1);
    expect(a).toBe(b);
    expect(later).toBe(a);
  });

  it('keeps at most maxEntries keys: the oldest is executed again, the newest still shared', async () => {
    const shared = new SharedExecutions({ maxEntries: 3, maxAgeMs: 60_000 });
    const { made, execute } = counter();
    for (let i = 0; i < 50; i++) await shared.run(`key ${i}`, execute);
    expect(made.calls).toBe(50);
    for (const recent of ['key 47', 'key 48', 'key 49']) await shared.run(recent, execute);
    expect(made.calls).toBe(50);
    await shared.run('key 0', execute);
    expect(made.calls).toBe(51);
  });

  it('does not reuse an entry older than maxAgeMs', async () => {
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const shared = new SharedExecutions({ maxEntries: 10, maxAgeMs: 5_000 });
    const { made, execute } = counter();
    const first = await shared.run('k', execute);
    now += 4_999;
    expect(await shared.run('k', execute)).toBe(first);
    now += 1;
    const second = await shared.run('k', execute);
    expect(made.calls).toBe(2);
    expect(second).not.toBe(first);
    expect(second).toEqual({ data: { call: 2 } });
  });

  it('does not keep a failed execution: the next run executes again', async () => {
    const shared = new SharedExecutions({ maxEntries: 10, maxAgeMs: 60_000 });
    let calls = 0;
    const failing = async (): Promise<ExecutionResult> => {
      calls++;
      throw new Error('upstream down');
    };
    // Subscribers in flight together share the failure…
    const together = [shared.run('k', failing), shared.run('k', failing)];
    for (const outcome of await Promise.allSettled(together)) expect(outcome.status).toBe('rejected');
    expect(calls).toBe(1);
    // …but once it settled it is forgotten.
    const { made, execute } = counter();
    expect(await shared.run('k', execute)).toEqual({ data: { call: 1 } });
    expect(made.calls).toBe(1);
  });

  it('keys distinct documents, operation names, variables and credentials apart', () => {
    const shared = new SharedExecutions({ maxEntries: 10, maxAgeMs: 60_000 });
    const other = parse('subscription ($sid: String!) { communicationAdded(conversationSid: $sid) { cursor } }');
    const keys = [
      shared.subscriptionKey(DOCUMENT, null, { sid: 'a' }, 'cred-1'),
      shared.subscriptionKey(other, null, { sid: 'a' }, 'cred-1'),
      shared.subscriptionKey(DOCUMENT, 'Named', { sid: 'a' }, 'cred-1'),
      shared.subscriptionKey(DOCUMENT, null, { sid: 'b' }, 'cred-1'),
      shared.subscriptionKey(DOCUMENT, null, { sid: 'a' }, 'cred-2'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(shared.subscriptionKey(DOCUMENT, null, { sid: 'a' }, 'cred-1')).toBe(keys[0]);
  });

  it('keeps a subscription key under 200 bytes for 50 KB of variables (1,000 of them cannot hold 50 MB)', () => {
    const shared = new SharedExecutions({ maxEntries: 1_000, maxAgeMs: 5_000 });
    const huge = { sid: 'conv_x', filler: 'x'.repeat(50_000) };
    const key = shared.subscriptionKey(DOCUMENT, 'Added', huge, 'credential-key-0000000');
    expect(Buffer.byteLength(key)).toBeLessThan(200);
    // Still apart from the same variables but one character.
    expect(shared.subscriptionKey(DOCUMENT, 'Added', { ...huge, filler: `${huge.filler.slice(1)}y` }, 'credential-key-0000000')).not.toBe(
      key,
    );
  });
});
