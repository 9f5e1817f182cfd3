import { defineConfig } from 'vitest/config';

// Tests run the built package (workers load dist/ JavaScript), real files, real worker threads.
// The global setups start one throwaway PostgreSQL and one MariaDB for their tests (see test/pg-harness.ts,
// test/mysql-harness.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pg-global-setup.ts', 'test/mariadb-global-setup.ts', 'test/redis-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
