/**
 * `botdb backup <source> <file>`: an online, consistent copy of a SQLite source while the bot runs,
 * through SQLite's backup API (better-sqlite3 `db.backup`), then verified.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sameFile } from '@pkg/broker';
import { openSqlite } from '@pkg/broker/sqlite-driver';
import type { LoadedConfig } from '@pkg/config';
import { SourceOpenError } from '@pkg/core';
import type Database from 'better-sqlite3';
import cliProgress from 'cli-progress';
import { SQL } from '../bot-schema.js';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, formatBytes, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem, UsageError, withTimeout } from '../problems.js';
import { isPostgres, safeUrl, sourceLocation, sourceNames } from '../sources.js';
import { type FileReport, verifyFile } from '../sqlite-file.js';

export interface BackupOptions extends ConfigOption {
  json?: boolean;
  force?: boolean;
  /** Upper bound on the whole copy, in seconds. */
  timeout?: string;
}

const DEFAULT_TIMEOUT_S = 600;

function report(opts: BackupOptions, body: Record<string, unknown>, problems: Problem[]): number {
  if (opts.json) out.json({ ok: problems.length === 0, ...body, problems });
  else for (const p of problems) for (const l of problemLines(p)) out.line(l);
  return problems.length === 0 ? EXIT.ok : EXIT.problems;
}

/** A word as it can be pasted into a shell: as is when plain, else single-quoted (`?` and `&` appear in URLs). */
function shellWord(text: string): string {
  return /^[\w@%:/.=+,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Where the suggested pg_dump writes: the name given with its extension replaced by `.sql` (pg_dump's plain
 * format, restored with psql), so a dump never lands under a `.db` name that looks like a SQLite copy.
 */
function dumpFileName(fileArg: string): string {
  return fileArg.replace(/(\.[^./\\]*)?$/, '.sql');
}

/** The files of a SQLite database: the file itself and the sidecars SQLite keeps next to it. */
function sqliteFiles(path: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => `${path}${suffix}`);
}

function removeWithSidecars(file: string): void {
  for (const f of sqliteFiles(file)) rmSync(f, { force: true });
}

/** A progress bar on a terminal; elsewhere nothing (a bar redrawn into a log is noise). */
function progressBar(opts: BackupOptions): cliProgress.SingleBar | null {
  if (opts.json || process.stderr.isTTY !== true) return null;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: 'backup [{bar}] {percentage}% | {value}/{total} pages', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

export async function runBackup(sourceName: string, fileArg: string, opts: BackupOptions): Promise<number> {
  const timeoutS = opts.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(opts.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    throw new UsageError(`--timeout "${opts.timeout}" is not a positive number of seconds.`);
  }
  let loaded: LoadedConfig;
  try {
    loaded = await loadCliConfig(opts);
  } catch (error) {
    return report(opts, {}, [toProblem(error)]);
  }
  const source = loaded.config.sources[sourceName];
  if (source === undefined) {
    throw new UsageError(
      `unknown source "${sourceName}". Configured sources: ${sourceNames(loaded.config).join(', ')}.`,
      'UNKNOWN_SOURCE',
    );
  }
  const dest = resolve(fileArg);
  if (isPostgres(source)) {
    // SQLite's backup API has no PostgreSQL counterpart here: the server's own dump tool is the right one.
    const url = safeUrl(source.url);
    const env = source.passwordEnv === null ? '' : `PGPASSWORD="$${source.passwordEnv}" `;
    const dump = dumpFileName(fileArg);
    const head = {
      source: sourceName,
      type: 'postgresql',
      location: sourceLocation(source),
      file: dest,
      dumpFile: dump,
    };
    return report(opts, head, [
      {
        code: 'BACKUP_NOT_SUPPORTED',
        source: sourceName,
        message: `Source "${sourceName}" (${sourceLocation(source)}) is a PostgreSQL source; botdb backup copies SQLite files only. Fix: dump it with PostgreSQL's own tool: ${env}pg_dump --schema=${source.schema} ${shellWord(url)} > ${shellWord(dump)} (a plain SQL dump; restore it with psql), or copy it into a SQLite source the bot can read with botdb move --from ${sourceName} --to <sqlite source> --all.`,
      },
    ]);
  }
  // By device and inode, not by path: through a symlinked folder or a hard link the source's file (or its
  // WAL, which --force would delete) has another name, and replacing it loses every write since the copy.
  const own = sqliteFiles(source.path).find((f) => sameFile(dest, f));
  if (own !== undefined) {
    throw new UsageError(
      `the backup file ${dest} is the live file ${own} of source "${sourceName}" (the same file on disk, under another path or through a link); writing there would replace the source. Fix: name a file outside the source, e.g. backups/${sourceName}-$(date +%F).db.`,
      'BACKUP_IS_SOURCE',
    );
  }
  if (existsSync(dest) && !opts.force) {
    return report(opts, { source: sourceName, file: dest }, [
      {
        code: 'FILE_EXISTS',
        message: `${dest} already exists; refusing to overwrite it. Fix: name a new file, or pass --force to replace it.`,
      },
    ]);
  }

  // Read-only connection: the backup never writes to the bot's file, and the bot keeps writing.
  let src: Database.Database;
  try {
    src = openSqlite(sourceName, source.path, {
      readonly: true,
      fileMustExist: true,
      timeout: Math.round(source.timeout * 1000),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const problem = toProblem(
      new SourceOpenError(
        sourceName,
        source.path,
        reason,
        'check the path in the configuration and that the file exists.',
      ),
      sourceName,
    );
    return report(opts, { source: sourceName, file: dest }, [problem]);
  }

  // Written next to the destination under a temporary name, renamed only once verified:
  // an interrupted or failed backup never leaves a file that looks like a good copy.
  const partial = join(dirname(dest), `.${basename(dest)}.partial-${process.pid}`);
  removeWithSidecars(partial);
  const bar = progressBar(opts);
  let snapshot: { messages: number; chats: number };
  let pages = 0;
  try {
    // One read transaction for the whole copy: the backup reads through this connection, so every
    // step sees the same snapshot (no restart when the bot writes) and the counts below match it.
    src.exec('BEGIN');
    snapshot = {
      messages: src.prepare(SQL.messages).pluck().get() as number,
      chats: src.prepare(SQL.chats).pluck().get() as number,
    };
    let started = false;
    await withTimeout(
      src.backup(partial, {
        progress({ totalPages, remainingPages }) {
          pages = totalPages;
          if (bar !== null) {
            if (!started) bar.start(totalPages, 0);
            bar.update(totalPages - remainingPages);
          }
          started = true;
          // About 50 steps, so the bar moves and the event loop breathes, whatever the file's size.
          return Math.max(100, Math.ceil(totalPages / 50));
        },
      }),
      timeoutS * 1000,
      () => new Error(`the copy did not finish within ${timeoutS} s (raise --timeout for a large file)`),
    );
    if (bar !== null) {
      bar.update(pages);
      bar.stop();
    }
  } catch (error) {
    bar?.stop();
    removeWithSidecars(partial);
    const reason = error instanceof Error ? error.message : String(error);
    return report(opts, { source: sourceName, file: dest }, [
      { code: 'BACKUP_FAILED', source: sourceName, message: `Copying ${source.path} to ${dest} failed: ${reason}.` },
    ]);
  } finally {
    if (src.inTransaction) src.exec('COMMIT');
    src.close();
  }

  // The copy carries the source's WAL flag; a standalone file is easier to move and open readonly
  // (the bot switches it back to WAL when it opens it as a source).
  try {
    const copy = openSqlite(sourceName, partial, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
  } catch (error) {
    removeWithSidecars(partial);
    const reason = error instanceof Error ? error.message : String(error);
    return report(opts, { source: sourceName, file: dest }, [
      { code: 'BACKUP_FAILED', source: sourceName, message: `The copy ${partial} cannot be finalised: ${reason}.` },
    ]);
  }

  const check: FileReport = verifyFile(partial);
  const problems: Problem[] = [...check.problems];
  if (check.messages !== snapshot.messages || check.chats !== snapshot.chats) {
    problems.push({
      code: 'COPY_MISMATCH',
      source: sourceName,
      message: `The copy holds ${check.messages} messages and ${check.chats} chats; the source held ${snapshot.messages} and ${snapshot.chats} at the time. Fix: run the backup again.`,
    });
  }
  if (problems.length > 0) {
    removeWithSidecars(partial);
    return report(opts, { source: sourceName, file: dest, verify: { ...check, file: dest } }, problems);
  }
  if (opts.force) removeWithSidecars(dest);
  renameSync(partial, dest);

  const body = {
    source: sourceName,
    sourcePath: source.path,
    file: dest,
    pages,
    size: check.size,
    snapshot,
    verify: { ...check, file: dest },
  };
  if (opts.json) return report(opts, body, []);
  const c = out.c;
  out.line(`${c.green('✓')} ${c.bold(sourceName)} -> ${printable(dest)}`);
  out.line(
    `    ${pages} pages, ${formatBytes(check.size ?? 0)}; ${snapshot.chats} chats, ${snapshot.messages} messages`,
  );
  out.line(`    verified: integrity ${check.integrity}, schema version ${check.schemaVersion}`);
  return EXIT.ok;
}
