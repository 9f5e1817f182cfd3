/**
 * Where a Redis source keeps the bot's caches (every key starts with the source's key-prefix P; the part in
 * braces is a Redis Cluster hash tag, so one cache type's keys share one slot and its scripts stay legal):
 * - a cache entry (type T, key K): hash `P{c:T}:K`, fields d (data), c (created_at), u (updated_at), both in
 *   whole seconds of the server's clock, as SQL's CURRENT_TIMESTAMP stores them; expires max-age after its last write;
 * - type T's index: sorted set `P{c:T}`, member K, score = the entry's expiry (ms): clearCache(T) deletes
 *   exactly these keys, never scanning the database; every write prunes the members whose expiry passed;
 * - a storage entry (namespace N, key K): hash `P{s}:e:<M>` with M = JSON [N, K] (one spelling per pair),
 *   fields v (value), u (updated_at), r (insertion number: SQLite's rowid order for same-second ties);
 * - the storage index: sorted set `P{s}`, member M, score = expiry (ms); `P{s}:seq`: the insertion counter.
 */
import type { CacheType } from '../../types.js';

export function cacheEntryKey(prefix: string, type: CacheType, key: string): string {
  return `${cacheEntryPrefix(prefix, type)}${key}`;
}

export function cacheEntryPrefix(prefix: string, type: CacheType): string {
  return `${prefix}{c:${type}}:`;
}

export function cacheIndexKey(prefix: string, type: CacheType): string {
  return `${prefix}{c:${type}}`;
}

export function storageMember(namespace: string, key: string): string {
  return JSON.stringify([namespace, key]);
}

export function storageEntryPrefix(prefix: string): string {
  return `${prefix}{s}:e:`;
}

export function storageIndexKey(prefix: string): string {
  return `${prefix}{s}`;
}

export function storageSeqKey(prefix: string): string {
  return `${prefix}{s}:seq`;
}
