/**
 * A readonly source in WAL mode on read-only storage (a mounted archive, a read-only folder):
 * SQLite must create the WAL index (-shm) beside the file to read it, cannot, and refuses. Its
 * `immutable=1` URI flag would be the fix, but better-sqlite3 opens without URI support. When the
 * file holds all its data (no -wal beside it, or an empty one), the source reads an in-memory copy
 * instead: correct for a file that cannot change, and it never touches the storage.
 */
import { readFileSync, statSync } from 'node:fs';
import { SourceOpenError } from '@pkg/errors';
import type { SqliteSourceSpec } from './spec.js';

/** The open errors that mean "cannot set up WAL reading here", not "cannot read the file". */
const WAL_ON_READONLY_STORAGE = new Set(['SQLITE_READONLY_DIRECTORY', 'SQLITE_CANTOPEN', 'SQLITE_READONLY_CANTINIT']);

export function isWalOnReadonlyStorage(spec: SqliteSourceSpec, e: unknown): boolean {
  return spec.readonly && WAL_ON_READONLY_STORAGE.has(String((e as { code?: unknown })?.code));
}

/**
 * The file's bytes, marked as a rollback-journal database (header bytes 18-19) so SQLite reads the
 * copy without a WAL; or the reason it cannot be read that way.
 */
export function readArchiveSnapshot(spec: SqliteSourceSpec, cause: unknown): Buffer | SourceOpenError {
  const code = String((cause as { code?: unknown })?.code);
  const fail = (reason: string, fix: string) => new SourceOpenError(spec.name, spec.path, reason, fix);
  const wal = statSync(`${spec.path}-wal`, { throwIfNoEntry: false });
  if (wal !== undefined && wal.size > 0) {
    return fail(
      `it is in WAL mode on read-only storage and its -wal file holds changes not yet in the main file; SQLite cannot read them without creating the -shm file here (${code})`,
      'checkpoint the database where it is writable (sqlite3 bot.db "PRAGMA wal_checkpoint(TRUNCATE)") before copying it to the archive, or make the folder writable',
    );
  }
  const size = statSync(spec.path, { throwIfNoEntry: false })?.size;
  if (size === undefined) {
    return fail(`the file does not exist (${code})`, 'correct the path, or copy the database there first');
  }
  if (size > spec.maxMemoryMb * 1024 * 1024) {
    return fail(
      `it is in WAL mode on read-only storage, which SQLite cannot open in place (${code}), and at ${Math.ceil(size / 1048576)} MB it is too large to read from memory (max-memory-mb ${spec.maxMemoryMb})`,
      'switch the file to journal_mode=DELETE where it is writable before archiving it, or make its folder writable',
    );
  }
  const bytes = readFileSync(spec.path);
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return bytes;
}
