/**
 * The bot's cache operations on a Redis source, with the SQL operations' answers (operations/system.ts):
 * the same argument checks (INVALID_ARGUMENT), the same rows (key, data, created_at, updated_at as Dates to
 * the second; created_at kept by an update), the same TTL rule (ttl <= 0 never fresh; an entry exactly ttl
 * seconds old still is, against "now - ttl" cut to the second as SQLite's datetime() does), getCacheStorage
 * newest first with same-second ties in insertion order, and `true` for every write.
 */
import type { RedisContext, RedisOperation } from '@pkg/broker';
import { requireNumber, requireOneOf, requireString } from '../../operations/values.js';
import { CACHE_TYPES, type CacheEntry, type CacheStorageEntry, type CacheType } from '../../types.js';
import {
  cacheEntryKey,
  cacheEntryPrefix,
  cacheIndexKey,
  storageEntryPrefix,
  storageIndexKey,
  storageMember,
  storageSeqKey,
} from './keys.js';
import {
  CLEAR_CACHE,
  GET_CACHE_ENTRY,
  GET_CACHE_STORAGE,
  SET_CACHE_ENTRY,
  SET_CACHE_STORAGE,
  UNSET_CACHE_STORAGE,
} from './scripts.js';

/** The scripts, as the client's commands (defined once per client by `defineCacheScripts`). */
interface CacheScripts {
  botdbSetCacheEntry(entry: string, index: string, data: string, maxAgeMs: number, key: string): Promise<number>;
  botdbGetCacheEntry(entry: string): Promise<[string, string, string, string] | null>;
  botdbClearCache(index: string, entryPrefix: string): Promise<number>;
  botdbSetCacheStorage(
    entry: string,
    index: string,
    seq: string,
    value: string,
    maxAgeMs: number,
    member: string,
  ): Promise<number>;
  botdbUnsetCacheStorage(entry: string, index: string, member: string): Promise<number>;
  botdbGetCacheStorage(index: string, entryPrefix: string): Promise<string[]>;
}

const SCRIPTS: Record<keyof CacheScripts, { numberOfKeys: number; lua: string }> = {
  botdbSetCacheEntry: { numberOfKeys: 2, lua: SET_CACHE_ENTRY },
  botdbGetCacheEntry: { numberOfKeys: 1, lua: GET_CACHE_ENTRY },
  botdbClearCache: { numberOfKeys: 1, lua: CLEAR_CACHE },
  botdbSetCacheStorage: { numberOfKeys: 3, lua: SET_CACHE_STORAGE },
  botdbUnsetCacheStorage: { numberOfKeys: 2, lua: UNSET_CACHE_STORAGE },
  botdbGetCacheStorage: { numberOfKeys: 1, lua: GET_CACHE_STORAGE },
};

/** Defines the scripts on the source's client (EVALSHA, loaded again by the client after a server restart). */
export function defineCacheScripts(context: RedisContext): void {
  for (const [name, script] of Object.entries(SCRIPTS)) context.redis.defineCommand(name, script);
}

const scripts = (context: RedisContext): CacheScripts => context.redis as unknown as CacheScripts;

/** Stored seconds -> the Date the SQL engines read. */
const at = (seconds: string): Date => new Date(Number(seconds) * 1000);

/** The earliest instant SQLite's datetime() can name (0000-01-01): an older bound is NULL there, never fresh. */
const EARLIEST_MS = -62_167_219_200_000;

/**
 * Whether an entry stamped `updated` (s) is fresh at `nowMs` for `ttl` (s, > 0): updated >= (now - ttl) cut
 * to the second. SQLite moves 'now' by the ttl rounded to the ms, then drops the fraction.
 */
export function isFresh(updated: number, nowMs: number, ttl: number): boolean {
  const boundMs = nowMs - Math.round(ttl * 1000);
  if (boundMs < EARLIEST_MS) return false;
  return updated >= Math.floor(boundMs / 1000);
}

const cacheType = (value: unknown, op: string): CacheType => requireOneOf(value, CACHE_TYPES, op, 'cacheType');

type Args = Record<string, unknown>;

export const REDIS_CACHE_OPERATIONS: Readonly<Record<string, RedisOperation>> = {
  getCacheEntry: {
    async run(raw, context): Promise<CacheEntry | null> {
      const a = raw as Args;
      const op = 'getCacheEntry';
      const type = cacheType(a.cacheType, op);
      const key = requireString(a.key, op, 'key');
      const ttl = a.ttl == null ? null : requireNumber(a.ttl, op, 'ttl');
      // As the bot: ttl <= 0 can never be fresh.
      if (ttl !== null && ttl <= 0) return null;
      const found = await scripts(context).botdbGetCacheEntry(cacheEntryKey(context.keyPrefix, type, key));
      if (found === null) return null;
      const [data, created, updated, nowMs] = found;
      if (ttl !== null && !isFresh(Number(updated), Number(nowMs), ttl)) return null;
      return { key, data, created_at: at(created), updated_at: at(updated) };
    },
  },

  setCacheEntry: {
    async run(raw, context): Promise<boolean> {
      const a = raw as Args;
      const op = 'setCacheEntry';
      const type = cacheType(a.cacheType, op);
      const key = requireString(a.key, op, 'key');
      const data = requireString(a.data, op, 'data');
      const p = context.keyPrefix;
      await scripts(context).botdbSetCacheEntry(
        cacheEntryKey(p, type, key),
        cacheIndexKey(p, type),
        data,
        context.maxAgeMs,
        key,
      );
      return true;
    },
  },

  /** Every entry of the type, nothing else (the bot's DELETE FROM cache_<type>). */
  clearCache: {
    async run(raw, context): Promise<boolean> {
      const type = cacheType((raw as Args).cacheType, 'clearCache');
      const p = context.keyPrefix;
      await scripts(context).botdbClearCache(cacheIndexKey(p, type), cacheEntryPrefix(p, type));
      return true;
    },
  },

  getCacheStorage: {
    async run(_raw, context): Promise<CacheStorageEntry[]> {
      const p = context.keyPrefix;
      const flat = await scripts(context).botdbGetCacheStorage(storageIndexKey(p), storageEntryPrefix(p));
      const rows: { entry: CacheStorageEntry; u: number; r: number }[] = [];
      for (let i = 0; i < flat.length; i += 4) {
        const [namespace, key] = JSON.parse(flat[i] as string) as [string, string];
        const u = Number(flat[i + 2]);
        rows.push({
          entry: { namespace, key, value: flat[i + 1] as string, updated_at: at(String(u)) },
          u,
          r: Number(flat[i + 3]),
        });
      }
      // ORDER BY updated_at DESC, rowid.
      rows.sort((x, y) => y.u - x.u || x.r - y.r);
      return rows.map((row) => row.entry);
    },
  },

  setCacheStorage: {
    async run(raw, context): Promise<boolean> {
      const a = raw as Args;
      const op = 'setCacheStorage';
      const namespace = requireString(a.namespace, op, 'namespace');
      const key = requireString(a.key, op, 'key');
      const value = requireString(a.value, op, 'value');
      const p = context.keyPrefix;
      const member = storageMember(namespace, key);
      await scripts(context).botdbSetCacheStorage(
        storageEntryPrefix(p) + member,
        storageIndexKey(p),
        storageSeqKey(p),
        value,
        context.maxAgeMs,
        member,
      );
      return true;
    },
  },

  unsetCacheStorage: {
    async run(raw, context): Promise<boolean> {
      const a = raw as Args;
      const op = 'unsetCacheStorage';
      const member = storageMember(requireString(a.namespace, op, 'namespace'), requireString(a.key, op, 'key'));
      const p = context.keyPrefix;
      await scripts(context).botdbUnsetCacheStorage(storageEntryPrefix(p) + member, storageIndexKey(p), member);
      return true;
    },
  },
};

/** The operations a Redis source serves, by name (what its refusals list). */
export const REDIS_SERVED = Object.keys(REDIS_CACHE_OPERATIONS);
