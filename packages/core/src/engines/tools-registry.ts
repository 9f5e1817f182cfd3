/**
 * The engines' botdb tools, by name: one entry per engine the broker knows (the compiler checks), so a new
 * engine is listed here as a place still to do. The CLI asks through `toolsOf(spec)` and never names an engine.
 */
import type { EngineName, SourceSpec } from '@pkg/broker';
import type { DatabaseConfig, SourceConfig } from '@pkg/config';
import { sourceSpecs } from '../source-specs.js';
import { mysqlTools } from './mysql/tools.js';
import { postgresTools } from './postgresql/tools.js';
import { redisTools } from './redis/tools.js';
import { verifyFile } from './sqlite/file-check.js';
import { sqliteTools } from './sqlite/tools.js';
import type { EngineTools, FileReport } from './tools.js';

export const ENGINE_TOOLS: { readonly [E in EngineName]: EngineTools<E> } = {
  sqlite: sqliteTools,
  postgresql: postgresTools,
  mysql: mysqlTools,
  redis: redisTools,
};

/** The tools of a source's engine, typed for that source's spec. */
export function toolsOf<S extends SourceSpec>(spec: S): EngineTools<S['engine']> {
  return ENGINE_TOOLS[spec.engine as S['engine']] as EngineTools<S['engine']>;
}

/**
 * The broker's spec of the configured source `name` (what the library's worker would get), for the tools.
 * Throws when the source is not configured.
 */
export function sourceSpecOf(config: DatabaseConfig, name: string): SourceSpec {
  const source: SourceConfig | undefined = config.sources[name];
  if (source === undefined) throw new Error(`source "${name}" is not configured`);
  return sourceSpecs(config, [name])[0] as SourceSpec;
}

/** Two sources name the same data: one file, or one server database and schema. Engines differ: never. */
export function sameData(a: SourceSpec, b: SourceSpec): boolean {
  return a.engine === b.engine && (toolsOf(a) as EngineTools<EngineName>).sameData(a as never, b as never);
}

/**
 * `botdb verify <file>`: a database file on disk checked readonly (integrity, bot schema, figures); never
 * throws. Files are SQLite's (a SQLite source, or a copy `botdb backup` made); a server engine's backup is
 * its own dump tool's. `integrity: false` skips the integrity check (it reads every page).
 */
export const verifyDatabaseFile: (
  file: string,
  options?: { busyTimeoutMs?: number; integrity?: boolean },
) => FileReport = verifyFile;
