/**
 * A SQLite source's own part of the configuration: the file (`path`, or the bot's `dbPath`), resolved
 * against the config file's folder; ":memory:" kept as it is. SQLite is the type of a source that leaves
 * `type` out. Two sources are one store when their paths name one file (after `..`, symlinks, hard links
 * and, on a case-insensitive file system, case).
 */
import path from 'node:path';
import { type Context, issue } from '../context.js';
import type { ConfigEngine, EngineFields, SameStore } from '../engine.js';
import type { Field } from '../fields.js';
import { type CaseCache, fileIdentity } from '../same-file.js';
import type { SourceEntry } from '../sources.js';
import { describe, exampleFile, keyOf } from '../text.js';
import type { CommonSourceConfig, CommonSourceConfigInput } from '../types.js';

/** A SQLite file. */
export interface SqliteSourceConfig extends CommonSourceConfig {
  type: 'sqlite';
  /** Absolute path of the SQLite file (relative paths are resolved against the config file's folder), or ":memory:". */
  path: string;
}

export interface SqliteSourceConfigInput extends CommonSourceConfigInput {
  type?: 'sqlite';
  path: string;
}

const MEMORY = ':memory:';

function validate(entry: SourceEntry, ctx: Context, baseDir: string): EngineFields<SqliteSourceConfig> | undefined {
  const { name, picked } = entry;
  const pathKey = keyOf(picked.paths.path ?? [...entry.pathTable, entry.pathName]);
  const exampleFileName = exampleFile(name);
  const rawPath = picked.values.path;
  if (rawPath === undefined) {
    issue(
      ctx,
      pathKey,
      `source "${name}" has no path.`,
      `add ${entry.pathName} = "${exampleFileName}" under [${keyOf(entry.pathTable)}].`,
    );
  } else if (typeof rawPath !== 'string' || rawPath.trim() === '') {
    issue(
      ctx,
      pathKey,
      `must be the path of the SQLite file, got ${describe(rawPath)}.`,
      `set ${entry.pathName} = "${exampleFileName}" (relative paths resolve against the config file's folder).`,
    );
  } else if (rawPath.includes('\0')) {
    issue(
      ctx,
      pathKey,
      `the path ${JSON.stringify(rawPath)} contains a NUL byte, which no file name can hold.`,
      `remove the NUL (\\u0000) from ${entry.pathName}, e.g. ${entry.pathName} = "${exampleFileName}".`,
    );
  } else if (rawPath === MEMORY) {
    // One private in-memory database per source (its worker opens a single connection); it
    // vanishes when the worker stops or restarts. As the bot's own tests use it.
    return { path: rawPath };
  } else if (/^file:/i.test(rawPath)) {
    issue(
      ctx,
      pathKey,
      `SQLite URI filenames (${JSON.stringify(rawPath)}) are not supported.`,
      `point path at a file, e.g. path = "${exampleFileName}", or use ":memory:" for throwaway data.`,
    );
  } else {
    return { path: path.resolve(baseDir, rawPath) };
  }
  return undefined;
}

/** Two sources on one file: each runs its own worker and write lock, so this is refused, readonly or not. */
function sameStore({ first, firstSource, entry, source }: SameStore<SqliteSourceConfig>, ctx: Context): void {
  const mixed = firstSource.readonly !== source.readonly;
  const [writable, readonly] = firstSource.readonly ? [entry.name, first] : [first, entry.name];
  const otherPath = firstSource.path;
  issue(
    ctx,
    keyOf(entry.picked.paths.path ?? [...entry.pathTable, entry.pathName]),
    `sources "${first}" and "${entry.name}" are the same file (${otherPath}${otherPath === source.path ? '' : ` and ${source.path}`}): ` +
      (mixed
        ? `"${writable}" writes it and "${readonly}" is readonly, so the readonly source would not be read-only at all.`
        : 'each source runs its own worker and write lock, so the two would block and overwrite each other.'),
    mixed
      ? `remove "${readonly}" and read the file through "${writable}" (pass dataSource: "${writable}"), or point ${entry.pathName} at another file.`
      : `keep one source for the file (map chats to it in chatMapping), or point ${entry.pathName} of "${entry.name}" at another file.`,
  );
}

const PATH: Field = { field: 'path', names: ['path'] };

export const sqliteConfig: ConfigEngine<SqliteSourceConfig, SqliteSourceConfigInput> = {
  type: 'sqlite',
  label: 'SQLite',
  what: 'a SQLite file',
  providers: ['sqlite3'],
  sourceFields: [PATH],
  providerFields: [],
  // The bot's SQLite3Provider argument.
  parameterFields: [{ field: 'path', names: ['dbPath'] }],
  keyDescriptions: { path: 'the file of a SQLite source' },
  validate,
  identity: (source: SqliteSourceConfig, cache: CaseCache) =>
    source.path === MEMORY ? null : fileIdentity(source.path, cache),
  sameStore,
};
