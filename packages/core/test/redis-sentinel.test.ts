/**
 * A Redis cache source behind Sentinel (`sentinels`, `master-name`), on a real redis-sentinel with one master and
 * one replica: the master is killed, the sentinel promotes the replica, and the source follows by itself:
 * reads are misses or hits (never errors) and writes fail SOURCE_UNAVAILABLE only during the failover, then
 * writes land on the new master, and what was replicated before the kill is still read.
 */
import { DatabaseWrapper } from '@pkg/core';
import {
  createTempDir,
  redisCommand,
  startTestRedisSentinel,
  type TempDir,
  type TestRedisSentinel,
} from '@pkg/testkit';
import { describeOwnRedis } from '@pkg/testkit/vitest-redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { redisSource, uniquePrefix } from './redis-helpers.js';

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waitFor ${what}: still false after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeOwnRedis('Redis cache source behind Sentinel', () => {
  let dir: TempDir;
  let sentinel: TestRedisSentinel;
  let db: DatabaseWrapper | undefined;
  beforeEach(async () => {
    dir = createTempDir('core-redis-sentinel-');
    sentinel = await startTestRedisSentinel({ masterName: 'botdbcache', downAfterMs: 1000 });
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await sentinel.stop();
    dir.cleanup();
  });

  it('follows a failover of its master by itself', async () => {
    const prefix = uniquePrefix();
    db = new DatabaseWrapper({
      config: {
        default: 'main',
        cache: 'redis',
        sources: {
          main: { path: dir.file('bot.db') },
          redis: redisSource('redis:///0', prefix, {
            timeout: 2,
            sentinels: sentinel.sentinels.map((s) => `${s.host}:${s.port}`),
            masterName: 'botdbcache',
          }),
        },
      },
    });
    const bot = db;
    await bot.setCacheEntry({ cacheType: 'weather', key: 'before', data: 'v' });
    const replica = sentinel.replicas[0];
    if (replica === undefined) throw new Error('no replica');
    // The entry reached the replica (asynchronous replication) before the master goes.
    await waitFor('replicated', async () =>
      Number(await redisCommand(replica.port, ['DBSIZE'])) >= 2 ? true : undefined,
    );
    const oldMaster = sentinel.master.port;
    await sentinel.master.stopServer('immediate');
    // During the failover: reads answer (misses or hits), writes fail typed.
    const during = await bot.getCacheEntry({ cacheType: 'weather', key: 'before' });
    expect(during === null || during.data === 'v').toBe(true);
    const newMaster = await sentinel.waitForFailover(oldMaster);
    expect(newMaster.port).toBe(replica.port);
    await waitFor('writes on the new master', async () =>
      (await bot.setCacheEntry({ cacheType: 'weather', key: 'after', data: 'w' }).catch((e: { code?: string }) => {
        expect(e.code).toBe('SOURCE_UNAVAILABLE');
        return false;
      }))
        ? true
        : undefined,
    );
    expect(await bot.getCacheEntry({ cacheType: 'weather', key: 'before' })).toMatchObject({ data: 'v' });
    expect(await bot.getCacheEntry({ cacheType: 'weather', key: 'after' })).toMatchObject({ data: 'w' });
    expect(Number(await redisCommand(replica.port, ['EXISTS', `${prefix}{c:weather}:after`]))).toBe(1);
  }, 120_000);
});
