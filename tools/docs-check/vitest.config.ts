import { defineConfig } from 'vitest/config';

// One TypeScript program compiles every doc block: slow on a busy machine, hence the timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
