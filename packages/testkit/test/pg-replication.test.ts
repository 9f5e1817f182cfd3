import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  findPgReplicationBinDir,
  PG_PRIMARY_URL_ENV,
  PG_REPLICA_URLS_ENV,
  PG_REPLICATION_MISSING_REASON,
  pgReplicationTestAvailable,
  startTestPgReplicaCluster,
  startTestPgReplication,
  type TestPgNode,
  type TestPgReplicaCluster,
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

/** The postmaster of `node` and every process it forked (walsender, walreceiver, checkpointer, ...). */
function processesOf(node: TestPgNode): number[] {
  const pid = Number(readFileSync(`${node.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [pid, ...children];
}

/** Stops the set and proves nothing is left: no folder, no port answering, no process. */
async function stopAndExpectNothingLeft(set: TestPgReplicaCluster, nodes: TestPgNode[]): Promise<void> {
  const pids = nodes.filter((n) => n.running).flatMap(processesOf);
  expect(pids.length).toBeGreaterThan(nodes.length); // each postmaster has children
  await set.stop();
  expect(existsSync(set.dir)).toBe(false);
  for (const node of nodes) expect(await accepts(node.port)).toBe(false);
  expect(pids.filter(alive)).toEqual([]);
  await set.stop(); // twice is harmless
}

function withEnv(values: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  const apply = (entries: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(values);
  return body().finally(() => apply(previous));
}

describe('startTestPgReplication', () => {
  it(`returns ${PG_PRIMARY_URL_ENV} and ${PG_REPLICA_URLS_ENV} as they are, and stop() leaves them alone`, () =>
    withEnv(
      {
        [PG_PRIMARY_URL_ENV]: 'postgres://bot@db1.example:5432/bots',
        [PG_REPLICA_URLS_ENV]: ' postgres://bot@db2.example:5432/bots , postgres://bot@db3.example:5432/bots',
      },
      async () => {
        const set = await startTestPgReplication();
        expect(set).toEqual({
          primaryUrl: 'postgres://bot@db1.example:5432/bots',
          replicaUrls: ['postgres://bot@db2.example:5432/bots', 'postgres://bot@db3.example:5432/bots'],
          origin: 'env',
          dir: null,
          stop: expect.any(Function),
        });
        expect(pgReplicationTestAvailable()).toBe(true);
        await set.stop();
      },
    ));

  it('refuses a primary without replicas (or replicas without a primary), naming both variables', async () => {
    await withEnv(
      { [PG_PRIMARY_URL_ENV]: 'postgres://bot@db1.example/bots', [PG_REPLICA_URLS_ENV]: undefined },
      async () => {
        await expect(startTestPgReplication()).rejects.toThrow(`set both ${PG_PRIMARY_URL_ENV}`);
      },
    );
    await withEnv(
      { [PG_PRIMARY_URL_ENV]: undefined, [PG_REPLICA_URLS_ENV]: 'postgres://bot@db2.example/bots' },
      async () => {
        await expect(startTestPgReplication()).rejects.toThrow(`only ${PG_REPLICA_URLS_ENV} is set`);
      },
    );
  });

  // Servers of its own always (startTestPgReplicaCluster ignores the env URLs): only the binaries matter here.
  const canStart = findPgReplicationBinDir() !== null;
  if (!canStart && process.env.CI === 'true') {
    it('PostgreSQL binaries with pg_basebackup are installed (required under CI=true)', () => {
      throw new Error(`CI=true requires PostgreSQL, and there is none: ${PG_REPLICATION_MISSING_REASON}`);
    });
  }
  const skipped = `PostgreSQL replication tests skipped: ${PG_REPLICATION_MISSING_REASON}`;

  it.skipIf(!canStart)(
    canStart
      ? 'a synchronous primary and two standbys on 127.0.0.1: writes reach both; kill -9 of the primary, promote standby1, nothing acknowledged is lost, standby2 follows; stop() leaves nothing'
      : skipped,
    async () => {
      const started = Date.now();
      const set = await startTestPgReplicaCluster({ standbys: 2, synchronous: true });
      const startMs = Date.now() - started;
      const [standby1, standby2] = set.standbys;
      if (!standby1 || !standby2) throw new Error('two standbys expected');
      let failoverMs = 0;
      try {
        expect(set.origin).toBe('throwaway');
        expect(set.synchronous).toBe(true);
        expect(set.replicaUrls).toEqual([standby1.url, standby2.url]);
        for (const node of [set.primary, standby1, standby2]) {
          expect(new URL(node.url).hostname).toBe('127.0.0.1');
          expect(node.port).not.toBe(5432);
        }
        expect(set.multiHostUrl).toBe(
          `postgres://postgres@127.0.0.1:${set.primary.port},127.0.0.1:${standby1.port},127.0.0.1:${standby2.port}/postgres`,
        );
        if (process.getuid?.() === 0) expect(statSync(set.dir).uid).not.toBe(0);
        expect(await set.primary.query('SELECT pg_is_in_recovery()')).toBe('f');
        expect(await standby1.query('SELECT pg_is_in_recovery()')).toBe('t');
        expect(await set.primary.query('SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1')).toBe(
          'standby1|sync\nstandby2|potential',
        );
        // Acknowledged by the primary, so flushed by standby1 (synchronous_commit on): it must outlive the primary.
        await set.primary.query(
          "CREATE TABLE chats (id bigint PRIMARY KEY, title text); INSERT INTO chats VALUES (1, 'acked')",
        );
        await set.waitForReplay();
        expect(await standby2.query('SELECT title FROM chats WHERE id = 1')).toBe('acked');
        await expect(standby2.query("INSERT INTO chats VALUES (9, 'no')")).rejects.toThrow(/read-only transaction/);

        const killedAt = Date.now();
        const primaryPids = processesOf(set.primary);
        await set.primary.stopServer('kill');
        expect(set.primary.running).toBe(false);
        expect(primaryPids.filter(alive)).toEqual([]);
        expect(await accepts(set.primary.port)).toBe(false);

        await standby1.promote();
        await standby1.query("INSERT INTO chats VALUES (2, 'after failover')");
        failoverMs = Date.now() - killedAt;
        expect(await standby1.query('SELECT id, title FROM chats ORDER BY id')).toBe('1|acked\n2|after failover');

        await standby2.follow(standby1);
        await set.waitForStreaming(standby1, [standby2]);
        await set.waitForReplay(standby1, [standby2]);
        expect(await standby2.query('SELECT count(*) FROM chats')).toBe('2');
        expect(await standby2.query('SELECT pg_is_in_recovery()')).toBe('t');
      } catch (error) {
        await set.stop();
        throw error;
      }
      await stopAndExpectNothingLeft(set, [set.primary, standby1, standby2]);
      console.log(
        `primary + 2 synchronous standbys started in ${startMs} ms; kill -9 to a write on standby1: ${failoverMs} ms`,
      );
    },
    120_000,
  );
});
