/**
 * `botdb move --cache`'s destination on Redis: the caches of a SQL source written with their own timestamps,
 * through the source's own client options (connect.ts) and key layout (keys.ts).
 */

import { type RedisSourceSpec, redisLocation } from '@pkg/broker';
import { connectRedis, whenReady } from '@pkg/broker/engines';
import { SourceUnavailableError } from '@pkg/errors';
import { CACHE_TYPES, type CacheType } from '../../types.js';
import type { CacheWriter } from '../tools.js';
import {
  cacheEntryKey,
  cacheIndexKey,
  storageEntryPrefix,
  storageIndexKey,
  storageMember,
  storageSeqKey,
} from './keys.js';
import { IMPORT_CACHE_ENTRY, IMPORT_CACHE_STORAGE } from './scripts.js';

interface ImportScripts {
  botdbImportCacheEntry(...args: (string | number)[]): Promise<number>;
  botdbImportCacheStorage(...args: (string | number)[]): Promise<number>;
}

export async function openRedisCacheWriter(spec: RedisSourceSpec): Promise<CacheWriter> {
  const client = connectRedis(spec);
  if (!(await whenReady(client, spec.timeoutMs))) {
    client.disconnect();
    throw new SourceUnavailableError(
      spec.name,
      redisLocation(spec),
      `no connection within ${spec.timeoutMs} ms`,
      'check that Redis is up and url (or sentinels) is right',
    );
  }
  client.defineCommand('botdbImportCacheEntry', { numberOfKeys: 2, lua: IMPORT_CACHE_ENTRY });
  client.defineCommand('botdbImportCacheStorage', { numberOfKeys: 3, lua: IMPORT_CACHE_STORAGE });
  const scripts = client as unknown as ImportScripts;
  const p = spec.keyPrefix;
  return {
    async putEntry(type, key, data, createdAt, updatedAt) {
      if (!(CACHE_TYPES as readonly string[]).includes(type)) return false;
      const t = type as CacheType;
      const done = await scripts.botdbImportCacheEntry(
        cacheEntryKey(p, t, key),
        cacheIndexKey(p, t),
        data,
        createdAt,
        updatedAt,
        spec.maxAgeMs,
        key,
      );
      return done === 1;
    },
    async putStorage(namespace, key, value, updatedAt) {
      const member = storageMember(namespace, key);
      const done = await scripts.botdbImportCacheStorage(
        storageEntryPrefix(p) + member,
        storageIndexKey(p),
        storageSeqKey(p),
        value,
        updatedAt,
        spec.maxAgeMs,
        member,
      );
      return done === 1;
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
