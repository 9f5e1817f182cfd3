/** How the Redis client's and server's errors map to the library's stable codes. */
import { DatabaseError, SourceUnavailableError } from '@pkg/errors';
import { type RedisSourceSpec, redisLocation } from './spec.js';

/** Server answers that mean "not now" (a failover, a load, a busy script), not "this command is wrong". */
const TRANSIENT_REPLIES = /^(READONLY|LOADING|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/** The server could not be asked: closed, refused, timed out, not ready, or answering "not now". */
export function isRedisUnavailable(e: unknown): boolean {
  if (e instanceof DatabaseError) return e.code === 'SOURCE_UNAVAILABLE';
  const name = (e as { name?: unknown } | null)?.name;
  const message = e instanceof Error ? e.message : String(e);
  // A ReplyError is the server's answer to the command itself.
  if (name === 'ReplyError') return TRANSIENT_REPLIES.test(message);
  return true;
}

/** A failed call, as the library's typed error. `what`: the operation. */
export function toRedisError(
  spec: Pick<RedisSourceSpec, 'name' | 'url' | 'sentinels' | 'masterName' | 'keyPrefix' | 'timeoutMs'>,
  what: string,
  e: unknown,
): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (isRedisUnavailable(e)) {
    return new SourceUnavailableError(
      spec.name,
      redisLocation(spec),
      `${what} could not reach Redis (${message})`,
      'check that the server (or its sentinels) is up and reachable; the source reconnects by itself, a write is not resent (it may have been applied)',
    );
  }
  const code = message.split(' ')[0] ?? 'ERR';
  return new DatabaseError('QUERY_FAILED', `${what} on source "${spec.name}" failed in Redis (${code}): ${message}`, {
    source: spec.name,
    operation: what,
    redisError: code,
    constraint: false,
  });
}
