/**
 * `botdb backup` of a SQLite source: an online, consistent copy while the bot writes, through SQLite's
 * backup API (better-sqlite3 `db.backup`) on a readonly connection, left as a standalone file.
 */
import { rmSync } from 'node:fs';
import type { SqliteSourceSpec } from '@pkg/broker';
import { openSqlite } from '@pkg/broker/sqlite-driver';
import { SourceOpenError } from '@pkg/errors';
import type Database from 'better-sqlite3';
import { STANDARD_FIGURE_QUERIES as SQL, withTimeout } from '../tool-helpers.js';
import type { FileCopy } from '../tools.js';

/** The files of a SQLite database: the file itself and the sidecars SQLite keeps next to it. */
export function sqliteFiles(path: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => `${path}${suffix}`);
}

function removeWithSidecars(file: string): void {
  for (const f of sqliteFiles(file)) rmSync(f, { force: true });
}

/**
 * Copies the source into `file`. Rejects with SourceOpenError when the source cannot be opened; with an
 * Error whose message is the reason when the copy fails (the partial file is removed then).
 */
export async function copySqliteOnline(
  spec: SqliteSourceSpec,
  file: string,
  options: { timeoutMs: number; onProgress?: (done: number, total: number) => void },
): Promise<FileCopy> {
  // Read-only connection: the backup never writes to the bot's file, and the bot keeps writing.
  let src: Database.Database;
  try {
    src = openSqlite(spec.name, spec.path, { readonly: true, fileMustExist: true, timeout: spec.timeoutMs });
  } catch (error) {
    if (error instanceof SourceOpenError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SourceOpenError(
      spec.name,
      spec.path,
      reason,
      'check the path in the configuration and that the file exists.',
    );
  }
  removeWithSidecars(file);
  let snapshot: FileCopy['snapshot'];
  let pages = 0;
  try {
    // One read transaction for the whole copy: the backup reads through this connection, so every
    // step sees the same snapshot (no restart when the bot writes) and the counts below match it.
    src.exec('BEGIN');
    snapshot = {
      messages: src.prepare(SQL.messages).pluck().get() as number,
      chats: src.prepare(SQL.chats).pluck().get() as number,
    };
    const seconds = options.timeoutMs / 1000;
    await withTimeout(
      src.backup(file, {
        progress({ totalPages, remainingPages }) {
          pages = totalPages;
          options.onProgress?.(totalPages - remainingPages, totalPages);
          // About 50 steps, so progress moves and the event loop breathes, whatever the file's size.
          return Math.max(100, Math.ceil(totalPages / 50));
        },
      }),
      options.timeoutMs,
      () => new Error(`the copy did not finish within ${seconds} s (raise --timeout for a large file)`),
    );
    options.onProgress?.(pages, pages);
  } catch (error) {
    removeWithSidecars(file);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(reason);
  } finally {
    if (src.inTransaction) src.exec('COMMIT');
    src.close();
  }

  // The copy carries the source's WAL flag; a standalone file is easier to move and open readonly
  // (the bot switches it back to WAL when it opens it as a source).
  try {
    const copy = openSqlite(spec.name, file, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
  } catch (error) {
    removeWithSidecars(file);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the copy ${file} cannot be finalised: ${reason}`);
  }
  return { pages, snapshot };
}
