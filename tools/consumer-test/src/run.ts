/** Runs a command to its end, with a bound: its output comes back, and a failure throws with all of it. */
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Resolve with a non-zero exit code instead of throwing (the caller checks it). */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also stops what it started (npm -> node-gyp -> make).
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const shown = `${command} ${args.join(' ')} (in ${options.cwd})`;
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`${shown} did not finish within ${options.timeoutMs / 1000} s.\n${tail(stdout, stderr)}`));
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${shown} could not start: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && options.allowFailure !== true) {
        reject(new Error(`${shown} exited with ${code}.\n${tail(stdout, stderr)}`));
      } else {
        resolve({ code, stdout, stderr });
      }
    });
  });
}

export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tail(stdout: string, stderr: string): string {
  const last = (s: string) => s.split('\n').slice(-60).join('\n');
  return `--- stdout (end) ---\n${last(stdout)}\n--- stderr (end) ---\n${last(stderr)}`;
}
