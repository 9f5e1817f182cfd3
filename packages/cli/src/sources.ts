/** Opening configured sources through @pkg/core, one source at a time, each with a bounded wait. */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseConfig, PostgresSourceConfig, SourceConfig } from '@pkg/config';
import { DatabaseWrapper, postgresLocation, SourceOpenError, SourceUnavailableError } from '@pkg/core';
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

export function isPostgres(source: SourceConfig): source is PostgresSourceConfig {
  return source.type === 'postgresql';
}

/** The URL as the configuration has it, minus any password (the config refuses one; this never prints one anyway). */
/** A URL as it may be printed (the library's own redaction). */
export { urlWithoutPassword as safeUrl } from '@pkg/core';

/** Where a source lives, as the library's messages say it: the file path, or the URL without password and the schema. */
export function sourceLocation(source: SourceConfig): string {
  return isPostgres(source) ? postgresLocation(source.url, source.schema) : source.path;
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
  // A PostgreSQL schema is not a file: whether it exists is known only by asking the server (check does).
  if (isPostgres(source)) return false;
  return !source.readonly && !existsSync(source.path);
}

/** The folder a missing writable file would be created in does not exist: the bot's open would fail. */
export function missingFolderError(name: string, source: SourceConfig): SourceOpenError | null {
  if (isPostgres(source)) return null;
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
          sourceLocation(sourceOf(config, config.default)),
          `the sources did not open within ${bound} ms`,
          'check that no process holds a lock on the files and that every PostgreSQL server answers, then retry.',
        ),
    );
    return db;
  } catch (error) {
    await closeQuietly(db);
    throw error;
  }
}

/**
 * A DatabaseWrapper over one source only, so each source's failure is reported on its own.
 * `inspectOnly`: the source is opened as a readonly one whatever its mode (a SQLite file readonly, a
 * PostgreSQL source through read-only sessions; never migrated), so that looking at a writable source never
 * writes: no schema or tables created, not even into an empty or foreign file (`check` reports those).
 */
export function openOne(
  config: DatabaseConfig,
  name: string,
  options: { inspectOnly?: boolean } = {},
): Promise<DatabaseWrapper> {
  const source = sourceOf(config, name);
  const single: DatabaseConfig = {
    default: name,
    sources: { [name]: options.inspectOnly ? { ...source, readonly: true } : source },
    chatMapping: {},
    unknownDataSource: config.unknownDataSource,
  };
  return openAll(single);
}

/**
 * How a PostgreSQL source opened as readonly (openOne's `inspectOnly`) says that its schema holds no bot
 * table at all (`details.emptySchema`): for a writable source that is a database the bot will create on
 * first open, not a fault.
 */
export function isNoBotTables(error: unknown): boolean {
  return error instanceof SourceOpenError && error.details.emptySchema === true;
}

/**
 * The writable PostgreSQL sources whose schema holds no bot tables yet (opening them as the bot does would
 * create the tables), found through read-only sessions. Other failures are left to the caller's own open.
 */
export async function emptyWritablePostgres(config: DatabaseConfig): Promise<string[]> {
  const names = sourceNames(config).filter((n) => {
    const s = sourceOf(config, n);
    return isPostgres(s) && !s.readonly;
  });
  const empty = await Promise.all(
    names.map(async (n) => {
      try {
        await closeQuietly(await openOne(config, n, { inspectOnly: true }));
        return false;
      } catch (error) {
        return isNoBotTables(error);
      }
    }),
  );
  return names.filter((_, i) => empty[i]);
}

/** Close, bounded; a close that fails after a failed open has nothing left to report. */
export async function closeQuietly(db: DatabaseWrapper): Promise<void> {
  try {
    await withTimeout(db.close(), OPEN_GRACE_MS, () => new Error('close timed out'));
  } catch {
    // Nothing to add: the open's own error (if any) is what the user needs.
  }
}
