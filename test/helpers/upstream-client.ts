// Upstream client options for a test that builds its own UpstreamClient against its emulator (rather
// than through startStack): short timeouts and TEST_RESILIENCE, in one place so such tests cannot drift.
import type { UpstreamClientOptions } from '../../src/upstream/client.ts';
import { TEST_RESILIENCE } from './stack.ts';

/** Options for a client of the emulator at `baseUrl`; `overrides` for what a test needs otherwise (pool size, response cap, retries). */
export function emulatorClientOptions(baseUrl: string, overrides: Partial<UpstreamClientOptions> = {}): UpstreamClientOptions {
  return {
    baseUrl,
    connectTimeoutMs: 2000,
    headersTimeoutMs: 5000,
    bodyTimeoutMs: 5000,
    maxResponseBytes: 1024 * 1024,
    connections: 4,
    resilience: TEST_RESILIENCE,
    ...overrides,
  };
}
