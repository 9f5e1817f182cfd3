/**
 * vitest globalSetup for a package's Redis tests (`@pkg/testkit/vitest-redis-setup`): one server for the whole
 * run (a throwaway redis-server, or BOTDB_TEST_REDIS_URL), handed to the test files as `inject('botdbRedis')`.
 * Never throws for a missing engine: the test files decide (see ./vitest-redis.ts).
 */
import type { TestProject } from 'vitest/node';
import { REDIS_MISSING_REASON, REDIS_SKIP_LINE, redisTestAvailable, startTestRedis } from './redis.js';
import { type EngineForTests, provideEngine } from './vitest-engine-setup.js';

export type RedisForTests = EngineForTests;

declare module 'vitest' {
  export interface ProvidedContext {
    botdbRedis: RedisForTests;
  }
}

export function redisGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  return provideEngine(project, 'botdbRedis', {
    available: redisTestAvailable,
    missingReason: REDIS_MISSING_REASON,
    skipLine: REDIS_SKIP_LINE,
    start: startTestRedis,
  });
}
