// ../shared, next to the repository, holds reference material every developer and CI run has: the
// product contract and Twilio's OpenAPI documents (README › Working on it). A contributor from
// outside may not have it: a suite that reads it then skips its checks, saying so in one line. In
// CI (CI set) the same absence fails the run instead, since CI always has ../shared.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

const SHARED = new URL('../../../shared/', import.meta.url);

/** A JSON document from ../shared (e.g. 'upstream/conversations-v2.openapi.json'); undefined when absent. */
export function readSharedJson(path: string): Promise<any> {
  return readFile(new URL(path, SHARED), 'utf8').then(JSON.parse, () => undefined);
}

/** The test that stands for a suite's need of ../shared/<path>: one skipped line outside CI, a failure in CI. */
export function itNeedsShared(path: string, document: unknown): void {
  it(`has ../shared/${path}`, (context) => {
    const missing = `../shared/${path} is absent (see README › Working on it)`;
    if (document === undefined && !process.env.CI) context.skip(`${missing}: the checks against it are skipped`);
    expect(document, `${missing}, and CI always has ../shared`).toBeDefined();
  });
}
