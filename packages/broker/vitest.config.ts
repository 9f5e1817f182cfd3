import { defineConfig } from 'vitest/config';

// Tests run the built package (workers load dist/ JavaScript), real files, real worker threads. The MySQL
// engine's tests use the throwaway MariaDB of test/mariadb-global-setup.ts (or BOTDB_TEST_MYSQL_URL).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/mariadb-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
