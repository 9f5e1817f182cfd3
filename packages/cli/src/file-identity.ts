/**
 * Whether two paths name one file on disk: device and inode, as the configuration's own same-file check
 * (@pkg/config same-file.ts, not exported) and the broker's file identity compare. Path strings are not
 * enough: a symlinked folder or a hard link names the same file under another path.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

function identity(path: string): string | null {
  const s = statSync(path, { throwIfNoEntry: false });
  return s === undefined ? null : `${s.dev}:${s.ino}`;
}

/** True when `a` and `b` are the same path, or both exist and are the same file (symlinks followed). */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const ia = identity(a);
  return ia !== null && ia === identity(b);
}

/** The files of a SQLite database: the file itself and the sidecars SQLite keeps next to it. */
export function sqliteFiles(path: string): string[] {
  return ['', '-wal', '-shm', '-journal'].map((suffix) => `${path}${suffix}`);
}
