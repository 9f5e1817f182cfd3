/**
 * A bot with `cache = "redis"` gives the reference answers for every cache read in expected.json:
 * - the bot's reference database as the default source, its caches copied into Redis by `botdb move --cache`'s
 *   copy (copyCaches: timestamps and storage order kept), every read of expected.json compared (the cache
 *   reads come from Redis, the rest from the file);
 * - the bot's recorded writes replayed into an empty bot whose caches are in Redis, compared without the
 *   wall-clock columns (as the replay test on SQLite does).
 */
import { type DatabaseConfig, validateDatabaseConfig } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { copyCaches, sourceSpecOf, toolsOf } from '@pkg/core/engines';
import {
  copyReferenceDb,
  createTempDir,
  readReferenceExpected,
  readReferenceWrites,
  replay,
  type TempDir,
  withLibraryTieOrder,
} from '@pkg/testkit';
import { describeRedis } from '@pkg/testkit/vitest-redis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { collectReferenceReads, withoutWallClock } from './helpers.js';
import { redisSource, uniquePrefix } from './redis-helpers.js';

const expected = withLibraryTieOrder(readReferenceExpected());
const writes = readReferenceWrites();
/** The reference entries are from 2026-11: a 10-year max-age keeps them whenever this runs. */
const TEN_YEARS = 315_360_000;

describeRedis('reference answers with the caches in Redis', (url) => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-redis-ref-');
  });
  afterEach(() => dir.cleanup());

  const config = (path: string): DatabaseConfig =>
    validateDatabaseConfig({
      default: 'main',
      cache: 'redis',
      sources: { main: { path }, redis: redisSource(url, uniquePrefix(), { maxAge: TEN_YEARS }) },
    }).config as DatabaseConfig;

  it('answers every read of the reference database, the cache reads from Redis after move --cache', async () => {
    const cfg = config(copyReferenceDb(dir.path));
    const reader = await toolsOf(sourceSpecOf(cfg, 'main')).openReader(sourceSpecOf(cfg, 'main') as never);
    const redisSpec = sourceSpecOf(cfg, 'redis');
    const writer = await (
      toolsOf(redisSpec).openCacheWriter as NonNullable<ReturnType<typeof toolsOf>['openCacheWriter']>
    )(redisSpec as never);
    try {
      const results = await copyCaches(reader, writer);
      expect(results.reduce((n, r) => n + r.written, 0)).toBeGreaterThan(0);
      // A second copy adds nothing (entries present are kept).
      expect((await copyCaches(reader, writer)).every((r) => r.written === 0)).toBe(true);
    } finally {
      await reader.close();
      await writer.close();
    }
    const db = new DatabaseWrapper({ config: cfg });
    try {
      // The file's own cache tables are emptied: every cache answer below must come from Redis.
      await db.transaction({ dataSource: 'main' }, async (tx) => {
        for (const t of [
          'weather',
          'geocoding',
          'yandex_search',
          'geocode_maps_search',
          'geocode_maps_reverse',
          'geocode_maps_lookup',
          'storage',
        ]) {
          await tx.execute(`DELETE FROM cache_${t}`);
        }
      });
      expect(await collectReferenceReads(db, expected, writes)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it("gives the bot's reads after replaying the bot's writes, caches in Redis", async () => {
    const db = new DatabaseWrapper({ config: config(dir.file('fresh.db')) });
    try {
      await replay(db, writes.ops);
      expect(withoutWallClock(await collectReferenceReads(db, expected, writes))).toEqual(withoutWallClock(expected));
      expect(await db.getCacheStorage({ dataSource: 'main' })).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
