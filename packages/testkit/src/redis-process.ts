/**
 * One redis-server (or sentinel) process the testkit owns: started on a free port of 127.0.0.1 (a new one when
 * another process took it first), ready when it answers PING, stopped by signal, killed when the test process
 * exits without stopping it. Internal to ./redis.ts and ./redis-sentinel.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, freePort, sleep } from './local-server.js';
import { redisCommand } from './redis-protocol.js';

/** Bound of a start (until PING answers) and of a shutdown (ms). */
export const REDIS_START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** How the server goes down: `fast` is SIGTERM (a clean shutdown), `immediate` is SIGKILL (a crash). */
export type RedisStopMode = 'fast' | 'immediate';

/** The program and arguments that start the process on `port`. */
export type RedisCommandLine = (port: number) => { file: string; args: string[] };

export interface RedisProcess {
  readonly port: number;
  /** The process id while it runs, else null. */
  readonly pid: number | null;
  /** The log file (`--logfile`), inside the process's folder. */
  readonly log: string;
  startServer(): Promise<void>;
  stopServer(mode?: RedisStopMode): Promise<void>;
  /** The last lines the process wrote (its log and what it printed before the log opened). */
  tail(): string;
}

/** Starts the process (retrying on a port taken meanwhile); rejects with its output when it does not serve. */
export async function startRedisProcess(
  label: string,
  dir: string,
  commandLine: RedisCommandLine,
): Promise<RedisProcess> {
  const log = join(dir, `${label}.log`);
  const outputLog = join(dir, `${label}.out`);
  let port = 0;
  let child: ChildProcess | null = null;
  const tail = (): string =>
    [outputLog, log]
      .map((file) => (existsSync(file) ? readFileSync(file, 'utf8').trim().slice(-1_500) : ''))
      .filter(Boolean)
      .join('\n');

  const stopServer = async (mode: RedisStopMode = 'fast'): Promise<void> => {
    const running = child;
    child = null;
    if (!running) return;
    running.kill(mode === 'fast' ? 'SIGTERM' : 'SIGKILL');
    if (await exited(running, STOP_TIMEOUT_MS)) return;
    running.kill('SIGKILL');
    if (!(await exited(running, 10_000))) throw new Error(`${label}: redis (pid ${running.pid}) did not exit`);
  };

  const startServer = async (): Promise<void> => {
    if (child) throw new Error(`${label}: startServer() while it runs; stopServer() first`);
    const { file, args } = commandLine(port);
    const output = openSync(outputLog, 'a');
    const started = spawn(file, args, { cwd: dir, stdio: ['ignore', output, output] });
    closeSync(output);
    started.once('error', () => {}); // reported below as an exit before ready
    started.unref();
    child = started;
    const deadline = Date.now() + REDIS_START_TIMEOUT_MS;
    while (Date.now() < deadline && started.exitCode === null && started.signalCode === null) {
      const pong = await redisCommand(port, ['PING'], { timeoutMs: 2_000 }).catch(() => null);
      if (pong === 'PONG') return;
      await sleep(50);
    }
    const how =
      started.exitCode !== null || started.signalCode !== null
        ? `exited with ${started.exitCode ?? started.signalCode}`
        : `did not answer PING within ${REDIS_START_TIMEOUT_MS / 1000} s`;
    await stopServer('immediate').catch(() => {});
    throw new Error(`${label}: ${file} on 127.0.0.1:${port} ${how}:\n${tail()}`);
  };

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    try {
      await startServer();
      return {
        get port() {
          return port;
        },
        get pid() {
          return child?.pid ?? null;
        },
        log,
        startServer,
        stopServer,
        tail,
      };
    } catch (error) {
      // Another process may have taken the port between asking and binding: try a new one.
      lastError = error;
    }
  }
  throw lastError;
}

/** The arguments every throwaway redis-server gets: loopback only, nothing written to disk, its own folder. */
export function throwawayServerArgs(port: number, dir: string, log: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    log,
    '--daemonize',
    'no',
    // A replica's first sync starts at once, not after the default 5 s wait for more replicas to join it.
    '--repl-diskless-sync-delay',
    '0',
    // DEBUG SLEEP / DEBUG SET-ACTIVE-EXPIRE let a test make the server slow or hold expiry; loopback clients only.
    '--enable-debug-command',
    'local',
  ];
}
