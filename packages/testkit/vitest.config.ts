import { defineConfig } from 'vitest/config';

// The PostgreSQL tests run initdb and pg_ctl: seconds on a busy machine, past vitest's default 5 s bound.
// The global setups start the shared servers of test/vitest-subpaths.test.ts (a Redis, a primary and a standby).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/redis-global-setup.ts', 'test/pg-replication-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
