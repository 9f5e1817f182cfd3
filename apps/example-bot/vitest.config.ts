import { defineConfig } from 'vitest/config';

// The bot runs on the built @pkg/core (its workers load dist/ JavaScript); the global setup (@pkg/testkit's)
// starts the throwaway PostgreSQL its book-club chat lives in.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], globalSetup: ['test/pg-global-setup.ts'], hookTimeout: 120_000 },
});
