/**
 * The cache operations on a Redis source answer exactly as on a SQLite source, call by call, over generated
 * sequences (fast-check): TTL boundaries (exactly ttl seconds old, ttl 0 and below, fractional ttl), what
 * clearCache clears, keys and namespaces that look like Redis key syntax, SHA-512 hex keys, values that are
 * not plain strings (refused alike), created_at kept by an update, storage order with same-second ties.
 *
 * The clock is injected by ageing the stored stamps on both sides, the way the parity tests age SQLite rows:
 * every stamp a write makes is set to the sequence's virtual time V (far in the past, so no real stamp is
 * mistaken for one), `advance(s)` moves V on, and a read with a TTL first sets the entry's updated_at to
 * (real now - its virtual age) on both sides, reads, and sets it back. That read pair is only compared when
 * the TTL bound (now - ttl, cut to the second) was the same before and after it: otherwise the two engines
 * were asked at different bounds and the pair is asked again (nothing was written).
 */
import { createHash } from 'node:crypto';
import { CACHE_TYPES, type CacheType, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { describeRedis } from '@pkg/testkit/vitest-redis';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawRedis, redisBot, uniquePrefix } from './redis-helpers.js';

/** Virtual time starts here (2001-09-09): older than any real stamp of this run. */
const V0 = 1_000_000_000;
const TYPES = CACHE_TYPES.slice(0, 3) as readonly CacheType[];
const KEYS = ['k', '', 'a:b', '{c:weather}:x', 'ключ 🌦', createHash('sha512').update('summary', 'utf8').digest('hex')];
const NAMESPACES = ['n', '', 'n:k', '["n","k"]'];

type Step =
  | { op: 'set'; type: CacheType; key: string; data: unknown }
  | { op: 'get'; type: CacheType; key: string; ttl: number | null | undefined }
  | { op: 'clear'; type: CacheType }
  | { op: 'setStorage'; namespace: string; key: string; value: unknown }
  | { op: 'unsetStorage'; namespace: string; key: string }
  | { op: 'getStorage' }
  | { op: 'advance'; seconds: number };

// Few names, one much more often: the same entry is written, aged, rewritten and read within a sequence.
const type = fc.oneof({ weight: 4, arbitrary: fc.constant(TYPES[0] as CacheType) }, fc.constantFrom(...TYPES));
const key = fc.oneof({ weight: 4, arbitrary: fc.constant('k') }, fc.constantFrom(...KEYS));
const text = fc.oneof(fc.constantFrom('v', '', 'x'.repeat(3000), '\u0000nul', '{"json":1}'), fc.string());
// Mostly text; sometimes a value the bot's methods refuse (INVALID_ARGUMENT on both).
const value = fc.oneof(
  { weight: 9, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom(5, null, true, { a: 1 }) },
);
const ttl = fc.oneof(
  fc.constantFrom(null, undefined, 0, -1, 0.5, 1.5, 2.5),
  fc.integer({ min: -2, max: 40 }),
  fc.double({ min: 0.001, max: 40, noNaN: true }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), type, key, data: value }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('get' as const), type, key, ttl }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), type }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('setStorage' as const),
      namespace: fc.constantFrom(...NAMESPACES),
      key,
      value,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('unsetStorage' as const), namespace: fc.constantFrom(...NAMESPACES), key }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'getStorage' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.integer({ min: 0, max: 12 }) }),
  },
);

/** What a call gave: its value, or its error code. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}

const stamp = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

describeRedis('cache parity: Redis answers as SQLite, call by call (fast-check)', (url) => {
  let dir: TempDir;
  let sqlite: DatabaseWrapper;
  let redis: DatabaseWrapper;
  let prefix: string;
  const raw = rawRedis(url);
  beforeAll(() => {
    dir = createTempDir('core-redis-parity-');
    sqlite = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    prefix = uniquePrefix();
    redis = redisBot(dir, url, prefix);
  });
  afterAll(async () => {
    await Promise.all([sqlite.close(), redis.close()]);
    dir.cleanup();
  });

  /** Every Redis entry hash of the tested types and the storage, by its key. */
  async function redisEntries(): Promise<string[]> {
    const replies = await raw(...TYPES.map((t) => ['ZRANGE', `${prefix}{c:${t}}`, 0, -1]), [
      'ZRANGE',
      `${prefix}{s}`,
      0,
      -1,
    ]);
    const keys: string[] = [];
    TYPES.forEach((t, i) => {
      for (const m of replies[i] as string[]) keys.push(`${prefix}{c:${t}}:${m}`);
    });
    for (const m of replies[TYPES.length] as string[]) keys.push(`${prefix}{s}:e:${m}`);
    return keys;
  }

  /** Stamps made by real writes (>= the run's start) become the virtual time `v`, on both sides. */
  async function stampVirtual(v: number, realStart: number): Promise<void> {
    await sqlite.transaction({}, async (tx) => {
      for (const t of TYPES) {
        for (const column of ['created_at', 'updated_at']) {
          await tx.execute(`UPDATE cache_${t} SET ${column} = ? WHERE ${column} >= ?`, [stamp(v), stamp(realStart)]);
        }
      }
      await tx.execute('UPDATE cache_storage SET updated_at = ? WHERE updated_at >= ?', [stamp(v), stamp(realStart)]);
    });
    for (const k of await redisEntries()) {
      const [c, u] = (await raw(['HMGET', k, 'c', 'u']))[0] as (string | null)[];
      if (c !== null && c !== undefined && Number(c) >= realStart) await raw(['HSET', k, 'c', v]);
      if (u !== null && u !== undefined && Number(u) >= realStart) await raw(['HSET', k, 'u', v]);
    }
  }

  /** getCacheEntry with a TTL, on both sides, with the entry aged to its virtual age at the real clock. */
  async function ttlRead(s: Extract<Step, { op: 'get' }>, v: number): Promise<[unknown, unknown]> {
    const table = `cache_${s.type}`;
    const redisKey = `${prefix}{c:${s.type}}:${s.key}`;
    const [sqlRow] = (await sqlite.query({
      sql: `SELECT updated_at FROM ${table} WHERE key = ?`,
      params: [s.key],
    })) as {
      updated_at: string;
    }[];
    const [redisU] = (await raw(['HGET', redisKey, 'u'])) as (string | null)[];
    const args = { cacheType: s.type, key: s.key, ttl: s.ttl };
    const bound = () => Math.floor((Date.now() - Math.round((s.ttl as number) * 1000)) / 1000);
    for (let attempt = 1; ; attempt++) {
      if (attempt > 20) throw new Error(`ttlRead ${JSON.stringify(s)}: no read pair within one TTL bound in 20 tries`);
      // Past 0.8 s into a second, wait for the next: the pair then usually fits in one bound.
      const into = Date.now() % 1000;
      if (into > 800) await new Promise((r) => setTimeout(r, 1010 - into));
      const before = bound();
      const real = Math.floor(Date.now() / 1000);
      const results = await sqlite.transaction({}, async (tx) => {
        if (sqlRow !== undefined) {
          const age = v - Date.parse(`${sqlRow.updated_at.replace(' ', 'T')}Z`) / 1000;
          await tx.execute(`UPDATE ${table} SET updated_at = ? WHERE key = ?`, [stamp(real - age), s.key]);
        }
        if (redisU !== null && redisU !== undefined) await raw(['HSET', redisKey, 'u', real - (v - Number(redisU))]);
        const pair: [unknown, unknown] = [
          await outcome(tx.getCacheEntry(args)),
          await outcome(redis.getCacheEntry(args)),
        ];
        if (sqlRow !== undefined)
          await tx.execute(`UPDATE ${table} SET updated_at = ? WHERE key = ?`, [sqlRow.updated_at, s.key]);
        if (redisU !== null && redisU !== undefined) await raw(['HSET', redisKey, 'u', redisU]);
        return pair;
      });
      if (bound() === before && Math.floor(Date.now() / 1000) === real) return results;
    }
  }

  async function reset(): Promise<void> {
    for (const t of TYPES) {
      await sqlite.clearCache({ cacheType: t });
      await redis.clearCache({ cacheType: t });
    }
    await sqlite.transaction({}, (tx) => tx.execute('DELETE FROM cache_storage'));
    for (const e of await redis.getCacheStorage())
      await redis.unsetCacheStorage({ namespace: e.namespace, key: e.key });
  }

  it('gives equal answers for generated sequences of cache calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        await reset();
        const realStart = Math.floor(Date.now() / 1000) - 1;
        let v = V0;
        for (const s of steps) {
          let pair: [unknown, unknown];
          switch (s.op) {
            case 'advance':
              v += s.seconds;
              continue;
            case 'set': {
              const args = { cacheType: s.type, key: s.key, data: s.data as string };
              pair = [await outcome(sqlite.setCacheEntry(args)), await outcome(redis.setCacheEntry(args))];
              break;
            }
            case 'get':
              pair =
                typeof s.ttl === 'number' && s.ttl > 0
                  ? await ttlRead(s, v)
                  : [
                      await outcome(sqlite.getCacheEntry({ cacheType: s.type, key: s.key, ttl: s.ttl })),
                      await outcome(redis.getCacheEntry({ cacheType: s.type, key: s.key, ttl: s.ttl })),
                    ];
              break;
            case 'clear':
              pair = [
                await outcome(sqlite.clearCache({ cacheType: s.type })),
                await outcome(redis.clearCache({ cacheType: s.type })),
              ];
              break;
            case 'setStorage': {
              const args = { namespace: s.namespace, key: s.key, value: s.value as string };
              pair = [await outcome(sqlite.setCacheStorage(args)), await outcome(redis.setCacheStorage(args))];
              break;
            }
            case 'unsetStorage': {
              const args = { namespace: s.namespace, key: s.key };
              pair = [await outcome(sqlite.unsetCacheStorage(args)), await outcome(redis.unsetCacheStorage(args))];
              break;
            }
            case 'getStorage':
              pair = [await outcome(sqlite.getCacheStorage()), await outcome(redis.getCacheStorage())];
              break;
          }
          expect(pair[1], JSON.stringify(s)).toEqual(pair[0]);
          if (s.op === 'set' || s.op === 'setStorage') await stampVirtual(v, realStart);
        }
      }),
      { numRuns: 100 },
    );
  }, 600_000);
});
