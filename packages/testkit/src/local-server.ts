/**
 * What the throwaway test servers (./postgres.ts, ./mariadb.ts) share: a free port of 127.0.0.1, a bounded
 * run of their setup commands, and a TCP probe. Internal to the testkit.
 */
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

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
