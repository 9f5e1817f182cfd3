/**
 * What the throwaway test servers (./postgres.ts, ./mariadb.ts, ./redis.ts, ./pg-replication.ts) share: a free
 * port of 127.0.0.1, a bounded run of their setup commands, a TCP probe, and bounded waits. Internal to the testkit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Bound of every setup command (ms). */
const COMMAND_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1 (asked of the kernel; the server binds it moments later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The user a command runs as (PostgreSQL refuses root). */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Runs a command to its exit (not the close of its pipes: pg_ctl leaves a server behind), killed after
 * COMMAND_TIMEOUT_MS. Rejects with its output on a non-zero exit.
 */
export function runToExit(file: string, args: string[], user: RunAs | undefined, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      ...(user ?? {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // A server forked by the command may hold the pipes: stop listening so they do not keep us alive.
      child.stdout.destroy();
      child.stderr.destroy();
      if (code === 0) resolve();
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}:\n${output.trim()}`));
    });
  });
}

/**
 * Connects to 127.0.0.1:port and hands `judge` the first bytes the server sends: true when it answers so
 * (`judge` omitted: when it accepts the connection at all). Bounded: 2 s.
 */
export function probeTcp(port: number, judge?: (greeting: Buffer) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    if (judge) socket.once('data', (greeting: Buffer) => done(judge(greeting)));
    else socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `child` exits (at once if it already has), false when `ms` passed first. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Polls `check` every `intervalMs` until it gives a value other than undefined, and resolves with it; rejects
 * after `timeoutMs` with `what` and the last answer (`describe`), so a slow machine gets a bounded, named error.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => Promise<string> | string },
): Promise<T> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(options.intervalMs ?? 100, Math.max(0, deadline - Date.now())));
  }
  const state = options.describe ? await Promise.resolve(options.describe()).catch(String) : '';
  const last = lastError instanceof Error ? lastError.message : lastError === undefined ? '' : String(lastError);
  throw new Error(
    `${what}: not reached within ${options.timeoutMs / 1000} s` +
      (last ? `; last error: ${last}` : '') +
      (state ? `; state: ${state}` : ''),
  );
}

/** The first of `names` found in /usr/bin, /usr/sbin, /usr/local/(s)bin, then PATH (sbin is often not on a non-root PATH). */
export function findProgram(names: string[]): string | null {
  const path = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const dirs = [...new Set(['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', ...path])];
  for (const name of names) {
    for (const dir of dirs) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return null;
}
