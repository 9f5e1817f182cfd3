import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findRedisBinaries,
  REDIS_MISSING_REASON,
  redisCommand,
  redisInfo,
  redisPipeline,
  startTestRedisSentinel,
} from '../src/index.js';
import { probeTcp as accepts } from '../src/local-server.js';

/** Alive and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

describe('startTestRedisSentinel', () => {
  const bin = findRedisBinaries();
  if (!bin && process.env.CI === 'true') {
    it('redis-server is installed (required under CI=true)', () => {
      throw new Error(`CI=true requires Redis, and there is none: ${REDIS_MISSING_REASON}`);
    });
  }
  it.skipIf(!bin)(
    bin
      ? 'a master, a replica and a sentinel: a write reaches the replica, the master is killed, the sentinel promotes the replica, stop() leaves nothing'
      : `Redis tests skipped: ${REDIS_MISSING_REASON}`,
    async () => {
      const started = Date.now();
      const set = await startTestRedisSentinel({ downAfterMs: 500 });
      const startMs = Date.now() - started;
      const [replica] = set.replicas;
      if (!replica) throw new Error('no replica');
      const pids = [set.master.pid, replica.pid, set.sentinel.pid].map(Number);
      const dirs = [set.master.dir, replica.dir];
      let failoverMs = 0;
      try {
        expect(set.sentinels).toEqual([{ host: '127.0.0.1', port: set.sentinel.port }]);
        expect(await set.currentMaster()).toEqual({ host: '127.0.0.1', port: set.master.port });
        expect((await redisInfo(replica.port, 'replication')).get('role')).toBe('slave');

        // WAIT on the connection that wrote: the replica acknowledged that write.
        expect(
          await redisPipeline(set.master.port, [
            ['SET', 'chat:1', 'cached'],
            ['WAIT', 1, 5_000],
          ]),
        ).toEqual(['OK', 1]);
        expect(await redisCommand(replica.port, ['GET', 'chat:1'])).toBe('cached');
        await expect(redisCommand(replica.port, ['SET', 'chat:2', 'x'])).rejects.toThrow(/READONLY/);

        const killedAt = Date.now();
        await set.master.stopServer('immediate');
        expect(await accepts(set.master.port)).toBe(false);
        expect(await set.waitForFailover(set.master.port)).toEqual({ host: '127.0.0.1', port: replica.port });
        expect(await redisCommand(replica.port, ['SET', 'chat:2', 'after failover'])).toBe('OK');
        failoverMs = Date.now() - killedAt;
        expect(await redisCommand(replica.port, ['GET', 'chat:1'])).toBe('cached');
      } finally {
        await set.stop();
      }
      for (const dir of dirs) expect(existsSync(dir)).toBe(false);
      for (const port of [set.master.port, replica.port, set.sentinel.port]) expect(await accepts(port)).toBe(false);
      expect(pids.filter(alive)).toEqual([]);
      console.log(
        `Redis master + replica + sentinel started in ${startMs} ms; kill to a write on the new master: ${failoverMs} ms (${bin?.sentinel ? 'redis-sentinel' : 'redis-server --sentinel'})`,
      );
    },
    60_000,
  );
});
