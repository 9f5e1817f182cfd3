import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** A fresh directory under the OS temp dir. */
export interface TempDir {
  /** Absolute path of the directory. */
  path: string;
  /** Absolute path of `name` inside the directory (the file is not created). Throws if `name` escapes the directory. */
  file(name: string): string;
  /** Removes the directory and everything in it. Safe to call more than once. */
  cleanup(): void;
}

/**
 * Creates a unique directory under `os.tmpdir()` (`mkdtempSync`).
 * Call `cleanup()` in `afterEach`/`afterAll`.
 *
 * @param prefix name prefix of the directory, default `'testkit-'`.
 */
export function createTempDir(prefix = 'testkit-'): TempDir {
  if (prefix.includes('/') || prefix.includes('\\')) {
    throw new Error(`createTempDir: prefix must not contain path separators, got ${JSON.stringify(prefix)}`);
  }
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    file(name: string): string {
      const full = resolve(path, name);
      const rel = relative(path, full);
      if (name === '' || rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        throw new Error(`TempDir.file: ${JSON.stringify(name)} is not a name inside ${path}`);
      }
      return full;
    },
    cleanup(): void {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** SHA-256 of a file's bytes, lowercase hex. Use it to assert a readonly file is unchanged after a suite. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
