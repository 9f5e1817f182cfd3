/**
 * A PostgreSQL source with streaming replicas (issue #19), on one throwaway primary with two standbys of its own
 * (startTestPgReplicaCluster): replicas serve reads, a read after this process's write is served by the primary
 * until a replica replayed it (replay paused on the standbys), another process's write is seen within
 * max-replica-lag, a standby named in `url` is never written, and reads go on when a replica is killed.
 * Slow to start (initdb + two base backups): one set for the whole file, the destructive test last.
 */
import type { SourceConfigInput } from '@pkg/config';
import { type DatabaseSourceStats, DatabaseWrapper } from '@pkg/core';
import { startTestPgReplicaCluster, type TestPgReplicaCluster } from '@pkg/testkit';
import { describeOwnPgReplication } from '@pkg/testkit/vitest-pg-replication';
import { afterAll, beforeAll, expect, it } from 'vitest';

const MAX_LAG_S = 3;
const SCHEMA = `botdb_rep_${Math.random().toString(36).slice(2, 8)}`;

function wrapper(url: string, extra: Record<string, unknown>, name = 'main'): DatabaseWrapper {
  const source = { type: 'postgresql', url, schema: SCHEMA, ...extra } as SourceConfigInput;
  return new DatabaseWrapper({ config: { default: name, sources: { [name]: source } } });
}

async function mainStats(db: DatabaseWrapper, name = 'main'): Promise<DatabaseSourceStats> {
  return (await db.stats())[name] as DatabaseSourceStats;
}

/** Polls `check` until it gives a value; bounded (generous: a busy 2-core machine). */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options = { timeoutMs: 30_000 },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const replicaReads = (s: DatabaseSourceStats): number[] => (s.replicas ?? []).map((r) => r.reads);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describeOwnPgReplication('a PostgreSQL source with replicas', () => {
  let set: TestPgReplicaCluster;
  let db: DatabaseWrapper;

  beforeAll(async () => {
    set = await startTestPgReplicaCluster({ standbys: 2 });
    // Short enough for the lag test, long enough that a slow poll on a busy machine does not count as lag.
    db = wrapper(set.primaryUrl, { replicas: set.replicaUrls, 'max-replica-lag': MAX_LAG_S });
    await db.ready();
    await db.setChatSetting({ chatId: 1, key: 'ready', value: 'yes' });
    await set.waitForReplay();
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await set?.stop();
  }, 120_000);

  it('serves reads from both replicas once they have replayed the source', async () => {
    // Poll until the replicas count as caught up (the background poll learns their position).
    await waitFor('replicas ok', async () => {
      const s = await mainStats(db);
      // ok, and replayed every position seen on the primary (so this process's writes too).
      return s.replicas?.every((r) => r.state === 'ok' && r.lagMs === 0) ? true : undefined;
    });
    const before = await mainStats(db);
    const answers = await Promise.all(
      Array.from({ length: 64 }, () => db.getChatSetting({ chatId: 1, setting: 'ready' })),
    );
    expect(new Set(answers)).toEqual(new Set(['yes']));
    const after = await mainStats(db);
    const served = replicaReads(after).map((n, i) => n - (replicaReads(before)[i] ?? 0));
    expect(
      served.every((n) => n > 0),
      `reads per replica: ${served}`,
    ).toBe(true);
    expect(sum(served)).toBe(64);
    expect(after.primaryReads).toBe(before.primaryReads);
    expect(after.replicas?.map((r) => r.location)).toEqual(set.replicaUrls.map((u) => `${u} schema ${SCHEMA}`));
  });

  it("reads this process's write from the primary while the replicas have not replayed it, then from a replica again", async () => {
    for (const s of set.standbys) await s.query('SELECT pg_wal_replay_pause()');
    try {
      const before = await mainStats(db);
      await db.setChatSetting({ chatId: 2, key: 'color', value: 'red' });
      // A replica would answer null: it has not replayed the write.
      expect(await db.getChatSetting({ chatId: 2, setting: 'color' })).toBe('red');
      await db.setChatSetting({ chatId: 2, key: 'color', value: 'blue' });
      // Later too: the write's WAL position is known by now, and the paused replicas are behind it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await db.getChatSetting({ chatId: 2, setting: 'color' })).toBe('blue');
      const during = await mainStats(db);
      expect(replicaReads(during)).toEqual(replicaReads(before));
      expect(during.primaryReads).toBe((before.primaryReads ?? 0) + 2);
    } finally {
      for (const s of set.standbys) await s.query('SELECT pg_wal_replay_resume()');
    }
    await set.waitForReplay();
    await waitFor('a replica serves the chat again', async () => {
      const before = sum(replicaReads(await mainStats(db)));
      expect(await db.getChatSetting({ chatId: 2, setting: 'color' })).toBe('blue');
      return sum(replicaReads(await mainStats(db))) > before ? true : undefined;
    });
  });

  it("sees another process's write within max-replica-lag: a replica further behind is not read", async () => {
    for (const s of set.standbys) await s.query('SELECT pg_wal_replay_pause()');
    try {
      // Another process writes on the primary; this process did not write, so only the lag bound protects.
      await set.primary.query(
        `INSERT INTO ${SCHEMA}.chat_settings (chat_id, key, value) VALUES (3, 'other', 'process')`,
      );
      await waitFor(
        'the replicas counted as lagging',
        async () => ((await mainStats(db)).replicas?.every((r) => r.state === 'lagging') ? true : undefined),
        { timeoutMs: 30_000 },
      );
      const lagging = await mainStats(db);
      // Lagging means more than max-replica-lag behind; lagMs is rounded to whole ms.
      expect(lagging.replicas?.map((r) => (r.lagMs ?? 0) >= MAX_LAG_S * 1000)).toEqual([true, true]);
      expect(await db.getChatSetting({ chatId: 3, setting: 'other' })).toBe('process');
      expect(replicaReads(await mainStats(db))).toEqual(replicaReads(lagging));
    } finally {
      for (const s of set.standbys) await s.query('SELECT pg_wal_replay_resume()');
    }
  });

  it('sends db.query outside a transaction to a replica, and keeps a transaction and its reads on the primary', async () => {
    await waitFor('replicas caught up', async () =>
      (await mainStats(db)).replicas?.every((r) => r.state === 'ok' && r.lagMs === 0) ? true : undefined,
    );
    const before = await mainStats(db);
    // The standby answers pg_is_in_recovery() with true, the primary with false.
    expect(await db.query({ sql: 'SELECT pg_is_in_recovery() AS standby' })).toEqual([{ standby: true }]);
    const afterQuery = await mainStats(db);
    expect(sum(replicaReads(afterQuery))).toBe(sum(replicaReads(before)) + 1);
    for (const s of set.standbys) await s.query('SELECT pg_wal_replay_pause()');
    try {
      const seen = await db.transaction({ chatId: 5 }, async (tx) => {
        await tx.setChatSetting({ chatId: 5, key: 'in', value: 'tx' });
        return {
          standby: await tx.query('SELECT pg_is_in_recovery() AS standby'),
          value: await tx.getChatSetting({ chatId: 5, setting: 'in' }),
        };
      });
      expect(seen).toEqual({ standby: [{ standby: false }], value: 'tx' });
      // Committed: read right after, from the primary (the replicas are paused behind the COMMIT).
      expect(await db.getChatSetting({ chatId: 5, setting: 'in' })).toBe('tx');
      expect(replicaReads(await mainStats(db))).toEqual(replicaReads(afterQuery));
    } finally {
      for (const s of set.standbys) await s.query('SELECT pg_wal_replay_resume()');
    }
  });

  it('with replica-reads = false reads only the primary', async () => {
    const off = wrapper(set.primaryUrl, { replicas: set.replicaUrls, 'replica-reads': false });
    try {
      await off.ready();
      await Promise.all(Array.from({ length: 16 }, () => off.getChatSetting({ chatId: 1, setting: 'ready' })));
      const s = await mainStats(off);
      expect(sum(replicaReads(s))).toBe(0);
      expect(s.primaryReads).toBeGreaterThanOrEqual(16);
    } finally {
      await off.close();
    }
  });

  it('writes to the primary when url lists a standby first, and never to the standby', async () => {
    const [standby] = set.standbys;
    const url = `postgres://postgres@127.0.0.1:${standby?.port},127.0.0.1:${set.primary.port}/postgres`;
    const multi = wrapper(url, {}, 'multi');
    try {
      await multi.ready();
      await multi.setChatSetting({ chatId: 4, key: 'where', value: 'primary' });
      expect(await set.primary.query(`SELECT value FROM ${SCHEMA}.chat_settings WHERE chat_id = 4`)).toBe('primary');
      // The standby's sessions of this source: none (it was only asked pg_is_in_recovery(), by a probe named
      // "botdb:multi probe", gone once answered).
      expect(await standby?.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'botdb:multi'")).toBe(
        '0',
      );
    } finally {
      await multi.close();
    }
  });

  it('keeps serving reads when a replica is killed mid-traffic, and reads it again once it is back', async () => {
    const [, victim] = set.standbys;
    let stop = false;
    let reads = 0;
    const failures: unknown[] = [];
    const readers = Array.from({ length: 8 }, async () => {
      while (!stop && failures.length === 0) {
        try {
          expect(await db.getChatSetting({ chatId: 1, setting: 'ready' })).toBe('yes');
          reads++;
        } catch (e) {
          failures.push(e);
        }
      }
    });
    try {
      await waitFor('reads flowing', async () => (reads > 200 || failures.length > 0 ? true : undefined));
      await victim?.stopServer('kill');
      const atKill = reads;
      await waitFor('the killed replica counted as failed', async () =>
        (await mainStats(db)).replicas?.[1]?.state === 'failed' ? true : undefined,
      );
      await waitFor('reads after the kill', async () =>
        reads > atKill + 200 || failures.length > 0 ? true : undefined,
      );
    } finally {
      stop = true;
      await Promise.all(readers);
    }
    expect(failures).toEqual([]);
    await victim?.startServer();
    await waitFor(
      'the replica read again',
      async () => {
        const before = (await mainStats(db)).replicas?.[1]?.reads ?? 0;
        await Promise.all(Array.from({ length: 8 }, () => db.getChatSetting({ chatId: 1, setting: 'ready' })));
        return ((await mainStats(db)).replicas?.[1]?.reads ?? 0) > before ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  }, 120_000);
});
