/**
 * A throwaway MariaDB server for tests: mariadb-install-db into a temp folder, mariadbd on a free port of
 * 127.0.0.1 with its own socket, pid file and data there, stopped and deleted after. `BOTDB_TEST_MYSQL_URL`
 * points at an existing server instead. Node built-ins only: the driver belongs to the package under test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, findProgram, freePort, probeTcp, runToExit, sleep } from './local-server.js';

/** Environment variable naming an existing server to test against (a URL the tests may create databases in). */
export const MYSQL_URL_ENV = 'BOTDB_TEST_MYSQL_URL';

/** Why MariaDB tests cannot run here, and how to let them. */
export const MARIADB_MISSING_REASON =
  'no MariaDB binaries found (mariadb-install-db or mysql_install_db, and mariadbd or mysqld, in /usr/bin, ' +
  `/usr/sbin, PATH) and ${MYSQL_URL_ENV} is not set. To enable them: install MariaDB ` +
  `(apt-get install mariadb-server mariadb-client) or set ${MYSQL_URL_ENV}=mysql://user:password@host:port/`;

/** The one line printed when MariaDB tests are skipped. */
export const MARIADB_SKIP_LINE = `MariaDB tests skipped: ${MARIADB_MISSING_REASON}`;

/** A server the tests may use; `stop()` removes a throwaway server (a no-op for `BOTDB_TEST_MYSQL_URL`). */
export interface TestMariaDb {
  /** `mysql://root@127.0.0.1:<port>/` for a throwaway server (root, no password, TCP). */
  url: string;
  /** Where the server came from: a server started here, or the environment variable. */
  origin: 'throwaway' | 'env';
  /** The server's temp folder (data, socket, pid file, error log), deleted by `stop()`; null for the env URL. */
  dir: string | null;
  stop(): Promise<void>;
}

/** How the server goes down: `fast` is SIGTERM (a clean shutdown), `immediate` is SIGKILL (a crash; recovery on start). */
export type MariaDbStopMode = 'fast' | 'immediate';

/** A throwaway server this process owns, and the server faults a test may cause on it. */
export interface TestMariaDbServer extends TestMariaDb {
  origin: 'throwaway';
  dir: string;
  port: number;
  /** The unix socket, inside `dir`. */
  socket: string;
  dataDir: string;
  /** The error log, inside `dir` (read it when something fails). */
  errorLog: string;
  /** Stops the server and starts it again on the same port with the same data: every session ends. */
  restart(mode?: MariaDbStopMode): Promise<void>;
  /** The server is down (connections refused) until `startServer()`. */
  stopServer(mode?: MariaDbStopMode): Promise<void>;
  /** Starts the server again after `stopServer` (same port, same data). */
  startServer(): Promise<void>;
}

/** The programs found: install and server are required, the clients optional. */
export interface MariaDbBinaries {
  installDb: string;
  server: string;
  /** `mariadb` / `mysql` command-line client, if installed. */
  client: string | null;
  /** `mariadb-admin` / `mysqladmin`, if installed. */
  admin: string | null;
}

/** Bound of the server's start and of its shutdown (ms); mariadb-install-db has runToExit's. */
const COMMAND_TIMEOUT_MS = 60_000;

/** The MariaDB programs (MariaDB names first, then the MySQL-compatible ones), or null without a server. */
export function findMariaDbBinaries(): MariaDbBinaries | null {
  const installDb = findProgram(['mariadb-install-db', 'mysql_install_db']);
  const server = findProgram(['mariadbd', 'mysqld']);
  if (!installDb || !server) return null;
  return {
    installDb,
    server,
    client: findProgram(['mariadb', 'mysql']),
    admin: findProgram(['mariadb-admin', 'mysqladmin']),
  };
}

/** Whether MariaDB tests can run here: a URL in the environment, or binaries to start a server. */
export function mariaDbTestAvailable(): boolean {
  return Boolean(process.env[MYSQL_URL_ENV]) || findMariaDbBinaries() !== null;
}

/** MariaDB runs as root only when told so (`--user=root`); as anyone else it runs as that user. */
function userArgs(): string[] {
  return typeof process.getuid === 'function' && process.getuid() === 0 ? ['--user=root'] : [];
}

/** The server's greeting is a handshake (protocol 10), not an error packet (0xff): it serves. */
const isHandshake = (greeting: Buffer): boolean => greeting.length > 4 && greeting[4] === 0x0a;

/**
 * Starts a throwaway server (or returns `BOTDB_TEST_MYSQL_URL`). Rejects when neither is possible, with what to
 * do. Built for a vitest `globalSetup`: start it there, hand `url` to the tests with `provide`, `stop()` in teardown.
 */
export async function startTestMariaDb(): Promise<TestMariaDb> {
  const envUrl = process.env[MYSQL_URL_ENV];
  if (envUrl) return { url: envUrl, origin: 'env', dir: null, stop: async () => {} };
  return startTestMariaDbServer();
}

/**
 * Starts a throwaway server of its own, whatever `BOTDB_TEST_MYSQL_URL` says (a server fault needs a server the
 * test owns). Rejects without MariaDB binaries, saying what to do.
 */
export async function startTestMariaDbServer(): Promise<TestMariaDbServer> {
  const bin = findMariaDbBinaries();
  if (!bin) throw new Error(`startTestMariaDb: ${MARIADB_MISSING_REASON}`);
  const dir = mkdtempSync(join(tmpdir(), 'botdb-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mariadb.sock');
  const errorLog = join(dir, 'error.log');
  const outputLog = join(dir, 'mariadbd.out');
  let port = 0;
  let server: ChildProcess | null = null;

  // A run interrupted before its teardown must not leave a server behind: kill it as the process exits.
  const stopOnExit = (): void => {
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);

  const stopServer = async (mode: MariaDbStopMode = 'fast'): Promise<void> => {
    const child = server;
    server = null;
    if (!child) return;
    child.kill(mode === 'fast' ? 'SIGTERM' : 'SIGKILL');
    if (await exited(child, COMMAND_TIMEOUT_MS)) return;
    child.kill('SIGKILL');
    if (!(await exited(child, 10_000))) throw new Error(`startTestMariaDb: mariadbd (pid ${child.pid}) did not exit`);
  };

  const startServer = async (): Promise<void> => {
    if (server) throw new Error('startTestMariaDb: startServer() while the server runs; stopServer() first');
    // Local, throwaway, test-only: loopback only, no host name lookups, no config file of the machine's own
    // server (--no-defaults), a commit reaches the OS at once but is not fsynced (it survives SIGKILL).
    const output = openSync(outputLog, 'a');
    const child = spawn(
      bin.server,
      [
        '--no-defaults',
        ...userArgs(),
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        `--log-error=${errorLog}`,
        `--tmpdir=${dir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--skip-name-resolve',
        '--character-set-server=utf8mb4',
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=100',
      ],
      // What it says before its error log opens (such as refusing root) goes to a file beside it.
      { cwd: dir, stdio: ['ignore', output, output], env: { ...process.env, LC_ALL: 'C' } },
    );
    closeSync(output);
    child.once('error', () => {}); // reported below as an exit before ready
    child.unref();
    server = child;
    const deadline = Date.now() + COMMAND_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await probeTcp(port, isHandshake)) return;
      await sleep(100);
    }
    const how =
      child.exitCode !== null || child.signalCode !== null
        ? `exited with ${child.exitCode ?? child.signalCode}`
        : `did not accept connections within ${COMMAND_TIMEOUT_MS / 1000} s`;
    await stopServer('immediate').catch(() => {});
    const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().slice(-2_000) : '');
    const log = [tail(outputLog), tail(errorLog)].filter(Boolean).join('\n');
    throw new Error(`startTestMariaDb: mariadbd on 127.0.0.1:${port} ${how}:\n${log}`);
  };

  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    try {
      await stopServer('immediate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    // root with no password over TCP (`normal`), no test database, no lookup of this machine's name.
    await runToExit(
      bin.installDb,
      [
        '--no-defaults',
        ...userArgs(),
        `--datadir=${dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
      ],
      undefined,
      dir,
    );
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      port = await freePort();
      try {
        await startServer();
        return {
          url: `mysql://root@127.0.0.1:${port}/`,
          origin: 'throwaway',
          dir,
          port,
          socket,
          dataDir,
          errorLog,
          stop,
          restart: async (mode: MariaDbStopMode = 'fast') => {
            await stopServer(mode);
            await startServer();
          },
          stopServer,
          startServer,
        };
      } catch (error) {
        // Another process may have taken the port between asking and binding: try a new one.
        lastError = error;
      }
    }
    throw lastError;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
