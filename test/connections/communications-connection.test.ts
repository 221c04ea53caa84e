// Conversation.communications against the emulator: every first/after and last/before walk,
// page boundaries, mixed sizes, filters, bad arguments and cursors; exact edges, exact pageInfo
// and exact upstream list calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunications, seedConversation } from '../helpers/seed.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const PAGE = graphql(`
  query CommunicationsPage($sid: String!, $first: Int, $after: String, $last: Int, $before: String, $channelId: String) {
    conversation(sid: $sid) {
      communications(first: $first, after: $after, last: $last, before: $before, channelId: $channelId) {
        edges { cursor node { sid } }
        nodes { sid }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`);

interface Page {
  ids: string[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  listCalls: number;
  pageSizesSent: string[];
}

let stack: Stack;
let small: { sid: string; ids: string[] };
let long: { sid: string; ids: string[] };
let empty: string;
let single: { sid: string; ids: string[] };
let filtered: { sid: string; ids: string[] };

beforeAll(async () => {
  stack = await startStack();
  const { emulator } = stack;
  small = { sid: seedConversation(emulator, 'small'), ids: [] };
  small.ids = seedCommunications(emulator, small.sid, 23);
  long = { sid: seedConversation(emulator, 'long'), ids: [] };
  long.ids = seedCommunications(emulator, long.sid, 2345);
  empty = seedConversation(emulator, 'empty');
  single = { sid: seedConversation(emulator, 'single'), ids: [] };
  single.ids = seedCommunications(emulator, single.sid, 1);
  filtered = { sid: seedConversation(emulator, 'filtered'), ids: [] };
  filtered.ids = seedCommunications(emulator, filtered.sid, 30, { channelId: (i) => (i % 3 === 0 ? 'CH-A' : 'CH-B') });
});

afterAll(() => stack.close());

async function page(sid: string, args: Record<string, unknown>): Promise<Page> {
  stack.takeUpstreamCalls();
  const response = await stack.graphql(PAGE, { sid, ...args });
  expect(response.errors).toBeUndefined();
  const connection = response.data.conversation!.communications;
  const calls = stack.takeUpstreamCalls().filter((call) => call.path.endsWith('/Communications'));
  const ids = connection.edges.map((edge) => edge.node.sid);
  expect(connection.nodes.map((node) => node.sid)).toEqual(ids);
  expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
  expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
  return {
    ids,
    pageInfo: connection.pageInfo,
    listCalls: calls.length,
    pageSizesSent: calls.map((call) => call.query.pageSize?.[0] ?? ''),
  };
}

async function errorOf(sid: string, args: Record<string, unknown>) {
  stack.takeUpstreamCalls();
  const response = await stack.graphql(PAGE, { sid, ...args });
  const listCalls = stack.takeUpstreamCalls().filter((call) => call.path.endsWith('/Communications')).length;
  return { errors: response.errors ?? [], listCalls };
}

/** Checks a page against the full list: its ids are a contiguous run, and pageInfo is exact. */
function expectExactPage(all: string[], result: Page, direction: 'forward' | 'backward', hadCursor: boolean) {
  const start = all.indexOf(result.ids[0]!);
  expect(result.ids).toEqual(all.slice(start, start + result.ids.length));
  const end = start + result.ids.length;
  if (direction === 'forward') {
    expect(result.pageInfo.hasNextPage).toBe(end < all.length);
    expect(result.pageInfo.hasPreviousPage).toBe(hadCursor);
  } else {
    expect(result.pageInfo.hasPreviousPage).toBe(start > 0);
    expect(result.pageInfo.hasNextPage).toBe(hadCursor);
  }
}

async function walkForward(sid: string, sizes: (step: number) => number) {
  const seen: string[] = [];
  const pages: Page[] = [];
  let after: string | undefined;
  for (let step = 0; step < 3000; step++) {
    const result = await page(sid, { first: sizes(step), ...(after ? { after } : {}) });
    pages.push(result);
    seen.push(...result.ids);
    if (!result.pageInfo.hasNextPage) break;
    after = result.pageInfo.endCursor!;
  }
  return { seen, pages };
}

async function walkBackward(sid: string, sizes: (step: number) => number) {
  const seen: string[] = [];
  const pages: Page[] = [];
  let before: string | undefined;
  for (let step = 0; step < 3000; step++) {
    const result = await page(sid, { last: sizes(step), ...(before ? { before } : {}) });
    pages.push(result);
    seen.unshift(...result.ids);
    if (!result.pageInfo.hasPreviousPage) break;
    before = result.pageInfo.startCursor!;
  }
  return { seen, pages };
}

describe('forward paging (first/after)', () => {
  it.each([1, 2, 3, 7, 10, 22, 23, 24, 1000])('first: %i walks the whole list in exact pages, one upstream call each', async (size) => {
    const { seen, pages } = await walkForward(small.sid, () => size);
    expect(seen).toEqual(small.ids);
    pages.forEach((result, i) => {
      expect(result.ids).toHaveLength(Math.min(size, small.ids.length - i * size));
      expectExactPage(small.ids, result, 'forward', i > 0);
      expect(result.listCalls).toBe(1);
      expect(result.pageSizesSent).toEqual([String(size)]);
    });
    expect(pages).toHaveLength(Math.ceil(small.ids.length / size));
  });

  it('pages across many upstream pages of a long list at one call per request', async () => {
    const { seen, pages } = await walkForward(long.sid, () => 100);
    expect(seen).toEqual(long.ids);
    expect(pages).toHaveLength(24);
    expect(pages.map((p) => p.listCalls)).toEqual(Array(24).fill(1));
    expect(pages.map((p) => p.ids.length)).toEqual([...Array(23).fill(100), 45]);
  });

  it('defaults to 20 items when neither first nor last is given', async () => {
    const result = await page(long.sid, {});
    expect(result.ids).toEqual(long.ids.slice(0, 20));
    expect(result.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });
});

describe('backward paging (last/before)', () => {
  it.each([1, 2, 3, 7, 10, 22, 23, 24, 1000])('last: %i walks back to the start in exact pages, one upstream call each', async (size) => {
    const { seen, pages } = await walkBackward(small.sid, () => size);
    expect(seen).toEqual(small.ids);
    pages.forEach((result, i) => {
      const remaining = small.ids.length - i * size;
      expect(result.ids).toEqual(small.ids.slice(Math.max(0, remaining - size), remaining));
      expectExactPage(small.ids, result, 'backward', i > 0);
      expect(result.listCalls).toBe(1);
    });
  });

  it('`last` without `before` returns the newest items of a long list, then one call per page back', async () => {
    const { seen, pages } = await walkBackward(long.sid, () => 100);
    expect(seen).toEqual(long.ids);
    // Finding the end walks the list at the upstream's largest page size: 1000 + 1000 + 345.
    expect(pages[0]!.listCalls).toBe(3);
    expect(pages[0]!.pageSizesSent).toEqual(['1000', '1000', '1000']);
    expect(pages[0]!.ids).toEqual(long.ids.slice(-100));
    expect(pages.slice(1).map((p) => p.listCalls)).toEqual(Array(pages.length - 1).fill(1));
    for (const [i, result] of pages.entries()) expectExactPage(long.ids, result, 'backward', i > 0);
    // Every page is full except one: where a page meets the boundary of the upstream's
    // 1000-item pages it stops there, so the next request starts on the boundary at one call.
    const short = pages.filter((p, i) => p.ids.length < 100 && i < pages.length - 1);
    expect(short.map((p) => p.ids.length)).toEqual([45]);
  });
});

describe('mixed page sizes and direction changes', () => {
  const sizes = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7];

  it('forward with a different size each request: no duplicates, no gaps, exact pageInfo', async () => {
    const { seen, pages } = await walkForward(small.sid, (step) => sizes[step % sizes.length]!);
    expect(seen).toEqual(small.ids);
    pages.forEach((result, i) => {
      expect(result.ids.length).toBeGreaterThan(0);
      expect(result.ids.length).toBeLessThanOrEqual(sizes[i % sizes.length]!);
      expectExactPage(small.ids, result, 'forward', i > 0);
    });
  });

  it('backward with a different size each request: no duplicates, no gaps, exact pageInfo', async () => {
    const { seen, pages } = await walkBackward(small.sid, (step) => sizes[step % sizes.length]!);
    expect(seen).toEqual(small.ids);
    for (const [i, result] of pages.entries()) expectExactPage(small.ids, result, 'backward', i > 0);
  });

  it('mixed sizes across upstream pages of a long list never send a token with another pageSize', async () => {
    // The emulator answers 400 to a token sent with any other pageSize; page() asserts no errors.
    const { seen } = await walkForward(long.sid, (step) => [100, 250, 7, 1000][step % 4]!);
    expect(seen).toEqual(long.ids);
  });

  it('turns around: `last` before a forward page’s startCursor returns exactly the page before it', async () => {
    const first = await page(small.sid, { first: 5 });
    const second = await page(small.sid, { first: 5, after: first.pageInfo.endCursor });
    const back = await page(small.sid, { last: 5, before: second.pageInfo.startCursor });
    expect(back.ids).toEqual(first.ids);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(back.listCalls).toBe(1);
  });

  it('turns around: `first` after a backward page’s endCursor returns exactly the page after it', async () => {
    const newest = await page(small.sid, { last: 5 });
    const older = await page(small.sid, { last: 5, before: newest.pageInfo.startCursor });
    const forward = await page(small.sid, { first: 5, after: older.pageInfo.endCursor });
    expect(forward.ids).toEqual(newest.ids);
    expect(forward.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(forward.listCalls).toBe(1);
  });

  it('any edge cursor works as `after` and `before`, not just the page ends', async () => {
    const all = await page(small.sid, { first: 23 });
    const response = await stack.graphql(PAGE, { sid: small.sid, first: 23 });
    const cursors: string[] = response.data.conversation!.communications.edges.map((e) => e.cursor);
    for (const i of [0, 5, 11, 22]) {
      const after = await page(small.sid, { first: 4, after: cursors[i] });
      expect(after.ids).toEqual(all.ids.slice(i + 1, i + 5));
      const before = await page(small.sid, { last: 4, before: cursors[i] });
      expect(before.ids).toEqual(all.ids.slice(Math.max(0, i - 4), i));
      expect(before.pageInfo.hasPreviousPage).toBe(i > 4);
    }
  });

  it('`first` with `before`, `last` with `after`, and both cursors bound a window', async () => {
    const response = await stack.graphql(PAGE, { sid: small.sid, first: 23 });
    const cursors: string[] = response.data.conversation!.communications.edges.map((e) => e.cursor);
    const firstBefore = await page(small.sid, { first: 10, before: cursors[4] });
    expect(firstBefore.ids).toEqual(small.ids.slice(0, 4));
    expect(firstBefore.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const lastAfter = await page(small.sid, { last: 3, after: cursors[10] });
    expect(lastAfter.ids).toEqual(small.ids.slice(20, 23));
    expect(lastAfter.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const window = await page(small.sid, { first: 100, after: cursors[3], before: cursors[9] });
    expect(window.ids).toEqual(small.ids.slice(4, 9));
    const windowBack = await page(small.sid, { last: 2, after: cursors[3], before: cursors[9] });
    expect(windowBack.ids).toEqual(small.ids.slice(7, 9));
  });
});

describe('edge cases', () => {
  it('an empty list', async () => {
    for (const args of [{ first: 10 }, { last: 10 }]) {
      const result = await page(empty, args);
      expect(result.ids).toEqual([]);
      expect(result.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
      expect(result.listCalls).toBe(1);
    }
  });

  it('a single item, and nothing on either side of it', async () => {
    const forward = await page(single.sid, { first: 1 });
    expect(forward.ids).toEqual(single.ids);
    expect(forward.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const backward = await page(single.sid, { last: 1 });
    expect(backward.ids).toEqual(single.ids);
    expect(backward.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const beforeIt = await page(single.sid, { last: 5, before: forward.pageInfo.startCursor });
    expect(beforeIt.ids).toEqual([]);
    expect(beforeIt.pageInfo.hasPreviousPage).toBe(false);
    expect(beforeIt.listCalls).toBe(0);
  });

  it('a list that grows: `after` the old end cursor returns the new items', async () => {
    const sid = seedConversation(stack.emulator, 'growing');
    const initial = seedCommunications(stack.emulator, sid, 4);
    const first = await page(sid, { first: 10 });
    expect(first.ids).toEqual(initial);
    expect(first.pageInfo.hasNextPage).toBe(false);
    const added = seedCommunications(stack.emulator, sid, 3, { prefix: 'late' });
    const next = await page(sid, { first: 10, after: first.pageInfo.endCursor });
    expect(next.ids).toEqual(added);
    expect(next.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(next.listCalls).toBe(1);
  });
});

describe('filters', () => {
  const onChannelA = () => filtered.ids.filter((_, i) => i % 3 === 0);

  it('channelId filters every page, forward and backward', async () => {
    const forward = await walkForward(filtered.sid, () => 3);
    expect(forward.seen).toEqual(filtered.ids);
    const seen: string[] = [];
    let after: string | undefined;
    for (let step = 0; step < 20; step++) {
      const result = await page(filtered.sid, { first: 3, channelId: 'CH-A', ...(after ? { after } : {}) });
      seen.push(...result.ids);
      expectExactPage(onChannelA(), result, 'forward', step > 0);
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor!;
    }
    expect(seen).toEqual(onChannelA());
    const back = await page(filtered.sid, { last: 4, channelId: 'CH-A' });
    expect(back.ids).toEqual(onChannelA().slice(-4));
  });

  it('a cursor of the filtered list is refused on the unfiltered one and the other way round, at no upstream cost', async () => {
    const a = await page(filtered.sid, { first: 2, channelId: 'CH-A' });
    const plain = await page(filtered.sid, { first: 2 });
    for (const args of [
      { first: 2, after: a.pageInfo.endCursor },
      { first: 2, after: plain.pageInfo.endCursor, channelId: 'CH-A' },
      { first: 2, after: plain.pageInfo.endCursor, channelId: 'CH-B' },
    ]) {
      const { errors, listCalls } = await errorOf(filtered.sid, args);
      expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors[0]!.message).toMatch(/different list/);
      expect(listCalls).toBe(0);
    }
  });
});

describe('bad arguments and cursors cost nothing upstream', () => {
  it.each([
    ['first and last together', { first: 2, last: 2 }, /either `first` or `last`/],
    ['first: 0', { first: 0 }, /between 1 and 1000/],
    ['first: 1001', { first: 1001 }, /between 1 and 1000/],
    ['last: 0', { last: 0 }, /between 1 and 1000/],
    ['last: -5', { last: -5 }, /between 1 and 1000/],
    ['last: 5000', { last: 5000 }, /between 1 and 1000/],
  ])('%s → BAD_USER_INPUT', async (_name, args, message) => {
    const { errors, listCalls } = await errorOf(small.sid, args);
    expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errors[0]!.message).toMatch(message);
    expect(listCalls).toBe(0);
  });

  it('forged, tampered, foreign, empty and huge cursors → BAD_USER_INPUT', async () => {
    const real = (await page(small.sid, { first: 3 })).pageInfo.endCursor!;
    const other = (await page(long.sid, { first: 3 })).pageInfo.endCursor!;
    const [body, mac] = real.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as unknown[];
    payload[5] = 0;
    const reSigned = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    const flipped = `${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}.${mac}`;
    const cases = {
      garbage: 'not-a-cursor',
      tampered: flipped,
      forgedPayload: reSigned,
      foreign: other,
      base64Json: Buffer.from('{"id":"x"}').toString('base64'),
      huge: 'A'.repeat(100_000),
      empty: '',
    };
    for (const [name, cursor] of Object.entries(cases)) {
      for (const args of [
        { first: 2, after: cursor },
        { last: 2, before: cursor },
      ]) {
        const { errors, listCalls } = await errorOf(small.sid, args);
        expect(
          errors.map((e) => e.extensions?.code),
          name,
        ).toEqual(['BAD_USER_INPUT']);
        expect(listCalls, name).toBe(0);
      }
    }
  });
});
