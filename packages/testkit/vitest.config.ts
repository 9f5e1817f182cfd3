import { defineConfig } from 'vitest/config';

// The PostgreSQL tests run initdb and pg_ctl: seconds on a busy machine, past vitest's default 5 s bound.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
