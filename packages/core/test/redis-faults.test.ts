/**
 * A Redis cache source under server faults, on throwaway servers of its own:
 * - memory bounded: every entry expires max-age after its last write, and the per-type indexes with them
 *   (DBSIZE drops to 0), and clearCache(type) removes exactly that type's keys without KEYS or SCAN;
 * - Redis killed and restarted mid-traffic: reads are misses (counted, warned once), writes fail
 *   SOURCE_UNAVAILABLE, every call settles within the timeout, and the source recovers by itself;
 * - on-unavailable = "error": reads fail SOURCE_UNAVAILABLE instead.
 */
import { DatabaseWrapper } from '@pkg/core';
import {
  createTempDir,
  redisCommand,
  redisInfo,
  startTestRedisServer,
  type TempDir,
  type TestRedisServer,
} from '@pkg/testkit';
import { describeOwnRedis } from '@pkg/testkit/vitest-redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { redisBot, uniquePrefix } from './redis-helpers.js';

/** Polls `check` until it holds; fails after `ms` with what it last saw. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    const value = await check().catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waitFor ${what}: still false after ${ms} ms (${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The timeout of the sources below (s), and how long past it a call may take on a busy machine. */
const TIMEOUT_S = 2;
const SETTLE_BOUND_MS = TIMEOUT_S * 1000 + 5_000;

describeOwnRedis('Redis cache source: server faults', () => {
  let dir: TempDir;
  let server: TestRedisServer;
  let db: DatabaseWrapper | undefined;
  const warnings: string[] = [];
  beforeEach(async () => {
    dir = createTempDir('core-redis-faults-');
    server = await startTestRedisServer();
    warnings.length = 0;
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await server.stop();
    dir.cleanup();
  });

  it('expires every entry after max-age, indexes included: DBSIZE drops to 0', async () => {
    db = redisBot(dir, server.url, uniquePrefix(), { maxAge: 1, timeout: TIMEOUT_S });
    const writes: Promise<boolean>[] = [];
    for (let i = 0; i < 3000; i++) {
      writes.push(
        db.setCacheEntry({ cacheType: i % 2 ? 'weather' : 'geocoding', key: `k${i}`, data: 'x'.repeat(100) }),
      );
      if (i % 10 === 0) writes.push(db.setCacheStorage({ namespace: 'n', key: `s${i}`, value: 'v' }));
    }
    await Promise.all(writes);
    expect(Number(await redisCommand(server.port, ['DBSIZE']))).toBeGreaterThanOrEqual(3300);
    await waitFor('DBSIZE 0', async () =>
      Number(await redisCommand(server.port, ['DBSIZE'])) === 0 ? true : undefined,
    );
    expect(await db.getCacheEntry({ cacheType: 'weather', key: 'k1' })).toBeNull();
    expect(await db.getCacheStorage()).toEqual([]);
  });

  it('clearCache(type) deletes that type’s keys only, with no KEYS or SCAN', async () => {
    db = redisBot(dir, server.url, uniquePrefix(), { timeout: TIMEOUT_S });
    const writes: Promise<boolean>[] = [];
    for (let i = 0; i < 1200; i++) writes.push(db.setCacheEntry({ cacheType: 'weather', key: `w${i}`, data: 'v' }));
    for (let i = 0; i < 10; i++) writes.push(db.setCacheEntry({ cacheType: 'geocoding', key: `g${i}`, data: 'v' }));
    await Promise.all(writes);
    await redisCommand(server.port, ['CONFIG', 'RESETSTAT']);
    expect(await db.clearCache({ cacheType: 'weather' })).toBe(true);
    // 10 entries and the geocoding index are left.
    expect(Number(await redisCommand(server.port, ['DBSIZE']))).toBe(11);
    expect(await db.getCacheEntry({ cacheType: 'geocoding', key: 'g3' })).toMatchObject({ data: 'v' });
    const stats = await redisInfo(server.port, 'commandstats');
    expect([...stats.keys()].filter((k) => /cmdstat_(keys|scan)$/.test(k))).toEqual([]);
    expect(stats.get('cmdstat_unlink')).toMatch(/calls=[1-9]/);
  });

  it('answers misses while Redis is down mid-traffic, fails writes typed, bounds every call, and recovers by itself', async () => {
    const log = { warn: (_f: unknown, m: string) => warnings.push(m), info: () => {} };
    db = new DatabaseWrapper({
      logger: log,
      config: {
        default: 'main',
        cache: 'redis',
        sources: {
          main: { path: dir.file('bot.db') },
          redis: { type: 'redis', url: server.url, 'key-prefix': uniquePrefix(), timeout: TIMEOUT_S },
        },
      },
    });
    const bot = db;
    await bot.setCacheEntry({ cacheType: 'weather', key: 'k', data: 'v' });
    let stop = false;
    const outcomes = {
      hits: 0,
      misses: 0,
      writeErrors: new Map<string, number>(),
      otherErrors: [] as unknown[],
      slowest: 0,
    };
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        const started = Date.now();
        const [read, write] = await Promise.allSettled([
          bot.getCacheEntry({ cacheType: 'weather', key: 'k' }),
          bot.setCacheEntry({ cacheType: 'weather', key: `t${i % 50}`, data: 'v' }),
        ]);
        outcomes.slowest = Math.max(outcomes.slowest, Date.now() - started);
        if (read.status === 'fulfilled') read.value === null ? outcomes.misses++ : outcomes.hits++;
        else outcomes.otherErrors.push(read.reason);
        if (write.status === 'rejected') {
          const code = (write.reason as { code?: string }).code ?? String(write.reason);
          outcomes.writeErrors.set(code, (outcomes.writeErrors.get(code) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await waitFor('hits before the kill', async () => (outcomes.hits > 20 ? true : undefined));
    await server.stopServer('immediate');
    await waitFor('misses while down', async () => (outcomes.misses > 20 ? true : undefined));
    expect(await bot.getCacheStorage()).toEqual([]);
    await expect(bot.setCacheStorage({ namespace: 'n', key: 'k', value: 'v' })).rejects.toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
    });
    await server.startServer();
    // The restarted server is empty (nothing persisted): the first write after recovery lands and is read back.
    await waitFor('writes again', async () =>
      (await bot.setCacheEntry({ cacheType: 'weather', key: 'k', data: 'back' }).catch(() => false)) ? true : undefined,
    );
    await waitFor('hits again', async () =>
      (await bot.getCacheEntry({ cacheType: 'weather', key: 'k' }))?.data === 'back' ? true : undefined,
    );
    stop = true;
    await traffic;
    expect(outcomes.otherErrors).toEqual([]);
    expect([...outcomes.writeErrors.keys()]).toEqual(['SOURCE_UNAVAILABLE']);
    expect(outcomes.slowest).toBeLessThan(SETTLE_BOUND_MS);
    expect(warnings.filter((w) => w.includes('cannot be reached'))).toHaveLength(1);
    const stats = (await bot.stats()).redis;
    expect(stats?.unavailableReads).toBeGreaterThan(20);
  });

  it('on-unavailable = "error": reads fail SOURCE_UNAVAILABLE within the timeout', async () => {
    db = redisBot(dir, server.url, uniquePrefix(), { timeout: TIMEOUT_S, onUnavailable: 'error' });
    await db.setCacheEntry({ cacheType: 'weather', key: 'k', data: 'v' });
    await server.stopServer('immediate');
    const started = Date.now();
    await expect(db.getCacheEntry({ cacheType: 'weather', key: 'k' })).rejects.toMatchObject({
      code: 'SOURCE_UNAVAILABLE',
      message: expect.stringMatching(/redis:\/\/127\.0\.0\.1:\d+\/0/),
    });
    expect(Date.now() - started).toBeLessThan(SETTLE_BOUND_MS);
    await server.startServer();
  });
});
