/**
 * Why a source could not be opened, in SQLite's own terms, with the fix that matches the cause.
 * SQLite reports a read-only folder as SQLITE_READONLY_DIRECTORY, a read-only file as
 * SQLITE_READONLY, a path it cannot open as SQLITE_CANTOPEN: each needs a different fix.
 */
import { DatabaseError, SourceOpenError } from '@pkg/errors';
import type { PooledConnection } from './connection-pool.js';
import type { SqliteSourceSpec } from './spec.js';

export function toOpenError(spec: SqliteSourceSpec, e: unknown): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = String((e as { code?: unknown })?.code ?? '');
  const open = (reason: string, fix: string) => new SourceOpenError(spec.name, spec.path, reason, fix);
  const binding = bindingProblem(message, code);
  if (binding !== null) return open(binding, BINDING_FIX);
  if (spec.readonly && /does not exist/i.test(message)) {
    return open(
      'the file does not exist, and a readonly source is never created',
      'correct the path, or copy the database there first',
    );
  }
  if (/directory does not exist/i.test(message)) {
    return open('its folder does not exist', 'create the folder, or correct the path');
  }
  switch (code) {
    case 'SQLITE_NOTADB':
      return open('the file is not an SQLite database', 'point the source at a bot.db file');
    case 'SQLITE_READONLY_DIRECTORY':
      return spec.readonly
        ? open(
            `SQLite cannot create the WAL index (-shm) next to a WAL-mode file in a read-only folder (${code})`,
            'checkpoint the file and switch it to journal_mode=DELETE before archiving it, or keep its -wal and -shm files beside it, or make the folder writable',
          )
        : open(
            `the folder is read-only, and SQLite must create its -wal/-shm or journal files there (${code})`,
            'make the folder writable by the bot’s user, or set readonly = true on this source',
          );
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_READONLY_CANTINIT':
    case 'SQLITE_READONLY_CANTLOCK':
    case 'SQLITE_READONLY_RECOVERY':
      return open(
        `the file cannot be written (${code}: ${message})`,
        'give the bot’s user write permission on the file and its folder, or set readonly = true on this source',
      );
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_CANTOPEN_ISDIR':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return open(
        `SQLite cannot open it (${code}: ${message})`,
        spec.readonly
          ? 'check that the path names a file the bot’s user can read (a WAL-mode file also needs its folder writable, or its -shm file present)'
          : 'check that the path names a file (or a new file in a folder) the bot’s user can read and write',
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return open(
        `another process holds a lock on it (${code})`,
        'stop the other process, or raise timeout for this source',
      );
  }
  return open(
    code === '' ? message : `${code}: ${message}`,
    'check that the path exists and is readable (and writable for a writable source)',
  );
}

/** Rebuilding fetches a prebuilt binary for this Node.js, or compiles one (needs python3, make and a C++ compiler). */
export const BINDING_FIX =
  'build it for this Node.js: `npm rebuild better-sqlite3` (pnpm: `pnpm rebuild better-sqlite3`, after allowing its install script with `pnpm approve-builds`); a PostgreSQL-only configuration does not need it';

/**
 * better-sqlite3 loads its native part on the first open, so a binding that was never built (install
 * scripts skipped) or was built for another Node.js fails here, before SQLite sees the path: name the
 * package, not the file.
 */
export function bindingProblem(message: string, code: string): string | null {
  if (/Could not locate the bindings file/i.test(message)) {
    return 'the SQLite driver better-sqlite3 is installed without its native binding (its install script did not run or failed)';
  }
  if (code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|better_sqlite3\.node/.test(message)) {
    return `the SQLite driver better-sqlite3's native binding does not load in Node.js ${process.version} (${message.split('\n')[0]})`;
  }
  return null;
}

/**
 * A writable source on a file or folder it cannot write would report ready and then fail every
 * write. SQLite only notices at the first real write, so make one and roll it back: rewriting
 * user_version with its own value inside a transaction changes nothing on disk.
 */
export function probeWritable(spec: SqliteSourceSpec, conn: PooledConnection): void {
  const db = conn.db;
  const version = db.pragma('user_version', { simple: true }) as number;
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.pragma(`user_version = ${version}`);
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  } catch (e) {
    const code = String((e as { code?: unknown })?.code ?? '');
    if (code === 'SQLITE_BUSY') return; // another process is writing: the file is writable
    throw toOpenError(spec, e);
  }
}
