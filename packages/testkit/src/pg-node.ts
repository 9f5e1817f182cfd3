/**
 * One server of a throwaway PostgreSQL replication set (./pg-replication.ts): its data directory, port and log,
 * started and stopped with pg_ctl, killed like a lost host, promoted, pointed at a new primary, and asked
 * SQL through psql (the testkit has no driver). Internal to the testkit.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type RunAs, runToExit, waitFor } from './local-server.js';
import type { PgStopMode } from './postgres.js';

/** How a server goes down: pg_ctl's `fast` or `immediate`, or `kill`: SIGKILL to it and its children, a lost host. */
export type PgNodeStopMode = PgStopMode | 'kill';

/** One server of the set. */
export interface TestPgNode {
  /** `primary`, `standby1`, `standby2`: also its `cluster_name` and the `application_name` it replicates as. */
  name: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  url: string;
  port: number;
  dataDir: string;
  /** The server log (read it when something fails). */
  log: string;
  /** Whether this process started it and has not stopped it since. */
  readonly running: boolean;
  /** Takes the server down; `kill` also clears its lock files so `startServer()` works as after a host's reboot. */
  stopServer(mode?: PgNodeStopMode): Promise<void>;
  /** Starts it again on the same port (a standby resumes streaming). */
  startServer(): Promise<void>;
  /** `pg_ctl promote -w`: the standby becomes a primary (resolves once it accepts writes). */
  promote(): Promise<void>;
  /** Points this standby at another primary (after a failover): new primary_conninfo, then a reload. */
  follow(primary: TestPgNode): Promise<void>;
  /** Runs SQL with psql (`-At`): rows on lines, columns joined by `|`. Rejects with psql's message. */
  query(sql: string): Promise<string>;
}

/** A node as its set drives it: the first start picks the port. */
export interface PgNodeHandle extends TestPgNode {
  /** First start: on a free port, a new one when another process took it meanwhile. */
  startOnFreePort(): Promise<void>;
}

/** What every node of a set shares. */
export interface PgNodeContext {
  bin: string;
  /** The set's folder: logs and unix sockets. */
  dir: string;
  user: RunAs | undefined;
}

const PG_CTL_WAIT_S = '30';
const QUERY_TIMEOUT_MS = 15_000;

/** Runs SQL on 127.0.0.1:port with psql as `postgres`; bounded. */
export function psqlQuery(bin: string, port: number, sql: string): Promise<string> {
  const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port)];
  return new Promise((resolve, reject) => {
    execFile(
      join(bin, 'psql'),
      [...args, '-U', 'postgres', '-d', 'postgres', '-c', sql],
      { timeout: QUERY_TIMEOUT_MS, env: { ...process.env, PGCONNECT_TIMEOUT: '5', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`psql on 127.0.0.1:${port}: ${stderr.trim() || error.message}\n  SQL: ${sql}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** The process ids whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces): state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

/** Gone, or a zombie nobody has reaped yet (it holds no port, file or shared memory). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The options a node's postgres gets on the command line (pg_ctl -o, read by a shell). */
function serverOptions(ctx: PgNodeContext, name: string, port: number, extra: string[]): string {
  return [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${ctx.dir}'`,
    // Throwaway and test-only: no fsync (only an OS crash could lose data). Commits stay synchronous, so a
    // commit the primary acknowledged is in its WAL (and, when synchronous, on the standby's) for failover tests.
    '-c fsync=off',
    '-c max_connections=40',
    `-c cluster_name=${name}`,
    // Enough WAL kept for a standby that pauses, restarts or follows a promoted peer (no slots to clean up).
    '-c wal_keep_size=64MB',
    // Standbys report and retry quickly, so tests wait less.
    '-c wal_receiver_status_interval=1s',
    '-c wal_retrieve_retry_interval=200ms',
    ...extra,
  ].join(' ');
}

/**
 * A node over an existing data directory (initdb'd or base-backed-up), not started. `extra`: more server
 * options (`-c synchronous_standby_names=...`).
 */
export function pgNode(ctx: PgNodeContext, name: string, extra: string[] = []): PgNodeHandle {
  const dataDir = join(ctx.dir, name);
  const log = join(ctx.dir, `${name}.log`);
  const pgCtl = join(ctx.bin, 'pg_ctl');
  let port = 0;
  let running = false;
  const ctl = (args: string[]) => runToExit(pgCtl, args, ctx.user, ctx.dir);

  const startOn = async (onPort: number): Promise<void> => {
    const options = serverOptions(ctx, name, onPort, extra);
    await ctl(['start', '-D', dataDir, '-l', log, '-w', '-t', PG_CTL_WAIT_S, '-o', options]);
    running = true;
  };

  const kill = async (): Promise<void> => {
    const pidFile = join(dataDir, 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    if (pid > 0) {
      const all = [pid, ...childPids(pid)];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitFor(
        `${name}: postgres (pid ${pid}) and its ${all.length - 1} children exit after SIGKILL`,
        async () => (all.every(gone) ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 20 },
      );
    }
    // As after a reboot: the lock files name a dead (maybe unreaped) pid, which would refuse the next start.
    rmSync(pidFile, { force: true });
    rmSync(join(ctx.dir, `.s.PGSQL.${port}.lock`), { force: true });
    rmSync(join(ctx.dir, `.s.PGSQL.${port}`), { force: true });
  };

  const node: PgNodeHandle = {
    name,
    dataDir,
    log,
    get port() {
      return port;
    },
    get url() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    get running() {
      return running;
    },
    stopServer: async (mode: PgNodeStopMode = 'fast') => {
      if (mode === 'kill') await kill();
      else await ctl(['stop', '-D', dataDir, '-m', mode, '-w', '-t', PG_CTL_WAIT_S]);
      running = false;
    },
    startServer: () => startOn(port),
    promote: async () => {
      await ctl(['promote', '-D', dataDir, '-w', '-t', PG_CTL_WAIT_S]);
      await waitFor(
        `${name}: accepts writes after promote`,
        async () => ((await node.query('SELECT pg_is_in_recovery()')) === 'f' ? true : undefined),
        { timeoutMs: 30_000 },
      );
    },
    follow: async (primary: TestPgNode) => {
      // The last setting in postgresql.auto.conf wins; primary_conninfo is reloadable (PostgreSQL 13+), and the
      // standby's recovery_target_timeline ('latest') takes the promoted primary's new timeline.
      const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}`;
      appendFileSync(join(dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo}'\n`);
      await ctl(['reload', '-D', dataDir]);
    },
    query: (sql: string) => psqlQuery(ctx.bin, port, sql),
    startOnFreePort: async () => {
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        port = await freePort();
        try {
          await startOn(port);
          return;
        } catch (error) {
          lastError = error;
        }
      }
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2_000) : '';
      throw new Error(`${name} did not start: ${String(lastError)}\n${tail}`);
    },
  };
  return node;
}
