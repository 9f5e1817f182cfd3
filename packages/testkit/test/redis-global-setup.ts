/** vitest globalSetup: the shared Redis server of test/vitest-subpaths.test.ts, as a package using the testkit gets it. */
export { redisGlobalSetup as default } from '../src/vitest-redis-setup.js';
