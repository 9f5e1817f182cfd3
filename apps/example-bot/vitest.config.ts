import { defineConfig } from 'vitest/config';

// The bot runs on the built @pkg/core (its workers load dist/ JavaScript). The global setup starts one
// throwaway PostgreSQL for the chat kept there (skipped with one line when PostgreSQL is not installed).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pg-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
