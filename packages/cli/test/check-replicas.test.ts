/**
 * `botdb check` on a PostgreSQL source with a replica (issue #19): each replica with its state and lag, in the
 * text and the JSON, against a throwaway primary with one streaming standby of its own.
 */
import { createTempDir, startTestPgReplicaCluster, type TempDir, type TestPgReplicaCluster } from '@pkg/testkit';
import { describeOwnPgReplication } from '@pkg/testkit/vitest-pg-replication';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { json, runCli, writeConfig } from './helpers.js';

interface CheckJson {
  ok: boolean;
  sources: {
    name: string;
    location: string;
    replicas?: { location: string; reads: number; lagMs: number | null; state: string }[];
  }[];
}

const SCHEMA = `botdb_check_rep_${Math.random().toString(36).slice(2, 8)}`;

describeOwnPgReplication('botdb check on a source with replicas', () => {
  let set: TestPgReplicaCluster;
  let dir: TempDir;
  let config: string;
  /** The standby first: the source finds the primary among the hosts. */
  const multiHost = () =>
    `postgres://postgres@127.0.0.1:${set.standbys[0]?.port},127.0.0.1:${set.primary.port}/postgres`;

  beforeAll(async () => {
    set = await startTestPgReplicaCluster({ standbys: 1 });
    // The bot's tables, created by the library on the primary, then on the standby by replication.
    const { DatabaseWrapper } = await import('@pkg/core');
    const db = new DatabaseWrapper({
      config: { default: 'main', sources: { main: { type: 'postgresql', url: set.primaryUrl, schema: SCHEMA } } },
    });
    await db.setChatSetting({ chatId: 1, key: 'k', value: 'v' });
    await db.close();
    await set.waitForReplay();
    dir = createTempDir('botdb-check-replicas-');
    config = writeConfig(
      dir,
      `[database]
default = "main"
[database.sources.main]
type = "postgresql"
url = "${multiHost()}"
schema = "${SCHEMA}"
replicas = ["${set.replicaUrls[0]}"]
`,
    );
  }, 180_000);

  afterAll(async () => {
    dir?.cleanup();
    await set?.stop();
  }, 120_000);

  it('shows each replica, its state and its lag (url listing the standby, then the primary)', async () => {
    const location = `${set.replicaUrls[0]} schema ${SCHEMA}`;
    const r = await runCli(['check', '--config', config, '--json']);
    const report = json<CheckJson>(r);
    expect(report.ok, r.stdout).toBe(true);
    expect(report.sources[0]?.location).toBe(`${multiHost()} schema ${SCHEMA}`);
    // An idle primary still writes a little WAL now and then (checkpoints, running transactions): lag is
    // at most a poll or two, never unknown.
    expect(report.sources[0]?.replicas).toEqual([
      { location, reads: expect.any(Number), lagMs: expect.any(Number), state: 'ok' },
    ]);
    const text = await runCli(['check', '--config', config]);
    expect(text.stdout).toMatch(
      new RegExp(`replica ${location.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}: ok, lag \\d+ ms`),
    );
  }, 60_000);
});
