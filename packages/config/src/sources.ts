/**
 * Reading the sources of each dialect into one shape: `[database.sources.<name>]` (ours and the design
 * document's, with its nested `options`), the seed-date bot's `[database]` as the one source, and the
 * later bot's `[database.providers.<name>]` with its `parameters`.
 */

import { type Context, issue } from './context.js';
import { LEGACY_SOURCE_NAME, RESERVED_SOURCE_NAMES } from './defaults.js';
import { BOT_PROVIDER, BOT_PROVIDERS, CONFIG_ENGINES, DEFAULT_SOURCE_TYPE, ENGINE_LIST } from './engines/registry.js';
import {
  OPTIONS_RULES,
  PARAMETERS_RULES,
  type Picked,
  PROVIDER_RULES,
  pickFields,
  SINGLE_RULES,
  SOURCE_RULES,
} from './fields.js';
import { describe, exampleFile, isTable, keyOf, listText } from './text.js';

/** One source as written, before its values are checked. */
export interface SourceEntry {
  name: string;
  /** Key path of the source's table. */
  at: readonly string[];
  picked: Picked;
  /** How this dialect spells the path key, and the table it belongs in (for fixes). */
  pathName: string;
  pathTable: readonly string[];
  /** How this dialect says a source's engine, for fixes: `type = "postgresql"` or `provider = "postgresql"`. */
  typeKey: 'type' | 'provider';
}

export type Layout = 'sources' | 'providers' | 'single';

/** Keys of the seed-date bot's `[database]` table that mark it as the one source. */
const SINGLE_MARKERS = ['path', 'max_connections', 'timeout'];

export function layoutOf(db: Record<string, unknown>): Layout {
  if (Object.hasOwn(db, 'providers') && !Object.hasOwn(db, 'sources')) return 'providers';
  if (!Object.hasOwn(db, 'sources') && SINGLE_MARKERS.some((k) => Object.hasOwn(db, k))) return 'single';
  return 'sources';
}

/** The seed-date bot's `[database] path = ...`: one source named "default". */
export function readSingle(db: Record<string, unknown>, ctx: Context): { entry: SourceEntry; picked: Picked } {
  const picked = pickFields(db, SINGLE_RULES, ['database'], ctx);
  const { unknownDataSource, crossSourceConcurrency, crossSourceTimeout, ...rest } = picked.values;
  const entry: SourceEntry = {
    name: LEGACY_SOURCE_NAME,
    at: ['database'],
    picked: { ...picked, values: rest },
    pathName: 'path',
    pathTable: ['database'],
    typeKey: 'type',
  };
  const dbPicked: Picked = {
    values: { unknownDataSource, crossSourceConcurrency, crossSourceTimeout },
    names: picked.names,
    paths: picked.paths,
  };
  return { entry, picked: dbPicked };
}

/** `[database.sources.<name>]` tables, in order. */
export function readSources(raw: Record<string, unknown>, at: readonly string[], ctx: Context): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const [name, table] of Object.entries(raw)) {
    const sourceAt = [...at, name];
    if (!nameOk(name, sourceAt, ctx) || !tableOk(name, table, sourceAt, 'path', sourceAt, ctx)) continue;
    const picked = pickFields(table, SOURCE_RULES, sourceAt, ctx);
    const options = picked.values.options;
    delete picked.values.options;
    if (options !== undefined) {
      const optionsAt = [...sourceAt, picked.names.options ?? 'options'];
      if (isTable(options)) {
        pickFields(options, OPTIONS_RULES, optionsAt, ctx, picked);
      } else {
        issue(
          ctx,
          keyOf(optionsAt),
          `must be a table like { timeout = 30.0, maxConnections = 5 }, got ${describe(options)}.`,
          `write options = { timeout = 30.0, maxConnections = 5 }, or set timeout and pool-size on [${keyOf(sourceAt)}].`,
        );
      }
    }
    entries.push({ name, at: sourceAt, picked, pathName: 'path', pathTable: sourceAt, typeKey: 'type' });
  }
  return entries;
}

/** The providers of the other types, for fixes: `, or provider = "postgresql" for a PostgreSQL source`. */
const OTHER_PROVIDERS = ENGINE_LIST.filter((e) => e !== CONFIG_ENGINES[DEFAULT_SOURCE_TYPE])
  .map((e) => `, or provider = "${e.providers[0]}" for a ${e.label} source`)
  .join('');

/** `[database.providers.<name>]` tables, in order. */
export function readProviders(raw: Record<string, unknown>, at: readonly string[], ctx: Context): SourceEntry[] {
  const entries: SourceEntry[] = [];
  for (const [name, table] of Object.entries(raw)) {
    const sourceAt = [...at, name];
    const parametersAt = [...sourceAt, 'parameters'];
    if (!nameOk(name, sourceAt, ctx) || !tableOk(name, table, sourceAt, 'dbPath', parametersAt, ctx)) continue;
    const picked = pickFields(table, PROVIDER_RULES, sourceAt, ctx);
    const { provider, parameters } = picked.values;
    delete picked.values.provider;
    delete picked.values.parameters;
    const providerKey = [...sourceAt, 'provider'];
    const type =
      typeof provider === 'string' && Object.hasOwn(BOT_PROVIDERS, provider) ? BOT_PROVIDERS[provider] : undefined;
    if (type === undefined) {
      issue(
        ctx,
        keyOf(providerKey),
        provider === undefined
          ? `provider "${name}" names no provider.`
          : `unsupported provider ${describe(provider)}: the allowed providers are ${listText(ENGINE_LIST.flatMap((e) => e.providers.map((p) => `"${p}" (${e.what})`)))}.`,
        `set provider = "${BOT_PROVIDER}" under [${keyOf(sourceAt)}]${OTHER_PROVIDERS}.`,
      );
    } else {
      // The provider decides the source type as `type` does in [database.sources.<name>].
      picked.values.type = type;
      picked.names.type = 'provider';
      picked.paths.type = providerKey;
    }
    if (parameters !== undefined && !isTable(parameters)) {
      issue(
        ctx,
        keyOf(parametersAt),
        `must be a table holding dbPath, got ${describe(parameters)}.`,
        `write [${keyOf(parametersAt)}] followed by dbPath = "${exampleFile(name)}".`,
      );
    } else if (parameters !== undefined) {
      pickFields(parameters, PARAMETERS_RULES, parametersAt, ctx, picked);
    }
    entries.push({ name, at: sourceAt, picked, pathName: 'dbPath', pathTable: parametersAt, typeKey: 'provider' });
  }
  return entries;
}

/** Refuse names that are empty, blank, or special property names of JavaScript objects. */
function nameOk(name: string, at: readonly string[], ctx: Context): boolean {
  if (name.trim() === '') {
    issue(
      ctx,
      keyOf(at),
      `a source name must not be empty or only spaces, got ${JSON.stringify(name)}.`,
      'give the source a name, e.g. [database.sources.main].',
    );
    return false;
  }
  if (RESERVED_SOURCE_NAMES.includes(name)) {
    issue(
      ctx,
      keyOf(at),
      `"${name}" cannot be a source name: it is a special property name of JavaScript objects (reserved: ${RESERVED_SOURCE_NAMES.join(', ')}).`,
      'rename the source, e.g. [database.sources.main].',
    );
    return false;
  }
  return true;
}

function tableOk(
  name: string,
  table: unknown,
  at: readonly string[],
  pathName: string,
  pathTable: readonly string[],
  ctx: Context,
): table is Record<string, unknown> {
  if (isTable(table)) return true;
  issue(
    ctx,
    keyOf(at),
    `must be a table with at least a ${pathName}, got ${describe(table)}.`,
    `write [${keyOf(pathTable)}] followed by ${pathName} = "${exampleFile(name)}".`,
  );
  return false;
}
