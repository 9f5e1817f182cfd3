/** vitest globalSetup: one Redis server for this package's Redis cache tests (see @pkg/testkit/vitest-redis). */
export { redisGlobalSetup as default } from '@pkg/testkit/vitest-redis-setup';
