// Debian's headless Chromium as the browser tests launch it (playwright-core, never a downloaded
// browser): one path, one set of flags, one skip rule, so test/browser/*.test.ts cannot drift apart.
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags every browser test launches with: headless, no sandbox, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env.CI);

/** True when the file must skip: no Chromium here and not in CI (where a missing one must fail). Warns once per file. */
export function skipWithoutChromium(testFile: string): boolean {
  if (haveChromium || inCI) return false;
  console.warn(`${testFile} skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run does it in CI).`);
  return true;
}

/** Throws (in a beforeAll) when CI runs the file without Chromium. */
export function requireChromium(): void {
  if (!haveChromium) throw new Error(`${CHROMIUM} is missing; CI must install Debian's chromium (.ci/run does it)`);
}
