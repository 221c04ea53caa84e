// Correctness before speed: every contestant must answer the same data, or nothing is measured.
// One answer per contestant and workload: the same 50 sids (and author names) as direct REST, the
// facade's `data` deeply equal to the zero-framework limit's (cursors and ids included), and each
// one's upstream calls per query, counted by the upstream.
import { isDeepStrictEqual } from 'node:util';
import { LABELS } from './contestants.ts';
import type { CallCount } from './report/types.ts';
import { control, targetFor, type World } from './world.ts';
import { extract, PAGE_SIZE, type ContestantId, type Extracted, type Workload } from './workload.ts';

export interface Checked {
  ok: boolean;
  lines: string[];
  calls: CallCount[];
}

/** Calls the upstream counted since the last reset, by operation. */
interface UpstreamStats {
  counts: Record<string, number>;
  total: number;
}

/** Each contestant's answer to one workload, its extract, and its upstream calls. */
async function answersTo(workload: Workload, world: World, out: Checked) {
  const answers = new Map<ContestantId, string[]>();
  const extracted = new Map<ContestantId, Extracted>();
  for (const server of world.servers) {
    await control(world.upstream, 'POST', '/__bench/reset-counts');
    const result = await world.loadgen.run({
      target: targetFor(server, workload, world.upstream),
      mode: 'closed',
      concurrency: 1,
      durationMs: 20_000,
      maxRequests: 20,
      keepAnswers: 1,
    });
    const stats: UpstreamStats = await control(world.upstream, 'GET', '/__bench/stats');
    const n = result.completed;
    const perQuery = (count: number) => (n ? count / n : NaN);
    out.calls.push({
      workload,
      contestant: server.id,
      perQuery: perQuery(stats.total),
      byOperation: Object.fromEntries(Object.entries(stats.counts).map(([op, count]) => [op, perQuery(count)])),
    });
    if (result.errors || !result.answers[0]) {
      out.ok = false;
      const why = `${result.errors} errors; ${result.firstError ?? 'no answer'}`;
      out.lines.push(`FAIL ${workload} ${LABELS[server.id]}: ${why}`);
      continue;
    }
    answers.set(server.id, result.answers[0]);
    try {
      extracted.set(server.id, extract(server.id, workload, result.answers[0]));
    } catch (error) {
      out.ok = false;
      out.lines.push(`FAIL ${workload} ${LABELS[server.id]}: ${String(error)}`);
    }
  }
  return { answers, extracted };
}

export async function checkAnswers(world: World): Promise<Checked> {
  const out: Checked = { ok: true, lines: [], calls: [] };
  const verdict = (same: boolean) => {
    if (!same) out.ok = false;
    return same ? 'ok  ' : 'FAIL';
  };
  for (const workload of ['page', 'authors'] as Workload[]) {
    const { answers, extracted } = await answersTo(workload, world, out);
    const truth = extracted.get('direct');
    if (!truth) {
      out.ok = false;
      out.lines.push(`FAIL ${workload}: no direct REST answer to compare with`);
      continue;
    }
    if (truth.sids.length !== PAGE_SIZE || !truth.hasNextPage) {
      out.ok = false;
      out.lines.push(
        `FAIL ${workload}: the upstream page has ${truth.sids.length} items (want ${PAGE_SIZE}) ` + `and hasNextPage ${truth.hasNextPage}`,
      );
    }
    for (const [id, got] of extracted) {
      if (id === 'direct') continue;
      const same =
        isDeepStrictEqual(got.sids, truth.sids) &&
        got.hasNextPage === truth.hasNextPage &&
        isDeepStrictEqual(got.authorNames, truth.authorNames);
      const compared = same ? ' = direct REST' : ' differ from direct REST';
      const joined = got.authorNames ? ', authors joined' : '';
      out.lines.push(`${verdict(same)} ${workload} ${LABELS[id]}: ${got.sids.length} sids${compared}${joined}`);
    }
    const facade = answers.get('facade');
    const limit = answers.get('limit');
    if (facade && limit) {
      const same = isDeepStrictEqual(JSON.parse(facade[0]!).data, JSON.parse(limit[0]!).data);
      const relation = same ? '=' : '!=';
      const line = `facade data ${relation} zero-framework limit data (cursors and ids included)`;
      out.lines.push(`${verdict(same)} ${workload} ${line}`);
    }
  }
  return out;
}
