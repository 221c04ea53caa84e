// Issue 9, item 9: the caches kept per document (parsed documents, compiled operations, cost
// verdicts) are bounded by entries and bytes. A stream of never-seen documents and variables,
// ~45 KB each, used to keep ~100 MB alive (a verdict keyed by the variables' JSON for each of
// graphql-yoga's 1,024 cached documents); now what stays is bounded. Measured in a child process
// with --expose-gc (test/helpers/cache-memory.ts), so the heap is read after a full collection.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { MemoryReport } from '../helpers/cache-memory.ts';

const script = fileURLToPath(new URL('../helpers/cache-memory.ts', import.meta.url));

describe('per-document caches', () => {
  it('1,200 requests with distinct 45 KB documents and variables leave the heap within 48 MB of where it was', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, '1200'], { timeout: 90_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as MemoryReport;
    console.info('cache memory (MB):', report);
    expect(report.requests).toBe(1200);
    expect(report.heapAfterMB - report.heapBeforeMB).toBeLessThan(48);
  }, 120_000);
});
