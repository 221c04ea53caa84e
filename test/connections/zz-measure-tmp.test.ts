// TEMPORARY measurement harness (deleted before reporting).
import { afterAll, beforeAll, it } from 'vitest';
import { DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, DEMO_LONG_CONVERSATION } from '../../src/emulator/index.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
const auth = { authorization: `Basic ${Buffer.from(`${DEMO_ACCOUNT_SID}:${DEMO_AUTH_TOKEN}`).toString('base64')}` };
const Q = `query P($sid: String!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(sid: $sid) { communications(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { sid } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
beforeAll(async () => { stack = await startStack({ emulator: { seedDemoData: true } }); });
afterAll(() => stack.close());
async function run(label: string, vars: Record<string, unknown>, query = Q) {
  stack.takeUpstreamCalls();
  const r = await stack.graphql(query, { sid: DEMO_LONG_CONVERSATION, ...vars }, auth);
  const calls = stack.takeUpstreamCalls();
  const c = r.data?.conversation?.communications;
  console.log(label, JSON.stringify({ calls: calls.length, list: calls.filter((x) => x.path.endsWith('/Communications')).length,
    sizes: calls.map((x) => x.query.pageSize?.[0] ?? '-').join(','), n: c?.edges?.length, pi: c ? { n: c.pageInfo.hasNextPage, p: c.pageInfo.hasPreviousPage } : null,
    errors: r.errors?.map((e) => `${e.extensions?.code}:${e.message.slice(0, 80)}:${JSON.stringify(e.path ?? null)}`), data: r.data === undefined ? 'absent' : c ? 'conn' : JSON.stringify(r.data) }));
  return c;
}
it('measure', async () => {
  let p = await run('S1a first:1', { first: 1 });
  await run('S1b first:30 after', { first: 30, after: p.pageInfo.endCursor });
  p = await run('S2a first:10', { first: 10 });
  let q = await run('S2b first:50 after', { first: 50, after: p.pageInfo.endCursor });
  await run('S2c first:50 after again', { first: 50, after: q.pageInfo.endCursor });
  p = await run('S3a last:10', { last: 10 });
  await run('S3b last:50 before', { last: 50, before: p.pageInfo.startCursor });
  p = await run('S3c first:10', { first: 10 });
  for (let i = 0; i < 3; i++) p = await run('S3c first:10 after', { first: 10, after: p.pageInfo.endCursor });
  await run('S3d last:50 before (size 10 cursor at 30)', { last: 50, before: p.pageInfo.startCursor });
  p = await run('S3e last:1', { last: 1 });
  p = await run('S3f last:1 before', { last: 1, before: p.pageInfo.startCursor });
  await run('S3g last:30 before', { last: 30, before: p.pageInfo.startCursor });
  p = await run('S4 first:0', { first: 0 });
  const other = await stack.graphql(Q, { sid: 'conv_conversation_00000000000000000000000000', first: 1 }, auth);
  void other;
  // scope: cursor of another conversation
  const convs = await stack.graphql(`{ conversations(first: 5) { nodes { sid } } }`, {}, auth);
  const otherSid = convs.data.conversations.nodes.map((n: any) => n.sid).find((s: string) => s !== DEMO_LONG_CONVERSATION);
  const foreign = await stack.graphql(Q, { sid: otherSid, first: 1 }, auth);
  await run('S5 foreign cursor', { first: 2, after: foreign.data.conversation.communications.pageInfo.endCursor });
  const walks = Array.from({ length: 11 }, (_, i) => `w${i}: communications(last: 1) { nodes { sid } }`).join(' ');
  await run('S6 11 walks', {}, `query ($sid: String!) { conversation(sid: $sid) { ${walks} } }`);
  p = await run('S7 first:3', { first: 3 });
  const c = p.pageInfo.endCursor as string;
  const [b, m] = c.split('.');
  for (const t of [`${c}!!`, `${c}==`, `${c} `, `${c}.x`, `${b}.${m}.`, `${b}.${m.slice(0, 8)}!${m.slice(8)}`]) await run(`S8 tampered ${JSON.stringify(t.slice(-4))}`, { first: 2, after: t });
  const all = await run('S9 all', { first: 20 });
  await run('S9 after later than before', { first: 10, after: all.edges[10].cursor, before: all.edges[3].cursor });
  await run('S9b last after later than before', { last: 10, after: all.edges[10].cursor, before: all.edges[3].cursor });
  const ids = Array.from({ length: 100 }, () => Buffer.from(`Conversation:${DEMO_LONG_CONVERSATION}`).toString('base64url'));
  stack.takeUpstreamCalls();
  const n = await stack.graphql(`query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Conversation { communications(first: 100) { nodes { author { participant { name } } } } } } }`, { ids }, auth);
  console.log('S10 nodes×100', JSON.stringify(n.errors?.map((e) => e.message)), stack.takeUpstreamCalls().length);
});
