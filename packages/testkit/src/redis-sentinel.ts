/**
 * A throwaway Redis Sentinel set for failover tests: a master, its replica(s) and one sentinel watching them
 * (quorum 1), each on a free port of 127.0.0.1 in its own temp folder, stopped and deleted after. The sentinel
 * is `redis-sentinel` when installed, else `redis-server --sentinel` (the same program). No env override: a
 * failover test must own the servers it kills.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './local-server.js';
import { findRedisBinaries, REDIS_MISSING_REASON, startTestRedisServer, type TestRedisServer } from './redis.js';
import { type RedisProcess, type RedisStopMode, startRedisProcess } from './redis-process.js';
import { redisCommand, redisInfo } from './redis-protocol.js';

/** A host and port, as a sentinel names them and as drivers take them (`sentinels: [{ host, port }]`). */
export interface RedisAddress {
  host: string;
  port: number;
}

export interface TestRedisSentinelOptions {
  /** The name the sentinel monitors the master under (default `botdb`). */
  masterName?: string;
  /** How many replicas (default 1). */
  replicas?: 1 | 2;
  /** How long the master must be unreachable before the sentinel fails over (default 1000 ms). */
  downAfterMs?: number;
}

export interface TestRedisSentinel {
  masterName: string;
  /** The sentinel's address, as a driver's `sentinels` list. */
  sentinels: RedisAddress[];
  /** The first master (after a failover, a replica is the master: ask `currentMaster()`). */
  master: TestRedisServer;
  replicas: TestRedisServer[];
  /** The sentinel process: stop and start it to test a driver without its sentinel. */
  sentinel: {
    port: number;
    readonly pid: number | null;
    log: string;
    stopServer(mode?: RedisStopMode): Promise<void>;
    startServer(): Promise<void>;
  };
  /** The master the sentinel names now (`SENTINEL get-master-addr-by-name`). */
  currentMaster(): Promise<RedisAddress>;
  /** Resolves with the new master once the sentinel names one other than port `from`; bounded (default 30 s). */
  waitForFailover(from: number, timeoutMs?: number): Promise<RedisAddress>;
  /** Stops every process and deletes every folder. */
  stop(): Promise<void>;
}

/** Resolves when every replica's link to the master on `masterPort` is up; bounded. */
async function waitForReplicas(masterPort: number, replicas: TestRedisServer[], timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${replicas.length} replica(s) synced with the master on 127.0.0.1:${masterPort}`,
    async () => {
      for (const replica of replicas) {
        if ((await redisInfo(replica.port, 'replication')).get('master_link_status') !== 'up') return undefined;
      }
      return true;
    },
    {
      timeoutMs,
      describe: async () =>
        `master: connected_slaves=${(await redisInfo(masterPort, 'replication')).get('connected_slaves')}`,
    },
  );
}

/** Starts a master, `replicas` replicas and one sentinel; resolves once the sentinel knows every replica. */
export async function startTestRedisSentinel(options: TestRedisSentinelOptions = {}): Promise<TestRedisSentinel> {
  const bin = findRedisBinaries();
  if (!bin) throw new Error(`startTestRedisSentinel: ${REDIS_MISSING_REASON}`);
  const masterName = options.masterName ?? 'botdb';
  const servers: TestRedisServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'botdb-redis-sentinel-'));
  let sentinel: RedisProcess | null = null;
  const stopOnExit = (): void => {
    const pid = sentinel?.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit); // the servers have their own
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    try {
      await sentinel?.stopServer('immediate');
      for (const server of servers) await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    const master = await startTestRedisServer();
    servers.push(master);
    for (let i = 0; i < (options.replicas ?? 1); i++)
      servers.push(await startTestRedisServer({ replicaOf: master.port }));
    const replicas = servers.slice(1);
    await waitForReplicas(master.port, replicas);

    // The sentinel rewrites its config file (what it learns): it lives in the sentinel's folder.
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
        `sentinel failover-timeout ${masterName} 10000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    sentinel = await startRedisProcess('sentinel', dir, (port) => ({
      file: bin.sentinel ?? bin.server,
      args: [
        config,
        ...(bin.sentinel ? [] : ['--sentinel']),
        '--port',
        String(port),
        '--logfile',
        join(dir, 'sentinel.log'),
      ],
    }));
    const watcher = sentinel;
    await waitFor(
      `the sentinel on 127.0.0.1:${watcher.port} knows the ${replicas.length} replica(s) of ${masterName}`,
      async () => {
        const known = await redisCommand(watcher.port, ['SENTINEL', 'REPLICAS', masterName]);
        return Array.isArray(known) && known.length >= replicas.length ? true : undefined;
      },
      { timeoutMs: 30_000, describe: watcher.tail },
    );

    const currentMaster = async (): Promise<RedisAddress> => {
      const reply = await redisCommand(watcher.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
      if (!Array.isArray(reply) || reply.length !== 2)
        throw new Error(`sentinel names no master: ${JSON.stringify(reply)}`);
      return { host: String(reply[0]), port: Number(reply[1]) };
    };
    return {
      masterName,
      sentinels: [{ host: '127.0.0.1', port: watcher.port }],
      master,
      replicas,
      sentinel: {
        port: watcher.port,
        get pid() {
          return watcher.pid;
        },
        log: watcher.log,
        stopServer: (mode?: RedisStopMode) => watcher.stopServer(mode),
        startServer: () => watcher.startServer(),
      },
      currentMaster,
      waitForFailover: (from: number, timeoutMs = 30_000) =>
        waitFor(
          `the sentinel fails ${masterName} over from 127.0.0.1:${from}`,
          async () => {
            const now = await currentMaster();
            if (now.port === from) return undefined;
            // Named is not yet serving: wait until the promoted replica says it is a master.
            return (await redisInfo(now.port, 'replication')).get('role') === 'master' ? now : undefined;
          },
          { timeoutMs, describe: () => watcher.tail().split('\n').slice(-8).join('\n') },
        ),
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
