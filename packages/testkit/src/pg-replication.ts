/**
 * A throwaway PostgreSQL primary with one or two streaming standbys for tests (replicas and failover): initdb,
 * then `pg_basebackup -R` per standby, each server on a free port of 127.0.0.1, all in one temp folder, stopped
 * and deleted after. `BOTDB_TEST_PG_PRIMARY_URL` with `BOTDB_TEST_PG_REPLICA_URLS` name existing servers instead.
 * Node built-ins and the machine's PostgreSQL programs only: the driver belongs to the package under test.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToExit, waitFor } from './local-server.js';
import { type PgNodeContext, type PgNodeHandle, pgNode, type TestPgNode } from './pg-node.js';
import { findPostgresBinDir, postgresRunAs } from './postgres.js';

export type { PgNodeStopMode, TestPgNode } from './pg-node.js';

/** Environment variable naming an existing primary to test against (with PG_REPLICA_URLS_ENV). */
export const PG_PRIMARY_URL_ENV = 'BOTDB_TEST_PG_PRIMARY_URL';
/** Environment variable naming that primary's streaming standbys, comma-separated. */
export const PG_REPLICA_URLS_ENV = 'BOTDB_TEST_PG_REPLICA_URLS';

/** Why PostgreSQL replication tests cannot run here, and how to let them. */
export const PG_REPLICATION_MISSING_REASON =
  'no PostgreSQL binaries with pg_basebackup and psql found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH) ' +
  `and ${PG_PRIMARY_URL_ENV} is not set. To enable them: install PostgreSQL (apt-get install postgresql) or set ` +
  `${PG_PRIMARY_URL_ENV}=postgres://user@primary:5432/db and ${PG_REPLICA_URLS_ENV}=postgres://user@standby:5432/db[,...]`;

/** The one line printed when PostgreSQL replication tests are skipped. */
export const PG_REPLICATION_SKIP_LINE = `PostgreSQL replication tests skipped: ${PG_REPLICATION_MISSING_REASON}`;

/** Folder holding initdb, pg_ctl, postgres, pg_basebackup and psql (found as findPostgresBinDir finds it), or null. */
export function findPgReplicationBinDir(): string | null {
  const dir = findPostgresBinDir();
  return dir && ['pg_basebackup', 'psql'].every((name) => existsSync(join(dir, name))) ? dir : null;
}

/** Whether replication tests can run here: a primary URL in the environment, or binaries to start a set. */
export function pgReplicationTestAvailable(): boolean {
  return Boolean(process.env[PG_PRIMARY_URL_ENV]) || findPgReplicationBinDir() !== null;
}

/** A primary and its standbys; `stop()` removes a throwaway set (a no-op for the env URLs). */
export interface TestPgReplication {
  primaryUrl: string;
  replicaUrls: string[];
  /** Where the servers came from: started here, or the environment variables. */
  origin: 'throwaway' | 'env';
  /** The set's temp folder (data directories, logs, sockets), deleted by `stop()`; null for the env URLs. */
  dir: string | null;
  stop(): Promise<void>;
}

export interface TestPgReplicaClusterOptions {
  /** How many streaming standbys (default 1). */
  standbys?: 1 | 2;
  /**
   * Synchronous replication: the primary runs with `synchronous_standby_names = 'FIRST 1 (standby1, standby2)'`,
   * so a commit is acknowledged once standby1 has flushed it (standby2 takes over when standby1 is gone).
   * Default false (asynchronous). Only the first primary has it: a promoted standby runs asynchronously.
   */
  synchronous?: boolean;
}

/** A set this process owns, and the faults a test may cause on it. */
export interface TestPgReplicaCluster extends TestPgReplication {
  origin: 'throwaway';
  dir: string;
  /** The first primary (after a promotion, the promoted standby is the one that accepts writes). */
  primary: TestPgNode;
  standbys: TestPgNode[];
  synchronous: boolean;
  /** `postgres://postgres@127.0.0.1:<primary>,127.0.0.1:<standby1>[,...]/postgres`: every server, primary first. */
  multiHostUrl: string;
  /**
   * Resolves when every one of `standbys` streams from `primary` (defaults: the set's) and has reported a flush
   * position (before that, the primary counts it as async); bounded (default 30 s).
   */
  waitForStreaming(primary?: TestPgNode, standbys?: TestPgNode[], timeoutMs?: number): Promise<void>;
  /** Resolves when `standbys` replayed all WAL `primary` has written so far; bounded (default 30 s). */
  waitForReplay(primary?: TestPgNode, standbys?: TestPgNode[], timeoutMs?: number): Promise<void>;
}

/**
 * The env URLs when `BOTDB_TEST_PG_PRIMARY_URL` is set, else a throwaway set (one standby). Rejects when neither is
 * possible, or when the env names replicas without a primary (or the reverse), saying what to do.
 */
export async function startTestPgReplication(options: TestPgReplicaClusterOptions = {}): Promise<TestPgReplication> {
  const primaryUrl = process.env[PG_PRIMARY_URL_ENV];
  const replicaUrls = (process.env[PG_REPLICA_URLS_ENV] ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (primaryUrl && replicaUrls.length > 0)
    return { primaryUrl, replicaUrls, origin: 'env', dir: null, stop: async () => {} };
  if (primaryUrl || replicaUrls.length > 0) {
    throw new Error(
      `startTestPgReplication: set both ${PG_PRIMARY_URL_ENV} (the primary) and ${PG_REPLICA_URLS_ENV} ` +
        `(its standbys, comma-separated), or neither; only ${primaryUrl ? PG_PRIMARY_URL_ENV : PG_REPLICA_URLS_ENV} is set`,
    );
  }
  return startTestPgReplicaCluster(options);
}

/**
 * Starts a primary and `standbys` streaming standbys of its own, whatever the env URLs say (a failover needs
 * servers the test owns). As root, every server runs as the `postgres` user (PostgreSQL refuses root). Rejects
 * without the binaries, or with the servers' logs when a step fails; nothing is left behind then.
 */
export async function startTestPgReplicaCluster(
  options: TestPgReplicaClusterOptions = {},
): Promise<TestPgReplicaCluster> {
  const bin = findPgReplicationBinDir();
  if (!bin) throw new Error(`startTestPgReplicaCluster: ${PG_REPLICATION_MISSING_REASON}`);
  const standbyCount = options.standbys ?? 1;
  const synchronous = options.synchronous ?? false;
  const user = postgresRunAs('startTestPgReplicaCluster', PG_PRIMARY_URL_ENV);
  const dir = mkdtempSync(join(tmpdir(), 'botdb-pg-replication-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const ctx: PgNodeContext = { bin, dir, user };
  const names = Array.from({ length: standbyCount }, (_, i) => `standby${i + 1}`);
  const primary = pgNode(
    ctx,
    'primary',
    synchronous ? [`-c synchronous_standby_names='FIRST 1 (${names.join(', ')})'`] : [],
  );
  const standbys = names.map((name) => pgNode(ctx, name));
  const nodes: PgNodeHandle[] = [primary, ...standbys];

  // A run interrupted before its teardown must not leave servers behind: stop them as the process exits.
  const stopOnExit = (): void => {
    for (const node of nodes) {
      if (node.running)
        spawnSync(join(bin, 'pg_ctl'), ['stop', '-D', node.dataDir, '-m', 'immediate', '-w', '-t', '30'], {
          cwd: dir,
          stdio: 'ignore',
          timeout: 60_000,
          ...(user ?? {}),
        });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    try {
      // Standbys first: a standby whose primary vanished only retries, but stopping it first is quieter.
      for (const node of [...standbys, primary]) {
        if (node.running) await node.stopServer('immediate').catch(() => node.stopServer('kill'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const waitForStreaming = async (from: TestPgNode = primary, to: TestPgNode[] = standbys, timeoutMs = 30_000) => {
    // Streaming, and a flush position reported: until then the primary counts a standby as async (and a
    // synchronous commit would not wait for it).
    const sql = "SELECT application_name || ':' || state || ':' || (flush_lsn IS NOT NULL) FROM pg_stat_replication";
    await waitFor(
      `${to.map((s) => s.name).join(', ')} streaming from ${from.name} (127.0.0.1:${from.port})`,
      async () => {
        const rows = (await from.query(sql)).split('\n');
        if (to.every((s) => rows.includes(`${s.name}:streaming:true`))) return true;
        // A standby reports its flush position when WAL reaches it (else only every wal_receiver_status_interval,
        // 1 s): commit a transaction id, not waiting for any standby, so there is WAL to report.
        await from.query('SET synchronous_commit = local; SELECT txid_current()');
        return undefined;
      },
      {
        timeoutMs,
        intervalMs: 100,
        describe: () => from.query(sql).then((rows) => `pg_stat_replication: ${rows || 'empty'}`),
      },
    );
  };

  const waitForReplay = async (from: TestPgNode = primary, to: TestPgNode[] = standbys, timeoutMs = 30_000) => {
    const lsn = await from.query('SELECT pg_current_wal_lsn()');
    for (const standby of to) {
      await waitFor(
        `${standby.name} replays ${from.name}'s WAL up to ${lsn}`,
        async () =>
          (await standby.query(`SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`)) === 't' ? true : undefined,
        { timeoutMs, intervalMs: 50, describe: () => standby.query('SELECT pg_last_wal_replay_lsn()') },
      );
    }
  };

  try {
    // Local, throwaway, test-only: trust auth (initdb's pg_hba.conf also trusts replication from 127.0.0.1).
    await runToExit(
      join(bin, 'initdb'),
      ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'],
      user,
      dir,
    );
    await primary.startOnFreePort();
    for (const standby of standbys) {
      // -R writes primary_conninfo (naming the standby, so synchronous_standby_names can) and standby.signal;
      // -X stream: the WAL of the backup's own span comes along; -c fast: no wait for a spread checkpoint.
      const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres application_name=${standby.name}`;
      await runToExit(
        join(bin, 'pg_basebackup'),
        ['-d', conninfo, '-D', standby.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
        user,
        dir,
      );
      await standby.startOnFreePort();
    }
    await waitForStreaming();
    return {
      primaryUrl: primary.url,
      replicaUrls: standbys.map((s) => s.url),
      origin: 'throwaway',
      dir,
      primary,
      standbys,
      synchronous,
      multiHostUrl: `postgres://postgres@${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}/postgres`,
      waitForStreaming,
      waitForReplay,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
