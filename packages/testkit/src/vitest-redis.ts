/**
 * The Redis side of a package's test files (`@pkg/testkit/vitest-redis`; the server comes from
 * ./vitest-redis-setup.ts, the package's vitest globalSetup):
 * - `describeRedis` / `redisUrlOrExplain`: in a test file, the server URL, or the one test that says why there
 *   is none (skipped with one clear line; a failure under CI=true, or when the server failed to start).
 * - `describeOwnRedis`: for tests that fault their own servers (startTestRedisServer, startTestRedisSentinel):
 *   runs when redis-server is installed, whatever BOTDB_TEST_REDIS_URL says; otherwise the explaining test.
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { inject } from 'vitest';
import { findRedisBinaries, REDIS_MISSING_REASON } from './redis.js';
import { describeWithOwnServers, describeWithServer, urlOrExplain } from './vitest-engine.js';
import './vitest-redis-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function redisUrlOrExplain(): string | null {
  return urlOrExplain('Redis', inject('botdbRedis'));
}

/** Runs `body` in a describe block when a server exists; otherwise only the explaining test. */
export function describeRedis(name: string, body: (url: string) => void): void {
  describeWithServer(name, redisUrlOrExplain, body);
}

/** Runs `body` in a describe block when redis-server is installed (the tests start their own); otherwise explains. */
export function describeOwnRedis(name: string, body: () => void): void {
  describeWithOwnServers(name, 'Redis', () => findRedisBinaries() !== null, REDIS_MISSING_REASON, body);
}
