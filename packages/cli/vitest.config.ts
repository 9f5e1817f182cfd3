import { defineConfig } from 'vitest/config';

// Tests run the built package (workers load dist/ JavaScript), real files, real worker threads.
// The global setup starts one throwaway PostgreSQL for the PostgreSQL tests (see test/pg-harness.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pg-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
