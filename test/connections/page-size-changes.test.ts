// Changing the page size between requests (issue 9 item 5), on the demo thread (128
// communications) through HTTP: a cursor read at one size continues at another along the cheapest
// plan, its own tokens or a walk from the start at the largest page size; a request that would
// need more upstream pages than the budget returns what it read, with exact pageInfo. Upstream
// calls are counted by the emulator's request log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_LONG_CONVERSATION } from '../../src/emulator/index.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { graphql } from '../generated/index.ts';

const DEMO = { authorization: `Basic ${Buffer.from(`${DEMO_ACCOUNT_SID}:${DEMO_AUTH_TOKEN}`).toString('base64')}` };

const PAGE = graphql(`
  query SizeChangePage($sid: String!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(sid: $sid) {
      communications(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { sid } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`);

let stack: Stack;
let budgetOfOne: Stack;
let thread: string[];

async function listAll(target: Stack): Promise<string[]> {
  const response = await fetch(`${target.emulator.url}/v2/Conversations/${DEMO_LONG_CONVERSATION}/Communications?pageSize=1000`, {
    headers: DEMO,
  });
  return ((await response.json()) as { communications: { id: string }[] }).communications.map((c) => c.id);
}

beforeAll(async () => {
  [stack, budgetOfOne] = await Promise.all([
    startStack({ emulator: { seedDemoData: true } }),
    startStack({ emulator: { seedDemoData: true }, facade: { maxPagesPerConnection: 1 } }),
  ]);
  thread = await listAll(stack);
});

afterAll(() => Promise.all([stack.close(), budgetOfOne.close()]));

async function page(args: Record<string, unknown>, target = stack) {
  target.takeUpstreamCalls();
  const response = await target.graphql(PAGE, { sid: DEMO_LONG_CONVERSATION, ...args }, DEMO);
  const lists = target.takeUpstreamCalls().filter((call) => call.path.endsWith('/Communications'));
  expect(response.errors).toBeUndefined();
  const connection = response.data.conversation!.communications;
  return {
    ids: connection.edges.map((edge) => edge.node.sid),
    pageInfo: connection.pageInfo as { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string },
    cursors: connection.edges.map((edge) => edge.cursor),
    listCalls: lists.length,
    pageSizes: lists.map((call) => call.query.pageSize?.[0]),
  };
}

describe('page-size changes cost one upstream call, never an error', () => {
  it('the demo thread has 128 communications', () => {
    expect(thread).toHaveLength(128);
  });

  it('first: 1 then first: 30 after its endCursor: 30 items in one list call (was 20 calls and QUERY_TOO_COMPLEX)', async () => {
    const one = await page({ first: 1 });
    const thirty = await page({ first: 30, after: one.pageInfo.endCursor });
    expect(thirty.ids).toEqual(thread.slice(1, 31));
    expect(thirty.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(thirty.listCalls).toBe(1);
    expect(thirty.pageSizes).toEqual(['1000']);
    const next = await page({ first: 30, after: thirty.pageInfo.endCursor });
    expect(next.ids).toEqual(thread.slice(31, 61));
    expect(next.listCalls).toBe(1);
  });

  it('first: 10 then first: 50, twice: one list call each (was 5)', async () => {
    const ten = await page({ first: 10 });
    const fifty = await page({ first: 50, after: ten.pageInfo.endCursor });
    expect(fifty.ids).toEqual(thread.slice(10, 60));
    expect(fifty.listCalls).toBe(1);
    const more = await page({ first: 50, after: fifty.pageInfo.endCursor });
    expect(more.ids).toEqual(thread.slice(60, 110));
    expect(more.listCalls).toBe(1);
  });

  it('back with a larger size: last: 50 before the start of a 10-item page at 60 is one list call (was 5)', async () => {
    let current = await page({ first: 10 });
    for (let i = 0; i < 5; i++) current = await page({ first: 10, after: current.pageInfo.endCursor });
    expect(current.ids).toEqual(thread.slice(50, 60));
    const back = await page({ last: 50, before: current.pageInfo.startCursor });
    expect(back.ids).toEqual(thread.slice(0, 50));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(back.listCalls).toBe(1);
  });

  it('last: 10 then last: 50 before its startCursor: one list call', async () => {
    const newest = await page({ last: 10 });
    expect(newest.ids).toEqual(thread.slice(118));
    const older = await page({ last: 50, before: newest.pageInfo.startCursor });
    expect(older.ids).toEqual(thread.slice(68, 118));
    expect(older.listCalls).toBe(1);
  });

  it('over the page budget (1 page): first: 7 then first: 1000 returns what its one call read, pageInfo exact (was QUERY_TOO_COMPLEX)', async () => {
    const seven = await page({ first: 7 }, budgetOfOne);
    const rest = await page({ first: 1000, after: seven.pageInfo.endCursor }, budgetOfOne);
    expect(rest.ids).toEqual(thread.slice(7));
    expect(rest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(rest.listCalls).toBe(1);
  });

  it('over the page budget: last: 2 on a list longer than the budget reaches returns the last 2 it read, with hasNextPage: true (was QUERY_TOO_COMPLEX)', async () => {
    // 1,001 communications: the walk to the end needs 2 pages of 1000; the budget is 1.
    const sid = budgetOfOne.emulator.data.createConversation(DEMO_ACCOUNT_SID, {
      configurationId: 'conv_configuration_01jaaaaaaaaaaaaaaaaaaaaaaa',
      name: 'long',
    }).id;
    const ids: string[] = [];
    for (let i = 0; i < 1001; i++) {
      const created = budgetOfOne.emulator.data.createCommunication(DEMO_ACCOUNT_SID, sid, {
        author: { address: '+15005550001', channel: 'SMS' },
        recipients: [{ address: '+15005550002', channel: 'SMS' }],
        content: { type: 'TEXT', text: `m${i}` },
      });
      ids.push(created.id);
    }
    const tail = await page({ sid, last: 2 }, budgetOfOne);
    expect(tail.ids).toEqual(ids.slice(998, 1000));
    expect(tail.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(tail.listCalls).toBe(1);
    const after = await page({ sid, first: 5, after: tail.pageInfo.endCursor }, budgetOfOne);
    expect(after.ids).toEqual(ids.slice(1000));
    expect(after.pageInfo.hasNextPage).toBe(false);
  });
});

describe('windows', () => {
  it('after later than before → BAD_USER_INPUT before any upstream call, never items outside the window', async () => {
    const all = await page({ first: 20 });
    for (const args of [
      { first: 10, after: all.cursors[10], before: all.cursors[3] },
      { last: 10, after: all.cursors[10], before: all.cursors[3] },
    ]) {
      stack.takeUpstreamCalls();
      const response = await stack.graphql(PAGE, { sid: DEMO_LONG_CONVERSATION, ...args }, DEMO);
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.message).toMatch(/`after` must point to an item earlier/);
      expect(response.data).toBeUndefined();
      expect(stack.takeUpstreamCalls()).toHaveLength(0);
    }
    const window = await page({ first: 100, after: all.cursors[3], before: all.cursors[10] });
    expect(window.ids).toEqual(thread.slice(4, 10));
  });
});
