import { defineConfig } from 'vitest/config';

// Tests run the built package (workers load dist/ JavaScript), real files, real worker threads.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
