/** A bot whose caches live in Redis: a SQLite default source and a Redis cache source with its own key prefix. */
import { randomBytes } from 'node:crypto';
import type { SourceConfigInput } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { type RedisReply, redisPipeline, type TempDir } from '@pkg/testkit';

/** A key prefix no other test (or helper sharing the server) uses. */
export function uniquePrefix(): string {
  return `botdbtest-${randomBytes(6).toString('hex')}:`;
}

export interface RedisBotOptions {
  maxAge?: number;
  onUnavailable?: 'miss' | 'error';
  timeout?: number;
  sentinels?: string[];
  masterName?: string;
}

export function redisSource(url: string, prefix: string, o: RedisBotOptions = {}): SourceConfigInput {
  return {
    type: 'redis',
    url,
    'key-prefix': prefix,
    timeout: o.timeout ?? 5,
    ...(o.maxAge === undefined ? {} : { 'max-age': o.maxAge }),
    ...(o.onUnavailable === undefined ? {} : { 'on-unavailable': o.onUnavailable }),
    ...(o.sentinels === undefined ? {} : { sentinels: o.sentinels, 'master-name': o.masterName }),
  } as SourceConfigInput;
}

/** `cache = "redis"`, default = a SQLite file in `dir`. */
export function redisBot(dir: TempDir, url: string, prefix: string, o: RedisBotOptions = {}): DatabaseWrapper {
  return new DatabaseWrapper({
    config: {
      default: 'main',
      cache: 'redis',
      sources: { main: { path: dir.file('bot.db') }, redis: redisSource(url, prefix, o) },
    },
  });
}

/** Raw commands on the server of `url` (its database selected), on one fresh connection: the test's own hands. */
export function rawRedis(url: string): (...commands: (string | number)[][]) => Promise<RedisReply[]> {
  const u = new URL(url);
  const port = Number(u.port || '6379');
  const db = u.pathname.replace(/^\//, '') || '0';
  return async (...commands) =>
    (await redisPipeline(port, [['SELECT', db], ...commands], { host: u.hostname })).slice(1);
}
