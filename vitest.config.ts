import { defineConfig } from 'vitest/config';

// Tests start real HTTP servers on 127.0.0.1 (the emulator, the facade); forks keep each file's
// servers and sockets in their own process, and two workers match the machine's two cores.
export default defineConfig({
  // One graphql-js for everyone: Node (and so graphql-yoga) loads its CommonJS build; without this
  // Vite would hand the tests' own imports the ESM build, and `instanceof GraphQLError` would lie.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    // Two projects, so `npm test` runs the in-memory unit tests (seconds, no sockets) before the
    // HTTP ones and a broken piece of the pure core is named first. Each project's include is its
    // own: no root include, which `extends: true` would merge into both.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/**/*.unit.test.ts'] } },
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default'],
  },
});
