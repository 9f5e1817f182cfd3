/**
 * Which file a source path really is: two sources on one file would run two workers, each with its own
 * pool and write lock, on the same SQLite file. Paths are compared after `..` (path.resolve), symlinks
 * (realpath of the longest existing prefix) and, on a case-insensitive file system, case.
 */
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const MAX_LINKS = 40;

/** Remembers, per folder, whether its file system ignores case. */
export type CaseCache = Map<string, boolean>;

/**
 * A string equal for two absolute paths exactly when they name the same file: device and inode for an
 * existing file (this also covers hard links), else the real path of its folder plus the rest.
 */
export function fileIdentity(file: string, cache: CaseCache = new Map()): string {
  let current = path.resolve(file);
  for (let links = 0; links < MAX_LINKS; links++) {
    try {
      const st = statSync(current);
      return `inode:${st.dev}:${st.ino}`;
    } catch {
      // Not there (yet): a dangling symlink still names its target.
    }
    let target: string | undefined;
    try {
      if (lstatSync(current).isSymbolicLink()) target = path.resolve(path.dirname(current), readlinkSync(current));
    } catch {
      target = undefined;
    }
    if (target === undefined) break;
    current = target;
  }
  const rest: string[] = [];
  let dir = current;
  for (;;) {
    const parent = path.dirname(dir);
    rest.unshift(path.basename(dir));
    dir = parent;
    if (exists(dir) || parent === path.dirname(parent)) break;
  }
  let real = dir;
  try {
    real = realpathSync.native(dir);
  } catch {
    real = dir;
  }
  const joined = path.join(real, ...rest);
  return `path:${ignoresCase(real, cache) ? joined.toLowerCase() : joined}`;
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the file system holding existing folder `dir` ignores case (macOS, Windows by default): the
 * nearest folder whose name has a letter is looked up with its case flipped.
 */
export function ignoresCase(dir: string, cache: CaseCache = new Map()): boolean {
  const known = cache.get(dir);
  if (known !== undefined) return known;
  let answer = false;
  for (let d = dir; ; d = path.dirname(d)) {
    const name = path.basename(d);
    const flipped = flipCase(name);
    if (flipped !== name) {
      try {
        const a = statSync(d);
        const b = statSync(path.join(path.dirname(d), flipped));
        answer = a.dev === b.dev && a.ino === b.ino;
      } catch {
        answer = false;
      }
      break;
    }
    if (path.dirname(d) === d) break;
  }
  cache.set(dir, answer);
  return answer;
}

function flipCase(name: string): string {
  return [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');
}
