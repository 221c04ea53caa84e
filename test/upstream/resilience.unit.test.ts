// UpstreamGuard in memory: scripted attempts, a fake clock (vitest's fake timers drive opossum's
// window and reset timers; the guard's `now` and `sleep` seams read and advance the same clock) and
// a seeded random, so every retry decision, wait and breaker transition is asserted exactly and a
// broken rule points here rather than at an HTTP test three layers up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../src/emulator/prng.ts';
import { errorForStatus, timeoutError, unavailableError, UpstreamError } from '../../src/upstream/errors.ts';
import { type AttemptInfo, type BreakerState, type ResilienceOptions, UpstreamGuard } from '../../src/upstream/resilience.ts';

const START = Date.parse('2026-01-01T00:00:00Z');
const GET: AttemptInfo = { method: 'GET' };
const POST: AttemptInfo = { method: 'POST' };

const status = (code: number, retryAfter?: number) => errorForStatus(code, 'ListConversations', {}, retryAfter);
const dropped = () => unavailableError('ListConversations', 'connection reset', true);

/** An attempt that plays its outcomes in order ('ok' answers) and counts its calls. */
function scripted(...outcomes: Array<UpstreamError | 'ok'>) {
  let calls = 0;
  const attempt = async () => {
    const outcome = outcomes[calls++];
    if (outcome === undefined) throw new Error(`attempt ${calls} was not scripted`);
    if (outcome !== 'ok') throw outcome;
    return `answer ${calls}`;
  };
  return Object.assign(attempt, { calls: () => calls });
}

/** An attempt that stays pending until the test settles it. */
function held() {
  let calls = 0;
  let settle: { resolve: (value: string) => void; reject: (error: unknown) => void } | undefined;
  const attempt = () => {
    calls++;
    return new Promise<string>((resolve, reject) => {
      settle = { resolve, reject };
    });
  };
  return Object.assign(attempt, { calls: () => calls, settle: () => settle! });
}

/** Lets pending promise chains run (bounded; no timers involved). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: UpstreamError) => error,
  );
}

let guard: UpstreamGuard | undefined;
let sleeps: number[];
let states: BreakerState[];
let retries: string[];
let rejections: string[];

function setup(overrides: Partial<ResilienceOptions> = {}, breaker: Partial<ResilienceOptions['breaker']> = {}): UpstreamGuard {
  guard = new UpstreamGuard(
    {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      maxRetryAfterMs: 5_000,
      maxConcurrent: 4,
      maxQueue: 4,
      // High volume by default, so the retry tests never trip it.
      breaker: { failureThresholdPercent: 50, volumeThreshold: 1_000, windowMs: 10_000, resetTimeoutMs: 5_000, ...breaker },
      random: () => 0.5,
      now: () => Date.now(),
      // Waiting is advancing the fake clock; an abort that fires meanwhile ends the wait, as the real one does.
      sleep: async (ms, signal) => {
        sleeps.push(ms);
        vi.advanceTimersByTime(ms);
        if (signal?.aborted) throw signal.reason;
      },
      ...overrides,
    },
    {
      onRetry: (reason) => retries.push(reason),
      onBreakerState: (state) => states.push(state),
      onRejected: (reason) => rejections.push(reason),
    },
  );
  return guard;
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
  sleeps = [];
  states = [];
  retries = [];
  rejections = [];
});

afterEach(() => {
  guard?.close();
  guard = undefined;
  vi.useRealTimers();
});

describe('retries', () => {
  it('retries an idempotent GET on 429, 500, 502, 503 and 504, then returns the answer', async () => {
    const attempt = scripted(status(429), status(500), status(502), status(503), status(504), 'ok');
    await expect(setup({ maxAttempts: 6 }).run(attempt, GET)).resolves.toBe('answer 6');
    expect(attempt.calls()).toBe(6);
    expect(retries).toEqual(['429', '500', '502', '503', '504']);
    // random 0.5 of the ceilings 100, 200, 400, 800, 1000 (capped).
    expect(sleeps).toEqual([50, 100, 200, 400, 500]);
  });

  it('retries a dropped connection for GET, HEAD, PUT, DELETE and OPTIONS', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) {
      const attempt = scripted(dropped(), dropped(), 'ok');
      await expect(setup().run(attempt, { method })).resolves.toBe('answer 3');
      expect(attempt.calls(), method).toBe(3);
      guard!.close();
    }
    expect(sleeps).toEqual([50, 100, 50, 100, 50, 100, 50, 100, 50, 100]);
    expect(retries).toEqual(Array(10).fill('connection'));
  });

  it('does not retry an answer the caller caused, nor a timeout (the request may have been processed)', async () => {
    const notRetried = [400, 401, 403, 404, 408, 409, 501].map((code) => status(code));
    for (const error of [...notRetried, timeoutError('ListConversations', 'headers')]) {
      const attempt = scripted(error, 'ok');
      expect(await failure(setup().run(attempt, GET))).toBe(error);
      expect(attempt.calls(), error.detail).toBe(1);
      guard!.close();
    }
    expect(sleeps).toEqual([]);
  });

  it('retries a POST or PATCH without an Idempotency-Key on 429 only (Twilio never processed it)', async () => {
    for (const method of ['POST', 'PATCH']) {
      for (const error of [status(500), status(502), status(503), status(504), dropped()]) {
        const attempt = scripted(error, 'ok');
        expect(await failure(setup().run(attempt, { method }))).toBe(error);
        expect(attempt.calls(), `${method} ${error.detail}`).toBe(1);
        guard!.close();
      }
    }
    expect(sleeps).toEqual([]);
    const attempt = scripted(status(429), status(429), 'ok');
    await expect(setup().run(attempt, POST)).resolves.toBe('answer 3');
    expect(attempt.calls()).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('retries a POST that carries an Idempotency-Key on 5xx and dropped connections', async () => {
    const attempt = scripted(status(503), dropped(), status(500), 'ok');
    await expect(setup().run(attempt, { method: 'POST', idempotencyKey: 'key-1' })).resolves.toBe('answer 4');
    expect(attempt.calls()).toBe(4);
    expect(retries).toEqual(['503', 'connection', '500']);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('stops at maxAttempts and throws the last attempt’s error', async () => {
    const last = status(503);
    const attempt = scripted(status(500), status(502), last, 'ok');
    expect(await failure(setup({ maxAttempts: 3 }).run(attempt, GET))).toBe(last);
    expect(attempt.calls()).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('maxAttempts 1 never retries', async () => {
    const attempt = scripted(status(503), 'ok');
    expect((await failure(setup({ maxAttempts: 1 }).run(attempt, GET))).status).toBe(503);
    expect(attempt.calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });
});

describe('backoff', () => {
  it('full jitter with a seeded random: each wait is floor(draw × min(maxDelayMs, baseDelayMs × 2^(n−1)))', async () => {
    const seeded = seededRandom(42);
    const draws: number[] = [];
    const attempt = scripted(status(503), status(503), status(503), status(503), status(503), status(503), 'ok');
    await setup({ maxAttempts: 7, random: () => draws[draws.push(seeded()) - 1]! }).run(attempt, GET);
    expect(attempt.calls()).toBe(7);
    const ceilings = [100, 200, 400, 800, 1_000, 1_000];
    expect(draws).toHaveLength(6);
    expect(sleeps).toEqual(draws.map((draw, i) => Math.floor(draw * ceilings[i]!)));
    // The same seed gives the same waits on every run.
    expect(sleeps).toEqual([60, 89, 340, 535, 174, 526]);
  });

  it('bounds: a draw of 0 waits 0 ms; a draw just under 1 waits the ceiling − 1, never more than maxDelayMs', async () => {
    const six503 = () => scripted(status(503), status(503), status(503), status(503), status(503), status(503), 'ok');
    await setup({ maxAttempts: 7, random: () => 0 }).run(six503(), GET);
    expect(sleeps).toEqual([0, 0, 0, 0, 0, 0]);
    guard!.close();
    sleeps = [];
    await setup({ maxAttempts: 7, random: () => 1 - 2 ** -53 }).run(six503(), GET);
    expect(sleeps).toEqual([99, 199, 399, 799, 999, 999]);
  });
});

describe('Retry-After', () => {
  it('waits exactly the Retry-After the upstream gave, up to maxRetryAfterMs, instead of drawing a backoff', async () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.5;
    };
    const attempt = scripted(status(429, 5), status(503, 2), 'ok');
    await expect(setup({ random }).run(attempt, GET)).resolves.toBe('answer 3');
    expect(attempt.calls()).toBe(3);
    expect(sleeps).toEqual([5_000, 2_000]);
    expect(draws).toBe(0);
    expect(Date.now() - START).toBe(7_000);
  });

  it('a Retry-After longer than maxRetryAfterMs fails at once: RATE_LIMITED with retryAfter, one attempt, no wait', async () => {
    const attempt = scripted(status(429, 6), 'ok');
    const error = await failure(setup().run(attempt, POST));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.extensions.retryAfter).toBe(6);
    expect(attempt.calls()).toBe(1);
    expect(sleeps).toEqual([]);
    expect(retries).toEqual([]);
  });
});

describe('deadline', () => {
  it('stops retrying when the next wait would end at or past the request deadline (no wait past it)', async () => {
    const second = status(503);
    const attempt = scripted(status(503), second, 'ok');
    // Draws just under 1: waits of 99 then 199; 99 + 199 = 298 ≥ 250.
    const error = await failure(setup({ random: () => 1 - 2 ** -53 }).run(attempt, { method: 'GET', deadline: START + 250 }));
    expect(error).toBe(second);
    expect(attempt.calls()).toBe(2);
    expect(sleeps).toEqual([99]);
    expect(Date.now() - START).toBe(99);
  });

  it('a wait that would end exactly at the deadline is not started', async () => {
    const first = status(502);
    const attempt = scripted(first, 'ok');
    expect(await failure(setup({ random: () => 1 - 2 ** -53 }).run(attempt, { method: 'GET', deadline: START + 99 }))).toBe(first);
    expect(attempt.calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('the request aborting during a wait ends the call with UPSTREAM_TIMEOUT and no further attempt', async () => {
    const request = new AbortController();
    setTimeout(() => request.abort(), 30);
    const attempt = scripted(status(503), 'ok');
    const error = await failure(setup().run(attempt, { method: 'GET', signal: request.signal }));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(attempt.calls()).toBe(1);
    expect(sleeps).toEqual([50]);
  });
});

describe('circuit breaker', () => {
  const BREAKER = { failureThresholdPercent: 50, volumeThreshold: 4, windowMs: 10_000, resetTimeoutMs: 5_000 };

  /** Four 500s in a row: over volumeThreshold with 100 % failures. */
  async function trip(g: UpstreamGuard): Promise<void> {
    for (let i = 0; i < 4; i++) await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('open');
  }

  it('opens on the call that reaches volumeThreshold over the failure share, then fails fast without calling', async () => {
    const g = setup({ maxAttempts: 1 }, BREAKER);
    for (let i = 0; i < 3; i++) await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('closed');
    await failure(g.run(scripted(status(503)), GET));
    expect(g.breakerState).toBe('open');
    expect(states).toEqual(['open']);

    const attempt = scripted('ok');
    const error = await failure(g.run(attempt, GET));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.detail).toBe('circuit breaker open');
    expect(attempt.calls()).toBe(0);
    expect(rejections).toEqual(['breaker-open']);
  });

  it('counts failures within windowMs only: the same failures spread wider stay closed', async () => {
    const g = setup({ maxAttempts: 1 }, BREAKER);
    for (let i = 0; i < 3; i++) await failure(g.run(scripted(status(500)), GET));
    vi.advanceTimersByTime(10_000);
    for (let i = 0; i < 3; i++) await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('closed');
    await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('open');
  });

  it('a retried call’s attempts each count (one GET with four 503s opens it); once open, a retryable call is neither made nor retried', async () => {
    const g = setup({ maxAttempts: 4 }, BREAKER);
    const attempt = scripted(status(503), status(503), status(503), status(503));
    await failure(g.run(attempt, GET));
    expect(attempt.calls()).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
    expect(g.breakerState).toBe('open');
    const next = scripted('ok');
    expect((await failure(g.run(next, GET))).detail).toBe('circuit breaker open');
    expect(next.calls()).toBe(0);
    expect(sleeps).toEqual([50, 100, 200]);
    expect(rejections).toEqual(['breaker-open']);
  });

  it('half-opens after resetTimeoutMs, lets exactly one probe through, and closes when it succeeds', async () => {
    const g = setup({ maxAttempts: 1 }, BREAKER);
    await trip(g);
    vi.advanceTimersByTime(4_999);
    expect(g.breakerState).toBe('open');
    vi.advanceTimersByTime(1);
    expect(g.breakerState).toBe('half-open');

    const probe = held();
    const probeCall = g.run(probe, GET);
    await flush();
    expect(probe.calls()).toBe(1);
    const second = scripted('ok');
    expect((await failure(g.run(second, GET))).detail).toBe('circuit breaker open');
    expect(second.calls()).toBe(0);

    probe.settle().resolve('probe answer');
    await expect(probeCall).resolves.toBe('probe answer');
    expect(g.breakerState).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    const after = scripted('ok');
    await expect(g.run(after, GET)).resolves.toBe('answer 1');
    expect(after.calls()).toBe(1);
  });

  it('a failed probe opens it again for another resetTimeoutMs', async () => {
    const g = setup({ maxAttempts: 1 }, BREAKER);
    await trip(g);
    vi.advanceTimersByTime(5_000);
    await failure(g.run(scripted(status(502)), GET));
    expect(g.breakerState).toBe('open');
    const attempt = scripted('ok');
    await failure(g.run(attempt, GET));
    expect(attempt.calls()).toBe(0);
    vi.advanceTimersByTime(5_000);
    await expect(g.run(attempt, GET)).resolves.toBe('answer 1');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('callers’ 4xx do not count as failures: 4 × 4xx then 4 × 500 is 50 %, not over the threshold', async () => {
    const g = setup({ maxAttempts: 1 }, BREAKER);
    for (const code of [400, 401, 404, 429]) await failure(g.run(scripted(status(code)), POST));
    for (let i = 0; i < 4; i++) await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('closed');
    // The 500s did count: one more is 5 of 9.
    await failure(g.run(scripted(status(500)), GET));
    expect(g.breakerState).toBe('open');
    expect(states).toEqual(['open']);
  });
});

describe('bounded queue', () => {
  it('a full queue refuses at once with UPSTREAM_UNAVAILABLE without calling; a queued call runs when a slot frees', async () => {
    const g = setup({ maxConcurrent: 1, maxQueue: 1 });
    const first = held();
    const firstCall = g.run(first, GET);
    const queued = scripted('ok');
    const queuedCall = g.run(queued, GET);
    const refused = scripted('ok');
    const error = await failure(g.run(refused, GET));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.detail).toBe('upstream queue full');
    expect(refused.calls()).toBe(0);
    expect(rejections).toEqual(['queue-full']);
    await flush();
    expect(first.calls()).toBe(1);
    expect(queued.calls()).toBe(0);

    first.settle().resolve('first answer');
    await expect(firstCall).resolves.toBe('first answer');
    await expect(queuedCall).resolves.toBe('answer 1');
    expect(queued.calls()).toBe(1);
    expect(Date.now() - START).toBe(0);
  });

  it('a queued call whose request aborts leaves the queue with UPSTREAM_TIMEOUT (never the DOMException), never calling, and frees its place', async () => {
    const g = setup({ maxConcurrent: 1, maxQueue: 1 });
    const first = held();
    const firstCall = g.run(first, GET);
    const request = new AbortController();
    const queued = scripted('ok');
    const queuedCall = g.run(queued, { method: 'GET', signal: request.signal });
    request.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    const error = await failure(queuedCall);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('UPSTREAM_TIMEOUT');
    // Its place is free again: another call queues instead of being refused.
    const next = scripted('ok');
    const nextCall = g.run(next, GET);
    first.settle().resolve('first answer');
    await firstCall;
    await expect(nextCall).resolves.toBe('answer 1');
    expect(queued.calls()).toBe(0);
    expect(rejections).toEqual([]);
  });
});
