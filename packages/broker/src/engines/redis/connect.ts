/**
 * A Redis source's client, as the source worker and `botdb` open it: one set of options for both. The
 * options are chosen so that nothing waits past the source's `timeout` and nothing is sent twice:
 * - enableOfflineQueue false: while the connection is down a command fails at once (a read is a miss)
 *   instead of queueing until the server returns;
 * - maxRetriesPerRequest 0: a command whose connection dropped is never resent (a write may have landed);
 * - commandTimeout = timeout: a server that stops answering fails the command within it;
 * - retryStrategy: reconnects forever, at most every 500 ms, so the source recovers by itself;
 * - enableAutoPipelining: commands of one tick travel in one write.
 */
import { SourceOpenError } from '@pkg/errors';
import type * as IoRedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { lazyDriver } from '../lazy-driver.js';
import { type RedisSourceSpec, redisLocation } from './spec.js';

const ioredis = lazyDriver<typeof IoRedis>('ioredis');

/** What a connecting spec needs: a worker's full spec, or the CLI's view of a configured source. */
export type RedisTarget = Pick<
  RedisSourceSpec,
  'name' | 'url' | 'passwordEnv' | 'keyPrefix' | 'timeoutMs' | 'sentinels' | 'masterName'
>;

/** Reconnect delays: quick at first, never more than half a second apart. */
const retry = (times: number): number => Math.min(25 * 2 ** times, 500);

/** The password named by password-env (must be set), or undefined without one. */
export function redisPassword(spec: RedisTarget): string | undefined {
  if (spec.passwordEnv === null) return undefined;
  const value = process.env[spec.passwordEnv];
  if (value === undefined) {
    throw new SourceOpenError(
      spec.name,
      redisLocation(spec),
      `password-env names ${spec.passwordEnv}, which is not set in the environment`,
      `export ${spec.passwordEnv}=... before starting the bot, or remove password-env when the server has no password`,
    );
  }
  return value;
}

/** The client options of a spec (without connecting). */
export function redisOptions(spec: RedisTarget): RedisOptions {
  const url = new URL(spec.url);
  const db = Number(url.pathname.replace(/^\//, '') || '0');
  const password = redisPassword(spec);
  const username = decodeURIComponent(url.username) || undefined;
  const common: RedisOptions = {
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    connectionName: `botdb:${spec.name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: spec.timeoutMs,
    connectTimeout: spec.timeoutMs,
    retryStrategy: retry,
    enableAutoPipelining: true,
    // After a failover the old master answers READONLY: reconnect (the sentinels name the new master).
    reconnectOnError: (e) => (e.message.startsWith('READONLY') ? 1 : false),
  };
  if (spec.sentinels === null) {
    return { ...common, host: url.hostname || '127.0.0.1', port: Number(url.port || '6379') };
  }
  return {
    ...common,
    sentinels: spec.sentinels.map((s) => {
      const at = s.lastIndexOf(':');
      return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
    }),
    name: spec.masterName ?? 'mymaster',
    sentinelRetryStrategy: retry,
    // Listens for the sentinels' +switch-master: the client moves at once instead of at its next error.
    failoverDetector: true,
  };
}

/** The client, connecting in the background (commands fail at once until it is ready). */
export function connectRedis(spec: RedisTarget): Redis {
  const client = new (ioredis().Redis)(redisOptions(spec));
  // Connection errors are the commands' business (they fail typed); without a listener ioredis logs each.
  client.on('error', () => {});
  return client;
}

/** Resolves true once the client is ready, false after `ms` (it keeps trying in the background). */
export function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}
