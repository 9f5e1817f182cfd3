/** Opening configured sources through @pkg/core, one source at a time, each with a bounded wait. */
import type { DatabaseConfig, SourceConfig } from '@pkg/config';
import { DatabaseWrapper, SourceOpenError, SourceUnavailableError } from '@pkg/core';
import { type EngineName, type EngineTools, type SourceSpec, sourceSpecOf, toolsOf } from '@pkg/core/engines';
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

/** A configured source as the library's worker would get it, and its engine's tools. */
export interface EngineSource {
  spec: SourceSpec;
  tools: EngineTools<EngineName>;
}

/** How every command meets an engine: the source's spec and the tools of its engine (never a name comparison). */
export function engineSource(config: DatabaseConfig, name: string): EngineSource {
  const spec = sourceSpecOf(config, name);
  return { spec, tools: toolsOf(spec) };
}

/** Where a source lives, as the library's messages say it: the file path, or the URL without password and the schema. */
export function sourceLocation(config: DatabaseConfig, name: string): string {
  const { spec, tools } = engineSource(config, name);
  return tools.place(spec).location;
}

/** The bound on opening every source of `config`. */
export function openBoundMs(config: DatabaseConfig): number {
  const longest = Math.max(...Object.values(config.sources).map((s) => s.timeout));
  return Math.round(longest * 1000) + OPEN_GRACE_MS;
}

/**
 * A writable source whose database does not exist yet (a missing file): opening it would create a new bot
 * database, which a diagnostic command must not do behind the user's back (a wrong path would leave a
 * stray file). A server engine cannot tell without asking (see emptyWritableSources).
 */
export function isMissingWritable(config: DatabaseConfig, name: string): boolean {
  const { spec, tools } = engineSource(config, name);
  return !spec.readonly && tools.local(spec).exists === false;
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
          sourceLocation(config, config.default),
          `the sources did not open within ${bound} ms`,
          'check that no process holds a lock on the files and that every database server answers, then retry.',
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
    system: name,
    sources: { [name]: options.inspectOnly ? { ...source, readonly: true } : source },
    chatMapping: {},
    unknownDataSource: config.unknownDataSource,
  };
  return openAll(single);
}

/**
 * How a server source opened as readonly (openOne's `inspectOnly`) says that its schema holds no bot
 * table at all (`details.emptySchema`): for a writable source that is a database the bot will create on
 * first open, not a fault.
 */
export function isNoBotTables(error: unknown): boolean {
  return error instanceof SourceOpenError && error.details.emptySchema === true;
}

/**
 * The writable server sources (whose presence only the server can tell) whose schema holds no bot tables
 * yet (opening them as the bot does would create the tables), found through read-only sessions. Other
 * failures are left to the caller's own open.
 */
export async function emptyWritableSources(config: DatabaseConfig): Promise<string[]> {
  const names = sourceNames(config).filter((n) => {
    const { spec, tools } = engineSource(config, n);
    return !spec.readonly && tools.local(spec).exists === null;
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
