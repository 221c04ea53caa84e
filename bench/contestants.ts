// The four contestants' names, in the order every table and chart lists them: one place, so the
// run's console lines, BENCHMARKS.md and the chart always agree.
import type { ContestantId } from './workload.ts';

export const ORDER: ContestantId[] = ['direct', 'limit', 'facade', 'mesh'];

/** As the tables' first column shows them. */
export const LABELS: Record<ContestantId, string> = {
  direct: '(a) direct REST',
  limit: '(b) zero-framework limit',
  facade: '(c) this facade',
  mesh: '(d) GraphQL Mesh',
};

/** In prose and on the chart. */
export const SHORT: Record<ContestantId, string> = {
  direct: 'direct REST',
  limit: 'zero-framework limit',
  facade: 'this facade',
  mesh: 'GraphQL Mesh',
};
