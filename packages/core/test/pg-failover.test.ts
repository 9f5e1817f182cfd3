/**
 * Failover of a PostgreSQL source (issue #19) on a throwaway synchronous set of its own: the source's url lists
 * the primary and standby1 (the synchronous standby), standby2 is its replica. Writers and readers run while the
 * primary's postmaster is killed (SIGKILL) and standby1 is promoted: writes in flight fail typed
 * (SOURCE_UNAVAILABLE, never retried), reads go on from standby2, the source finds the new primary among url's
 * hosts by itself, and every acknowledged write is on the new primary. Prints the figures the issue asks for.
 * The readers are a second wrapper on the same source (another process, as far as the source knows: its own
 * worker): the writers' own reads in the gap are served only once their last acknowledged write's position is
 * known, which a kill can leave unknown until the new primary answers (docs/postgresql.md, "Failover").
 */
import type { SourceConfigInput } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { startTestPgReplicaCluster, type TestPgReplicaCluster } from '@pkg/testkit';
import { describeOwnPgReplication } from '@pkg/testkit/vitest-pg-replication';
import { afterAll, beforeAll, expect, it } from 'vitest';

const SCHEMA = `botdb_failover_${Math.random().toString(36).slice(2, 8)}`;
const WRITERS = 4;
const READERS = 4;
/** The source's timeout (seconds): the new primary must be found within it. */
const TIMEOUT_S = 10;

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeOwnPgReplication('failover of a PostgreSQL source', () => {
  let set: TestPgReplicaCluster;
  let db: DatabaseWrapper;
  let reader: DatabaseWrapper;

  beforeAll(async () => {
    set = await startTestPgReplicaCluster({ standbys: 2, synchronous: true });
    const [standby1, standby2] = set.standbys;
    const main = {
      type: 'postgresql',
      url: `postgres://postgres@127.0.0.1:${set.primary.port},127.0.0.1:${standby1?.port}/postgres`,
      replicas: [standby2?.url],
      schema: SCHEMA,
      timeout: TIMEOUT_S,
    } as SourceConfigInput;
    db = new DatabaseWrapper({ config: { default: 'main', sources: { main } } });
    reader = new DatabaseWrapper({ config: { default: 'main', sources: { main } } });
    await Promise.all([db.ready(), reader.ready()]);
    await db.setChatSetting({ chatId: 1, key: 'ready', value: 'yes' });
    await set.waitForReplay();
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await reader?.close();
    await set?.stop();
  }, 120_000);

  it('loses no acknowledged write when the primary is killed and a synchronous standby promoted', async () => {
    const [standby1, standby2] = set.standbys as [TestPgReplicaCluster['primary'], TestPgReplicaCluster['primary']];
    const acknowledged: string[] = [];
    const failed: { code: unknown; message: string }[] = [];
    let readsOk = 0;
    const readErrors: string[] = [];
    let killedAt = Number.POSITIVE_INFINITY;
    let firstAckAfterKill: number | null = null;
    let readsInGap = 0;
    let stop = false;

    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const started = performance.now();
        try {
          await db.setChatSetting({ chatId: 100 + w, key: `k${i}`, value: 'v' });
          acknowledged.push(`${100 + w}:k${i}`);
          if (started > killedAt && firstAckAfterKill === null) firstAckAfterKill = performance.now();
        } catch (e) {
          failed.push({ code: (e as { code?: unknown }).code, message: (e as Error).message });
          // A client backs off after a failure instead of spinning.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });
    const readers = Array.from({ length: READERS }, async () => {
      while (!stop) {
        try {
          expect(await reader.getChatSetting({ chatId: 1, setting: 'ready' })).toBe('yes');
          readsOk++;
          if (performance.now() > killedAt && firstAckAfterKill === null) readsInGap++;
        } catch (e) {
          readErrors.push(`${(e as { code?: unknown }).code}: ${(e as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });

    try {
      await waitFor('writes flowing', () => acknowledged.length >= 200);
      killedAt = performance.now();
      await set.primary.stopServer('kill');
      await standby1.promote();
      const promotedAt = performance.now();
      await standby2.follow(standby1);
      await waitFor('a write acknowledged by the new primary', () => firstAckAfterKill !== null, TIMEOUT_S * 1000 * 3);
      const recovered = acknowledged.length;
      await waitFor('writes flowing again', () => acknowledged.length >= recovered + 200);
      stop = true;
      await Promise.all([...writers, ...readers]);

      const present = new Set(
        (await standby1.query(`SELECT chat_id || ':' || key FROM ${SCHEMA}.chat_settings WHERE chat_id >= 100`)).split(
          '\n',
        ),
      );
      const lost = acknowledged.filter((k) => !present.has(k));
      const codes = [...new Set(failed.map((f) => f.code))];
      const killToAck = Math.round((firstAckAfterKill ?? Number.NaN) - killedAt);
      console.log(
        `failover: kill -9 to first acknowledged write on the new primary ${killToAck} ms ` +
          `(promote done ${Math.round(promotedAt - killedAt)} ms after the kill); acknowledged writes ${acknowledged.length}, ` +
          `lost ${lost.length}; failed writes ${failed.length} (codes ${codes.join(', ')}); reads ok ${readsOk} ` +
          `(${readsInGap} between the kill and the first write on the new primary), failed ${readErrors.length}${readErrors.length > 0 ? ` (first: ${readErrors[0]})` : ''}`,
      );
      expect(lost).toEqual([]);
      // In-flight writes at the kill and those sent before the new primary was found: typed, never retried.
      expect(
        codes.every((c) => c === 'SOURCE_UNAVAILABLE'),
        JSON.stringify(failed.slice(0, 3)),
      ).toBe(true);
      expect(killToAck).toBeLessThan(TIMEOUT_S * 1000 + (promotedAt - killedAt));
      expect(readsInGap).toBeGreaterThan(0);
    } finally {
      stop = true;
      await Promise.all([...writers, ...readers]);
    }
  }, 180_000);
});
