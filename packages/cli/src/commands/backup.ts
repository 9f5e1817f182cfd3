/**
 * `botdb backup <source> <file>`: an online, consistent copy of a source while the bot runs, verified, for
 * an engine whose database is a file (SQLite's backup API); a server engine's source gets its own dump
 * tool's command instead. The engine's part is its tools' `backup` (`@pkg/core/engines`).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ENGINES, sameFile } from '@pkg/broker';
import type { LoadedConfig } from '@pkg/config';
import { DatabaseError } from '@pkg/core';
import type { FileReport } from '@pkg/core/engines';
import cliProgress from 'cli-progress';
import { type ConfigOption, loadCliConfig } from '../config.js';
import { EXIT, formatBytes, out, type Problem, printable, problemLines } from '../output.js';
import { toProblem, UsageError } from '../problems.js';
import { engineSource, sourceNames } from '../sources.js';

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
  if (loaded.config.sources[sourceName] === undefined) {
    throw new UsageError(
      `unknown source "${sourceName}". Configured sources: ${sourceNames(loaded.config).join(', ')}.`,
      'UNKNOWN_SOURCE',
    );
  }
  const { spec, tools } = engineSource(loaded.config, sourceName);
  const place = tools.place(spec);
  const dest = resolve(fileArg);
  const backup = tools.backup;
  if (backup.kind === 'dump') {
    // A file copy has no counterpart on a server: the server's own dump tool is the right one.
    const dump = backup.command(spec, fileArg);
    const label = ENGINES[spec.engine].label;
    const head = {
      source: sourceName,
      type: place.type,
      location: place.location,
      file: dest,
      dumpFile: dump.dumpFile,
    };
    return report(opts, head, [
      {
        code: 'BACKUP_NOT_SUPPORTED',
        source: sourceName,
        message: `Source "${sourceName}" (${place.location}) is a ${label} source; botdb backup copies SQLite files only. Fix: dump it with ${label}'s own tool: ${dump.command} (${dump.restore}), or copy it into a SQLite source the bot can read with botdb move --from ${sourceName} --to <sqlite source> --all.`,
      },
    ]);
  }
  const livePath = place.path ?? place.location;
  const removeWithSidecars = (file: string): void => {
    for (const f of backup.files(file)) rmSync(f, { force: true });
  };
  // By device and inode, not by path: through a symlinked folder or a hard link the source's file (or its
  // WAL, which --force would delete) has another name, and replacing it loses every write since the copy.
  const own = backup.files(livePath).find((f) => sameFile(dest, f));
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

  // Written next to the destination under a temporary name, renamed only once verified:
  // an interrupted or failed backup never leaves a file that looks like a good copy.
  const partial = join(dirname(dest), `.${basename(dest)}.partial-${process.pid}`);
  const bar = progressBar(opts);
  let copied: { pages: number; snapshot: { messages: number; chats: number } };
  try {
    let started = false;
    copied = await backup.copy(spec, partial, {
      timeoutMs: timeoutS * 1000,
      onProgress(done, total) {
        if (bar === null) return;
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
    });
    bar?.stop();
  } catch (error) {
    bar?.stop();
    if (error instanceof DatabaseError) {
      return report(opts, { source: sourceName, file: dest }, [toProblem(error, sourceName)]);
    }
    const reason = error instanceof Error ? error.message : String(error);
    return report(opts, { source: sourceName, file: dest }, [
      { code: 'BACKUP_FAILED', source: sourceName, message: `Copying ${livePath} to ${dest} failed: ${reason}.` },
    ]);
  }
  const { pages, snapshot } = copied;

  const check: FileReport = await backup.verify(partial);
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
    sourcePath: livePath,
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
