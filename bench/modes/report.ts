// `--report`: rewrites BENCHMARKS.md and the chart from bench/results/*.json, measuring nothing
// (after editing bench/report/template.md or bench/optimisations.md, say).
import { readLatest, readSideResults, ROOT } from '../files.ts';
import { writeReport } from '../report/document.ts';
import { printFanout } from '../report/fanout.ts';
import { printTables } from '../report/tables.ts';

export async function report(): Promise<number> {
  const results = readLatest();
  if (!results) throw new Error('no bench/results/latest.json: run npm run bench first');
  const { soak, profile, otel, fanout } = readSideResults();
  printTables(results, soak, profile);
  if (fanout) printFanout(fanout);
  writeReport(ROOT, results, soak, profile, otel, fanout);
  console.log('\nrewrote BENCHMARKS.md and bench/results/chart.svg from bench/results/');
  return 0;
}
