/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp folder, started with pg_ctl on a free
 * port of 127.0.0.1, stopped and deleted after. `BOTDB_TEST_PG_URL` points at an existing server instead.
 * Node built-ins only: the driver belongs to the package under test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, type RunAs, runToExit } from './local-server.js';

/** Environment variable naming an existing server to test against (a URL the tests may create schemas in). */
export const PG_URL_ENV = 'BOTDB_TEST_PG_URL';

/** Why PostgreSQL tests cannot run here, and how to let them. */
export const PG_MISSING_REASON =
  'no PostgreSQL binaries found (pg_config --bindir, /usr/lib/postgresql/*/bin, PATH) ' +
  `and ${PG_URL_ENV} is not set. To enable them: install PostgreSQL (apt-get install postgresql) ` +
  `or set ${PG_URL_ENV}=postgres://user@host:port/db`;

/** The one line printed when PostgreSQL tests are skipped. */
export const PG_SKIP_LINE = `PostgreSQL tests skipped: ${PG_MISSING_REASON}`;

/** A server the tests may use; `stop()` removes a throwaway cluster (a no-op for `BOTDB_TEST_PG_URL`). */
export interface TestPostgres {
  url: string;
  /** Where the server came from: a cluster started here, or the environment variable. */
  origin: 'throwaway' | 'env';
  /** The cluster's temp folder (data, log, unix socket), deleted by `stop()`; null for `BOTDB_TEST_PG_URL`. */
  dir: string | null;
  stop(): Promise<void>;
}

/** Bound of every pg_ctl / initdb call (ms); pg_ctl itself is given `-t 30`. */
const COMMAND_TIMEOUT_MS = 60_000;
const PG_CTL_WAIT_S = '30';

function hasTools(dir: string): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((name) => existsSync(join(dir, name)));
}

/** Folder holding initdb, pg_ctl and postgres: `pg_config --bindir`, then /usr/lib/postgresql/<newest>/bin, then PATH. */
export function findPostgresBinDir(): string | null {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', timeout: 5_000, stdio: 'pipe' }).trim();
    if (dir && hasTools(dir)) return dir;
  } catch {
    // no pg_config: try the next place
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = join(debianRoot, v, 'bin');
      if (hasTools(dir)) return dir;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && hasTools(dir)) return dir;
  }
  return null;
}

/** Whether PostgreSQL tests can run here: a URL in the environment, or binaries to start a cluster. */
export function postgresTestAvailable(): boolean {
  return Boolean(process.env[PG_URL_ENV]) || findPostgresBinDir() !== null;
}

/** PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user (internal to the testkit). */
export function postgresRunAs(caller = 'startTestPostgres', envHint: string = PG_URL_ENV): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', timeout: 5_000 }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', timeout: 5_000 }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `${caller}: running as root, and PostgreSQL refuses root; no \`postgres\` user exists to run the cluster. ` +
        `Create one (useradd postgres) or set ${envHint}.`,
    );
  }
}

/**
 * Starts a throwaway cluster (or returns `BOTDB_TEST_PG_URL`). Rejects when neither is possible, with what to do.
 * Built for a vitest `globalSetup`: start it there, hand `url` to the tests with `provide`, `stop()` in teardown.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const envUrl = process.env[PG_URL_ENV];
  if (envUrl) return { url: envUrl, origin: 'env', dir: null, stop: async () => {} };
  return startTestCluster();
}

/** How pg_ctl stops a server: `fast` ends every session cleanly, `immediate` is a crash (recovery on start). */
export type PgStopMode = 'fast' | 'immediate';

/**
 * A throwaway cluster this process owns, and the server faults a test may cause on it (restart, stop, start).
 * Always its own: a test that stops its server never disturbs test files sharing another one.
 */
export interface TestPostgresCluster extends TestPostgres {
  origin: 'throwaway';
  dir: string;
  /** The data directory (`pg_ctl -D`). */
  dataDir: string;
  /** The pg_ctl binary driving it. */
  pgCtl: string;
  /** `pg_ctl restart -m <mode>`: every session ends, the server comes back on the same port. */
  restart(mode?: PgStopMode): Promise<void>;
  /** `pg_ctl stop -m <mode>`: the server is down (connections refused) until `start()`. */
  stopServer(mode?: PgStopMode): Promise<void>;
  /** Starts the server again after `stopServer` (same port, same data). */
  startServer(): Promise<void>;
}

/**
 * Starts a throwaway cluster of its own, whatever `BOTDB_TEST_PG_URL` says (a server fault needs a server the
 * test owns). Rejects without PostgreSQL binaries, saying what to do. `crashSafe`: keep synchronous_commit on,
 * so a commit the server acknowledged survives `stopServer('immediate')` (off by default: faster, and the
 * shared cluster is never crashed).
 */
export async function startTestCluster(options: { crashSafe?: boolean } = {}): Promise<TestPostgresCluster> {
  const bin = findPostgresBinDir();
  if (!bin) throw new Error(`startTestPostgres: ${PG_MISSING_REASON}`);
  const user = postgresRunAs();
  const dir = mkdtempSync(join(tmpdir(), 'botdb-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = join(bin, 'pg_ctl');
  let running = false;
  let serverOptions = '';
  const stopArgs = (mode: PgStopMode) => ['stop', '-D', data, '-m', mode, '-w', '-t', PG_CTL_WAIT_S];
  const startArgs = () => ['start', '-D', data, '-l', log, '-w', '-t', PG_CTL_WAIT_S, '-o', serverOptions];
  // A run interrupted before its teardown must not leave a server behind: stop it as the process exits.
  const stopOnExit = (): void => {
    if (running)
      spawnSync(pgCtl, stopArgs('immediate'), {
        cwd: dir,
        stdio: 'ignore',
        timeout: COMMAND_TIMEOUT_MS,
        ...(user ?? {}),
      });
    running = false;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    try {
      if (running) await runToExit(pgCtl, stopArgs('immediate'), user, dir);
    } finally {
      running = false;
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const stopServer = async (mode: PgStopMode = 'fast'): Promise<void> => {
    await runToExit(pgCtl, stopArgs(mode), user, dir);
    running = false;
  };
  const startServer = async (): Promise<void> => {
    await runToExit(pgCtl, startArgs(), user, dir);
    running = true;
  };
  const restart = async (mode: PgStopMode = 'fast'): Promise<void> => {
    await stopServer(mode);
    await startServer();
  };
  try {
    // Local, throwaway, test-only: trust auth, no fsync. The server listens on 127.0.0.1 only.
    await runToExit(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'],
      user,
      dir,
    );
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !running; attempt++) {
      const port = await freePort();
      serverOptions = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        '-c fsync=off',
        // fsync off only risks data on an OS crash; an immediate stop loses only commits not yet in the WAL.
        ...(options.crashSafe ? [] : ['-c synchronous_commit=off']),
        '-c full_page_writes=off',
        '-c max_connections=50',
      ].join(' ');
      try {
        await startServer();
        return {
          url: `postgres://postgres@127.0.0.1:${port}/postgres`,
          origin: 'throwaway',
          dir,
          dataDir: data,
          pgCtl,
          stop,
          restart,
          stopServer,
          startServer,
        };
      } catch (error) {
        // Another process may have taken the port between asking and binding: try a new one.
        lastError = error;
      }
    }
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2_000) : '';
    throw new Error(`startTestPostgres: the cluster did not start: ${String(lastError)}\n${serverLog}`);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/**
 * A schema name of its own for one test file (lowercase, <= 63 bytes, unique per process and call), so
 * test files sharing a server never see each other's tables. Create it with the package's driver.
 */
export function testSchemaName(label: string): string {
  const base = label
    .replace(/^.*[\\/]/, '')
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 30);
  const unique = `${process.pid.toString(36)}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return `t_${base}_${unique}`;
}
