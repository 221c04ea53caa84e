// The in-memory delivery de-duplication: a repeat within the TTL is refused, memory is bounded by
// entries and by age, and a released claim lets a retry through.
import { describe, expect, it } from 'vitest';
import { InMemoryDeduper } from '../../src/live/dedupe.ts';

function clock() {
  let now = 1000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('InMemoryDeduper', () => {
  it('the first claim of a key wins, a repeat within the TTL does not', async () => {
    const deduper = new InMemoryDeduper({ ttlMs: 1000, maxEntries: 10 });
    expect(await deduper.claim('a')).toBe(true);
    expect(await deduper.claim('a')).toBe(false);
    expect(await deduper.claim('b')).toBe(true);
  });

  it('of many concurrent claims of one key, exactly one wins', async () => {
    const deduper = new InMemoryDeduper({ ttlMs: 1000, maxEntries: 10 });
    const results = await Promise.all(Array.from({ length: 20 }, () => deduper.claim('same')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a key once its TTL has passed, and only then', async () => {
    const time = clock();
    const deduper = new InMemoryDeduper({ ttlMs: 1000, maxEntries: 10, now: time.now });
    expect(await deduper.claim('a')).toBe(true);
    time.advance(999);
    expect(await deduper.claim('a')).toBe(false);
    time.advance(1);
    expect(deduper.size).toBe(0);
    expect(await deduper.claim('a')).toBe(true);
  });

  it('holds at most maxEntries: the oldest are forgotten first', async () => {
    const time = clock();
    const deduper = new InMemoryDeduper({ ttlMs: 60_000, maxEntries: 100, now: time.now });
    for (let i = 0; i < 1000; i++) {
      expect(await deduper.claim(`key-${i}`)).toBe(true);
      time.advance(1);
    }
    expect(deduper.size).toBe(100);
    expect(await deduper.claim('key-999')).toBe(false); // among the newest 100
    expect(await deduper.claim('key-900')).toBe(false);
    expect(await deduper.claim('key-899')).toBe(true); // forgotten: over the bound
    expect(deduper.size).toBe(100);
  });

  it('expired entries are dropped as time passes, so memory follows the TTL', async () => {
    const time = clock();
    const deduper = new InMemoryDeduper({ ttlMs: 100, maxEntries: 1_000_000, now: time.now });
    for (let i = 0; i < 10_000; i++) {
      time.advance(1);
      await deduper.claim(`key-${i}`);
    }
    expect(deduper.size).toBe(100); // the last 100 ms of claims
  });

  it('release() forgets a claim (its delivery could not be published), so the retry wins', async () => {
    const deduper = new InMemoryDeduper({ ttlMs: 1000, maxEntries: 10 });
    expect(await deduper.claim('a')).toBe(true);
    await deduper.release('a');
    expect(await deduper.claim('a')).toBe(true);
  });

  it('refuses bounds that would not bound anything', () => {
    expect(() => new InMemoryDeduper({ ttlMs: 0, maxEntries: 10 })).toThrow(RangeError);
    expect(() => new InMemoryDeduper({ ttlMs: 10, maxEntries: 0 })).toThrow(RangeError);
  });
});
