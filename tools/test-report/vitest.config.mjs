import { defineConfig } from 'vitest/config';

// Some tests here start child processes (node, a whole child vitest). On a busy 2-core machine one such
// start took 4 s: vitest's default 5 s bound assumed an idle machine and failed a newcomer's first run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
