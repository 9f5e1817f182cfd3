import { defineConfig } from 'vitest/config';

// Publishes to a throwaway registry and installs with npm (better-sqlite3 compiles from source):
// minutes, not seconds. The global setup starts the throwaway PostgreSQL of the PostgreSQL-only check.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pg-global-setup.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
