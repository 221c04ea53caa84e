// GraphiQL's createCommunication tab and the README's mutation example must not share an
// idempotency key: everyone who ran either would send the same key, so against one account a
// stranger's run could replay, or conflict with, yours. The tab's key is made at start.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { graphiqlTabs } from '../src/graphiql.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The key both used to carry. */
const FORMERLY_SHARED = '5f0c6f2e-3c1a-4d55-9a8e-2b7f0d1c9e11';

const tabKey = (tabs: ReturnType<typeof graphiqlTabs>) => (JSON.parse(tabs[1]!.variables) as { input: { idempotencyKey: string } }).input.idempotencyKey;

describe('idempotency keys of the examples', () => {
  it('the GraphiQL mutation tab gets a fresh UUID each start, never the README example’s', () => {
    const keys = Array.from({ length: 3 }, () => tabKey(graphiqlTabs(undefined)));
    for (const key of keys) expect(key).toMatch(UUID);
    expect(new Set(keys).size).toBe(3);
    const readmeKeys = [...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(/idempotencyKey: "([^"]+)"/g)].map((match) => match[1]);
    expect(readmeKeys).toHaveLength(1);
    expect(readmeKeys[0]).toMatch(UUID);
    expect(readmeKeys[0]).not.toBe(FORMERLY_SHARED);
    expect(keys).not.toContain(readmeKeys[0]);
    expect(keys).not.toContain(FORMERLY_SHARED);
  });

  it('one start, one key: the tab runs twice with the same key, which is what shows the replay', () => {
    const tabs = graphiqlTabs(undefined, '0b6f1f4e-58a4-4d0e-9a53-1f7c2f7d9e20');
    expect(tabKey(tabs)).toBe('0b6f1f4e-58a4-4d0e-9a53-1f7c2f7d9e20');
    expect(tabs[1]!.query).toMatch(/Run it twice/);
  });
});
