/**
 * A Redis cache source (`[database] cache = "redis"`): the cache operations go to it and answer as on SQLite;
 * an explicit dataSource still wins; every other operation routed to it is refused (INVALID_ARGUMENT naming the
 * operations it serves), also when the configuration names it as default or a chat's source.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { describeRedis } from '@pkg/testkit/vitest-redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { redisBot, redisSource, uniquePrefix } from './redis-helpers.js';

describeRedis('Redis cache source', (url) => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  beforeEach(() => {
    dir = createTempDir('core-redis-');
    db = redisBot(dir, url, uniquePrefix());
  });
  afterEach(async () => {
    await db.close();
    dir.cleanup();
  });

  it('stores and reads cache entries in Redis, not in the default source', async () => {
    expect(await db.setCacheEntry({ cacheType: 'weather', key: 'k', data: 'v1' })).toBe(true);
    const first = await db.getCacheEntry({ cacheType: 'weather', key: 'k' });
    expect(first).toMatchObject({ key: 'k', data: 'v1' });
    expect(first?.created_at).toBeInstanceOf(Date);
    expect(Math.abs((first?.updated_at.getTime() ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(await db.setCacheEntry({ cacheType: 'weather', key: 'k', data: 'v2' })).toBe(true);
    const second = await db.getCacheEntry({ cacheType: 'weather', key: 'k', ttl: 3600 });
    expect(second).toMatchObject({ data: 'v2', created_at: first?.created_at });
    // The default source's table stays empty; an explicit dataSource reads it.
    expect(await db.getCacheEntry({ cacheType: 'weather', key: 'k', dataSource: 'main' })).toBeNull();
    expect(await db.getCacheEntry({ cacheType: 'geocoding', key: 'k' })).toBeNull();
    expect(await db.getCacheEntry({ cacheType: 'weather', key: 'k', ttl: 0 })).toBeNull();
    expect(await db.clearCache({ cacheType: 'weather' })).toBe(true);
    expect(await db.getCacheEntry({ cacheType: 'weather', key: 'k' })).toBeNull();
  });

  it('keeps the namespaced storage: newest first, upsert, unset', async () => {
    await db.setCacheStorage({ namespace: 'n', key: 'a', value: '1' });
    await db.setCacheStorage({ namespace: 'n', key: 'b', value: '2' });
    await db.setCacheStorage({ namespace: 'n', key: 'a', value: '3' });
    expect((await db.getCacheStorage()).map((e) => [e.namespace, e.key, e.value])).toEqual([
      ['n', 'a', '3'],
      ['n', 'b', '2'],
    ]);
    expect(await db.unsetCacheStorage({ namespace: 'n', key: 'a' })).toBe(true);
    expect((await db.getCacheStorage()).map((e) => e.key)).toEqual(['b']);
  });

  it('refuses what a cache source does not serve, naming what it serves', async () => {
    await expect(db.getSetting({ key: 'x', dataSource: 'redis' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/serves only getCacheEntry, setCacheEntry, clearCache/),
    });
    await expect(db.getAllGroupChats({ dataSource: 'redis' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Cross-source reads ask the SQL sources only.
    expect((await db.getAllGroupChats()).sources).toMatchObject({ answered: ['main'] });
    await expect(db.query({ sql: 'SELECT 1', dataSource: 'redis' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(db.transaction({ dataSource: 'redis' }, async () => 1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('refuses a Redis source as default or in chatMapping when the configuration loads', () => {
    const redis = redisSource(url, uniquePrefix());
    expect(() => new DatabaseWrapper({ config: { default: 'redis', sources: { redis } } })).toThrow(
      /cannot be the default source.*Fix: Set default to a SQLite/s,
    );
    expect(
      () =>
        new DatabaseWrapper({
          config: {
            default: 'main',
            sources: { main: { path: dir.file('x.db') }, redis },
            chatMapping: { '-100': 'redis' },
          },
        }),
    ).toThrow(/cannot be a chat's source/);
    expect(
      () =>
        new DatabaseWrapper({
          config: { default: 'main', cache: 'nope', sources: { main: { path: dir.file('y.db') } } },
        }),
    ).toThrow(/cache.*names source "nope", which is not defined/);
  });
});
