/** Checking a SQLite file on disk, readonly, with better-sqlite3 directly: `botdb verify`, after `botdb backup`, and `check`'s look at an older file. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { openSqlite } from '@pkg/broker/sqlite-driver';
import type Database from 'better-sqlite3';
import { SCHEMA_VERSION, V6_TABLES } from '../../schema/bot-schema.js';
import { parseVersion, STANDARD_FIGURE_QUERIES as SQL } from '../tool-helpers.js';
import type { FileReport } from '../tools.js';

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

function readHeader(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

function sqliteMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e.code ?? 'error'}: ${e.message ?? String(error)}`;
}

/**
 * Integrity and schema of the bot database at `file`, opened readonly (nothing is written).
 * Never throws: every failure is a problem in the report. `integrity: false` skips the integrity check
 * (it reads every page) when only the schema version and counts are wanted.
 */
export function verifyFile(file: string, options: { busyTimeoutMs?: number; integrity?: boolean } = {}): FileReport {
  const report: FileReport = {
    file,
    ok: false,
    size: null,
    integrity: null,
    schemaVersion: null,
    missingTables: [],
    chats: null,
    messages: null,
    problems: [],
  };
  const problem = (code: string, message: string): FileReport => {
    report.problems.push({ code, message });
    return report;
  };

  try {
    const st = statSync(file);
    if (!st.isFile()) return problem('NOT_A_FILE', `${file} is not a regular file.`);
    report.size = st.size;
  } catch {
    return problem('FILE_NOT_FOUND', `${file} does not exist. Fix: check the path.`);
  }
  // Checked by hand first: SQLite would call an empty file a valid, empty database.
  if (readHeader(file) !== SQLITE_HEADER) {
    return problem(
      'NOT_SQLITE',
      `${file} is not a SQLite database (its first bytes are not the SQLite header). Fix: point at a bot.db file or a backup made by "botdb backup".`,
    );
  }

  let db: Database.Database;
  try {
    db = openSqlite(file, file, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    return problem('SOURCE_OPEN_FAILED', `Cannot open ${file}: ${sqliteMessage(error)}.`);
  }
  try {
    if (options.integrity !== false) {
      try {
        // Up to 20 complaints: enough to judge, short enough to print.
        const rows = db.prepare('PRAGMA integrity_check(20)').pluck().all() as string[];
        report.integrity = rows.join('; ');
        if (!(rows.length === 1 && rows[0] === 'ok')) {
          problem(
            'INTEGRITY_CHECK_FAILED',
            `${file} is damaged: ${report.integrity}. Fix: restore it from a backup; do not let the bot write to it.`,
          );
        }
      } catch (error) {
        problem(
          'INTEGRITY_CHECK_FAILED',
          `${file} could not be checked: ${sqliteMessage(error)}. Fix: restore it from a backup.`,
        );
      }
    }

    try {
      const tables = new Set(
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[],
      );
      report.missingTables = V6_TABLES.filter((t) => !tables.has(t));
    } catch (error) {
      return problem('INTEGRITY_CHECK_FAILED', `${file}: cannot read its schema: ${sqliteMessage(error)}.`);
    }
    if (report.missingTables.length > 0) {
      problem(
        'NOT_A_BOT_DATABASE',
        `${file} is not a bot database of schema version ${SCHEMA_VERSION}: missing table${report.missingTables.length === 1 ? '' : 's'} ${report.missingTables.join(', ')}.`,
      );
    }
    try {
      if (!report.missingTables.includes('settings')) {
        report.schemaVersion = parseVersion(db.prepare(SQL.version).pluck().get());
        if (report.schemaVersion === null) {
          problem(
            'SCHEMA_VERSION_MISSING',
            `${file} has no readable schema version (settings key "db-migration-version"). Fix: restore it from a backup.`,
          );
        }
      }
      if (!report.missingTables.includes('chat_info')) report.chats = db.prepare(SQL.chats).pluck().get() as number;
      if (!report.missingTables.includes('chat_messages')) {
        report.messages = db.prepare(SQL.messages).pluck().get() as number;
      }
    } catch (error) {
      problem('INTEGRITY_CHECK_FAILED', `${file}: reading it failed: ${sqliteMessage(error)}.`);
    }
  } finally {
    db.close();
  }
  report.ok = report.problems.length === 0;
  return report;
}
