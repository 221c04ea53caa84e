import { defineConfig } from 'vitest/config';

// Tests start real HTTP servers on 127.0.0.1 (the emulator, the facade); forks keep each file's
// servers and sockets in their own process, and two workers match the machine's two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
