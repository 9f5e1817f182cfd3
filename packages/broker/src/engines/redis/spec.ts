/**
 * A Redis source: it serves one family of the bot's operations (the caches), not SQL. The connection an
 * operations module's `prepare.redis` gets is where it hands the worker its Redis implementations.
 */
import type { Redis } from 'ioredis';
import { type CommonSourceSpec, urlWithoutPassword } from '../../engine.js';

/** One Redis server (or the master a set of sentinels names). */
export interface RedisSourceSpec extends CommonSourceSpec {
  engine: 'redis';
  /** redis://host:port/db, without a password (it comes from `passwordEnv`). With sentinels: the database and user only. */
  url: string;
  /** Environment variable holding the password, read in the worker; null: no password. */
  passwordEnv: string | null;
  /** Every key this source writes starts with it (several bots or test runs may share one database). */
  keyPrefix: string;
  /** Every entry expires in Redis this long after its last write, whatever the bot's TTL: memory stays bounded. */
  maxAgeMs: number;
  /** Redis unreachable: reads answer a miss (`miss`, counted and warned once) or fail SOURCE_UNAVAILABLE (`error`). */
  onUnavailable: 'miss' | 'error';
  /** Sentinels as "host:port"; null: `url` names the server itself. */
  sentinels: string[] | null;
  /** The master the sentinels watch (required with sentinels). */
  masterName: string | null;
}

/** What an operation implemented for Redis gets: the client and the source's key settings. */
export interface RedisContext {
  readonly redis: Redis;
  readonly source: string;
  readonly keyPrefix: string;
  readonly maxAgeMs: number;
}

/** One operation as a Redis source runs it (rejects with the client's or the caller's error). */
export interface RedisOperation {
  readonly run: (args: unknown, context: RedisContext) => Promise<unknown>;
}

/**
 * What `prepare.redis` gets: the client, and `serve`, where the operations module lists the operations this
 * source answers (every other one is INVALID_ARGUMENT naming them).
 */
export interface RedisConnection extends RedisContext {
  serve(operations: Readonly<Record<string, RedisOperation>>): void;
}

/** Where a Redis source lives, for messages: the URL without password, or the sentinels and master. */
export function redisLocation(spec: Pick<RedisSourceSpec, 'url' | 'sentinels' | 'masterName' | 'keyPrefix'>): string {
  const where =
    spec.sentinels === null
      ? urlWithoutPassword(spec.url)
      : `sentinels ${spec.sentinels.join(',')} master ${spec.masterName ?? '?'} (${urlWithoutPassword(spec.url)})`;
  return `${where} prefix ${spec.keyPrefix}`;
}
