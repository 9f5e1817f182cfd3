/** A Redis source's prepare hook: no schema to check; it defines the cache scripts and serves the cache operations. */
import type { PrepareHook } from '@pkg/broker';
import { defineCacheScripts, REDIS_CACHE_OPERATIONS } from './cache.js';

export const prepareRedis: PrepareHook<'redis'> = (connection) => {
  defineCacheScripts(connection);
  connection.serve(REDIS_CACHE_OPERATIONS);
  return {};
};
