/**
 * A throwaway Redis server for tests: redis-server on a free port of 127.0.0.1 with nothing written to disk
 * (`--save '' --appendonly no`), its own temp folder for its log, stopped and deleted after.
 * `BOTDB_TEST_REDIS_URL` points at an existing server instead. Node built-ins only: the driver belongs to the
 * package under test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from './local-server.js';
import { type RedisProcess, type RedisStopMode, startRedisProcess, throwawayServerArgs } from './redis-process.js';

export type { RedisStopMode } from './redis-process.js';

/** Environment variable naming an existing server to test against (a URL whose database the tests may flush). */
export const REDIS_URL_ENV = 'BOTDB_TEST_REDIS_URL';

/** Why Redis tests cannot run here, and how to let them. */
export const REDIS_MISSING_REASON =
  `no redis-server found (/usr/bin, /usr/sbin, /usr/local/bin, PATH) and ${REDIS_URL_ENV} is not set. ` +
  `To enable them: install Redis (apt-get install redis-server) or set ${REDIS_URL_ENV}=redis://host:port/db`;

/** The one line printed when Redis tests are skipped. */
export const REDIS_SKIP_LINE = `Redis tests skipped: ${REDIS_MISSING_REASON}`;

/** The programs found: the server is required; sentinel mode is the server's own (`--sentinel`) when no redis-sentinel. */
export interface RedisBinaries {
  server: string;
  /** `redis-sentinel` when installed, else null (the server runs as a sentinel with `--sentinel`). */
  sentinel: string | null;
  /** `redis-cli`, if installed. */
  cli: string | null;
}

/** The Redis programs, or null without a server. */
export function findRedisBinaries(): RedisBinaries | null {
  const server = findProgram(['redis-server']);
  if (!server) return null;
  return { server, sentinel: findProgram(['redis-sentinel']), cli: findProgram(['redis-cli']) };
}

/** Whether Redis tests can run here: a URL in the environment, or a server binary to start one. */
export function redisTestAvailable(): boolean {
  return Boolean(process.env[REDIS_URL_ENV]) || findRedisBinaries() !== null;
}

/** A server the tests may use; `stop()` removes a throwaway server (a no-op for `BOTDB_TEST_REDIS_URL`). */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>/0` for a throwaway server (no password). */
  url: string;
  /** Where the server came from: a server started here, or the environment variable. */
  origin: 'throwaway' | 'env';
  /** The server's temp folder (its log), deleted by `stop()`; null for the env URL. */
  dir: string | null;
  stop(): Promise<void>;
}

/** A throwaway server this process owns, and the server faults a test may cause on it. */
export interface TestRedisServer extends TestRedis {
  origin: 'throwaway';
  dir: string;
  port: number;
  /** The process id while it runs, else null. */
  readonly pid: number | null;
  /** The server's log, inside `dir` (read it when something fails). */
  log: string;
  /** Stops and starts the server on the same port (empty again: nothing is persisted). */
  restart(mode?: RedisStopMode): Promise<void>;
  /** `fast` (the default) is SIGTERM, a clean shutdown; `immediate` is SIGKILL. Refused until `startServer()`. */
  stopServer(mode?: RedisStopMode): Promise<void>;
  /** Starts the server again after `stopServer` (same port, no data). */
  startServer(): Promise<void>;
}

/**
 * Starts a throwaway server (or returns `BOTDB_TEST_REDIS_URL`). Rejects when neither is possible, with what to
 * do. Built for a vitest `globalSetup`: start it there, hand `url` to the tests with `provide`, `stop()` in teardown.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const envUrl = process.env[REDIS_URL_ENV];
  if (envUrl) return { url: envUrl, origin: 'env', dir: null, stop: async () => {} };
  return startTestRedisServer();
}

/** Options of a server of one's own. */
export interface TestRedisServerOptions {
  /** Start as a replica of the server on 127.0.0.1:<port> (`--replicaof`). */
  replicaOf?: number;
  /** Extra redis-server arguments (`['--maxmemory', '10mb']`), after the testkit's own. */
  args?: string[];
}

/**
 * Starts a throwaway server of its own, whatever `BOTDB_TEST_REDIS_URL` says (a server fault needs a server the
 * test owns). Rejects without a redis-server binary, saying what to do.
 */
export async function startTestRedisServer(options: TestRedisServerOptions = {}): Promise<TestRedisServer> {
  const bin = findRedisBinaries();
  if (!bin) throw new Error(`startTestRedis: ${REDIS_MISSING_REASON}`);
  const dir = mkdtempSync(join(tmpdir(), 'botdb-redis-'));
  let server: RedisProcess | null = null;
  // A run interrupted before its teardown must not leave a server behind: kill it as the process exits.
  const stopOnExit = (): void => {
    const pid = server?.pid;
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopOnExit);
    try {
      await server?.stopServer('immediate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const replicaArgs = options.replicaOf === undefined ? [] : ['--replicaof', '127.0.0.1', String(options.replicaOf)];
    server = await startRedisProcess('redis', dir, (port) => ({
      file: bin.server,
      args: [...throwawayServerArgs(port, dir, join(dir, 'redis.log')), ...replicaArgs, ...(options.args ?? [])],
    }));
    const running = server;
    return {
      url: `redis://127.0.0.1:${running.port}/0`,
      origin: 'throwaway',
      dir,
      port: running.port,
      get pid() {
        return running.pid;
      },
      log: running.log,
      stop,
      restart: async (mode: RedisStopMode = 'fast') => {
        await running.stopServer(mode);
        await running.startServer();
      },
      stopServer: (mode?: RedisStopMode) => running.stopServer(mode),
      startServer: () => running.startServer(),
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
