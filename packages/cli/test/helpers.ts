/** Driving the built `botdb` executable in a child process, as a user or a script would. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { copyReferenceDb, createTempDir, type TempDir } from '@pkg/testkit';
import type { StepResult } from '../src/move/copy.js';

/** The built bin (turbo builds the package before its tests run). */
export const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** What `npx botdb` / `pnpm exec botdb` run: the package's `bin` entry. */
export const BIN_LINK = fileURLToPath(new URL('../bin/botdb.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Bound on the whole run; the child is killed past it. */
  timeoutMs?: number;
  /** The script to run (default: the built dist/main.js). */
  bin?: string;
}

/** Runs `node dist/main.js ...args`; never rejects on a non-zero exit. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, BOTDB_CONFIG: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`botdb ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as JSON, with the output in the message when it is not. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/**
 * A folder with two copies of the reference bot database and a config naming them:
 * "primary" (writable, default) and "archive" (readonly), chat -1001000000011 mapped to the archive.
 */
export interface Workspace {
  dir: TempDir;
  config: string;
  primary: string;
  archive: string;
}

export const ARCHIVED_CHAT = -1001000000011;

export function makeWorkspace(extraToml = ''): Workspace {
  const dir = createTempDir('botdb-cli-');
  const primary = copyReferenceDb(dir.path, 'bot.db');
  const archive = copyReferenceDb(dir.path, 'archive.db');
  const config = writeConfig(
    dir,
    `[database]
default = "primary"
[database.sources.primary]
path = "bot.db"
[database.sources.archive]
path = "archive.db"
readonly = true
${extraToml}
[database.chatMapping]
${ARCHIVED_CHAT} = "archive"
`,
  );
  return { dir, config, primary, archive };
}

/** A config in `dir` whose default source "primary" is bot.db, plus the `sources` TOML given. */
export function primaryConfig(dir: TempDir, sources: string, name: string): string {
  return writeConfig(
    dir,
    `[database]\ndefault = "primary"\n[database.sources.primary]\npath = "bot.db"\n${sources}`,
    name,
  );
}

export function writeConfig(dir: TempDir, toml: string, name = 'botdb.config.toml'): string {
  const file = dir.file(name);
  writeFileSync(file, toml);
  return file;
}

/** What `botdb move --json` prints. */
export interface MoveJson {
  ok: boolean;
  copied: number;
  chats: number[];
  chatMapping: string[];
  tables: StepResult[];
  problems: { code: string; message: string }[];
}

/**
 * Starts `botdb <args>` and SIGKILLs it as soon as `landed()` sees rows at the destination (or after 20 s):
 * a move killed midway. `landed` may throw while the destination is still being created.
 */
export async function killOnceRowsLand(args: string[], landed: () => number | Promise<number>): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let partial = 0;
  const deadline = Date.now() + 20_000;
  while (partial === 0 && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 5));
    try {
      partial = await landed();
    } catch {
      // The destination is being created: try again.
    }
  }
  child.kill('SIGKILL');
  await exited;
}
