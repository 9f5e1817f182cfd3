/** What `botdb` needs from the Redis engine (the contract is ../tools.ts): a cache source, no bot tables. */

import { redisLocation, urlWithoutPassword } from '@pkg/broker';
import { connectRedis, whenReady } from '@pkg/broker/engines';
import { InvalidArgumentError, SourceUnavailableError } from '@pkg/errors';
import { CACHE_TYPES } from '../../types.js';
import type { EngineTools } from '../tools.js';
import { cacheIndexKey, storageIndexKey } from './keys.js';
import { openRedisCacheWriter } from './move.js';

const noTables = (what: string) =>
  Promise.reject(
    new InvalidArgumentError(
      what,
      'source',
      "names a Redis source, which holds only the bot's caches, no bot tables. Fix: move the tables between SQL sources; copy the caches into Redis with botdb move --cache",
    ),
  );

export const redisTools: EngineTools<'redis'> = {
  place: (spec) => ({
    type: 'redis',
    path: null,
    location: redisLocation(spec),
    fields: {
      url: urlWithoutPassword(spec.url),
      keyPrefix: spec.keyPrefix,
      ...(spec.sentinels === null ? {} : { sentinels: spec.sentinels.join(','), masterName: spec.masterName ?? '' }),
    },
  }),
  sameData: (a, b) => redisLocation(a) === redisLocation(b),
  local: () => ({ exists: null, size: null, walSize: null, cannotCreate: null }),
  notCreated: (spec) => ({
    checkNote: 'a Redis cache source: nothing to create',
    statsMessage: `${redisLocation(spec)} holds caches only.`,
  }),
  olderSchema: async () => null,
  figureQueries: null,
  async cacheFigures(spec) {
    const client = connectRedis(spec);
    try {
      if (!(await whenReady(client, spec.timeoutMs))) {
        throw new SourceUnavailableError(
          spec.name,
          redisLocation(spec),
          `no connection within ${spec.timeoutMs} ms`,
          'check that Redis is up and url (or sentinels) is right',
        );
      }
      const info = await client.info('server');
      const serverVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      const entries: Record<string, number> = {};
      const now = Date.now();
      for (const type of CACHE_TYPES)
        entries[type] = await client.zcount(cacheIndexKey(spec.keyPrefix, type), now + 1, '+inf');
      const storage = await client.zcount(storageIndexKey(spec.keyPrefix), now + 1, '+inf');
      return { serverVersion, entries, storage };
    } finally {
      client.disconnect();
    }
  },
  openCacheWriter: openRedisCacheWriter,
  openReader: () => noTables('botdb move'),
  openWriter: () => noTables('botdb move'),
  backup: {
    kind: 'dump',
    command(spec, fileArg) {
      const dumpFile = fileArg.replace(/(\.[^./\\]*)?$/, '.rdb');
      const env = spec.passwordEnv === null ? '' : `REDISCLI_AUTH="$${spec.passwordEnv}" `;
      return {
        dumpFile,
        command: `${env}redis-cli -u '${urlWithoutPassword(spec.url)}' --rdb '${dumpFile}'`,
        restore: 'a Redis RDB snapshot of the whole server; caches can also simply be refilled by the bot',
      };
    },
  },
};
