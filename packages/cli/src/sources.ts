/** Opening configured sources through @pkg/core, one source at a time, each with a bounded wait. */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig, SourceConfig } from '@pkg/config';
import { DatabaseWrapper, SourceOpenError, SourceUnavailableError } from '@pkg/core';
import { withTimeout } from './problems.js';

/** How long an open may take beyond the source's own busy timeout before the CLI gives up on it. */
const OPEN_GRACE_MS = 10_000;

/** Source names in routing order: the default first, then the rest as configured. */
export function sourceNames(config: DatabaseConfig): string[] {
  return [config.default, ...Object.keys(config.sources).filter((n) => n !== config.default)];
}

export function sourceOf(config: DatabaseConfig, name: string): SourceConfig {
  const s = config.sources[name];
  if (s === undefined) throw new Error(`source "${name}" is not configured`);
  return s;
}

/** The bound on opening every source of `config`. */
export function openBoundMs(config: DatabaseConfig): number {
  const longest = Math.max(...Object.values(config.sources).map((s) => s.timeout));
  return Math.round(longest * 1000) + OPEN_GRACE_MS;
}

/** File and WAL sizes in bytes; null when the file does not exist. */
export function fileSizes(path: string): { size: number | null; walSize: number | null } {
  const size = (p: string): number | null => {
    try {
      return statSync(p).size;
    } catch {
      return null;
    }
  };
  return { size: size(path), walSize: size(`${path}-wal`) };
}

/**
 * A writable source whose file does not exist yet: opening it would create a new bot database,
 * which a diagnostic command must not do behind the user's back (a wrong path would leave a stray file).
 */
export function isMissingWritable(source: SourceConfig): boolean {
  return !source.readonly && !existsSync(source.path);
}

/** The folder a missing writable file would be created in does not exist: the bot's open would fail. */
export function missingFolderError(name: string, source: SourceConfig): SourceOpenError | null {
  const folder = dirname(source.path);
  if (existsSync(folder)) return null;
  return new SourceOpenError(
    name,
    source.path,
    `the folder ${folder} does not exist, so the file cannot be created`,
    `create the folder, or correct [database.sources.${name}] path.`,
  );
}

/** A DatabaseWrapper over the whole config, ready (every source open) within the bound, or rejected. */
export async function openAll(config: DatabaseConfig): Promise<DatabaseWrapper> {
  const db = new DatabaseWrapper({ config });
  const bound = openBoundMs(config);
  try {
    await withTimeout(
      db.ready(),
      bound,
      () =>
        new SourceUnavailableError(
          config.default,
          sourceOf(config, config.default).path,
          `the sources did not open within ${bound} ms`,
          'check that no process holds a lock on the files, then retry.',
        ),
    );
    return db;
  } catch (error) {
    await closeQuietly(db);
    throw error;
  }
}

/** A DatabaseWrapper over one source only, so each source's failure is reported on its own. */
export function openOne(config: DatabaseConfig, name: string): Promise<DatabaseWrapper> {
  const single: DatabaseConfig = {
    default: name,
    sources: { [name]: sourceOf(config, name) },
    chatMapping: {},
    unknownDataSource: config.unknownDataSource,
  };
  return openAll(single);
}

/** Close, bounded; a close that fails after a failed open has nothing left to report. */
export async function closeQuietly(db: DatabaseWrapper): Promise<void> {
  try {
    await withTimeout(db.close(), OPEN_GRACE_MS, () => new Error('close timed out'));
  } catch {
    // Nothing to add: the open's own error (if any) is what the user needs.
  }
}
