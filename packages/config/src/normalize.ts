/**
 * Validation and normalisation of the `[database]` table, for config files and for config passed in code.
 * Every problem is collected and thrown together as one ConfigError.
 */

import path from 'node:path';
import { ConfigError } from '@pkg/errors';
import { validateCacheSource } from './cache-source.js';
import { type Context, issue } from './context.js';
import {
  CROSS_SOURCE_DEFAULTS,
  CROSS_SOURCE_LIMITS,
  fileKeyOf,
  IMPLIED_DEFAULT_NAMES,
  rangeText,
  SETTING_LIMITS,
  type SettingLimit,
  SOURCE_DEFAULTS,
  type SourceSettings,
  sourceSettingsSchema,
} from './defaults.js';
import { checkSameStores, engineOfEntry, reportOtherEnginesKeys, reportPassword } from './engine-checks.js';
import { DATABASE_RULES, type Picked, PROVIDERS_DATABASE_RULES, pickFields } from './fields.js';
import { validateShards, validateSystem, warnUnusedGroups } from './shards.js';
import { layoutOf, readProviders, readSingle, readSources, type SourceEntry } from './sources.js';
import { closestName, describe, isTable, keyOf } from './text.js';
import type { ConfigWarning, DatabaseConfig, DatabaseConfigInput, SourceConfig } from './types.js';

export interface NormalizeOptions {
  /** Folder relative source paths resolve against. Default: process.cwd(). */
  baseDir?: string;
  /** Where the configuration came from (a file path), named in the ConfigError. */
  origin?: string;
  /**
   * Turn warnings that usually mean a mistake (a chat mapped to an undefined source; an unknown key in
   * the bot's dialects) into CONFIG_INVALID. Default: true for normalizeConfig (files), false for
   * validateDatabaseConfig (config written in code).
   */
  strict?: boolean;
}

export interface NormalizeResult {
  config: DatabaseConfig;
  warnings: ConfigWarning[];
}

/** Keys whose presence at the top level marks the input as the `[database]` table itself. */
const DATABASE_TABLE_MARKERS = ['sources', 'providers', 'default', 'default_source', 'chat_mapping', 'chatMapping'];

/** What each source setting must be, for messages and fixes. */
const SETTING_RULES: Record<keyof SourceSettings, { expect: string; fix: (key: string) => string }> = {
  readonly: {
    expect: 'true or false',
    fix: (key) => `write ${key} = true or ${key} = false (a boolean, without quotes).`,
  },
  poolSize: limitRule('poolSize', 'a whole number of connections'),
  timeout: limitRule('timeout', 'a number of seconds'),
  maxQueued: limitRule('maxQueued', 'a whole number of calls'),
  transactionTimeout: limitRule('transactionTimeout', 'a number of seconds'),
  queryTimeout: limitRule('queryTimeout', 'a number of seconds'),
  maxMemoryMb: limitRule('maxMemoryMb', 'a whole number of megabytes'),
  onNewerSchema: {
    expect: '"refuse-writes" or "allow-writes"',
    fix: (key) => `set ${key} = "refuse-writes" (the default: reads only) or "allow-writes" (write as the bot does).`,
  },
};

function limitRule(field: keyof typeof SETTING_LIMITS, what: string) {
  const limit = SETTING_LIMITS[field];
  const fallback = SOURCE_DEFAULTS[field];
  const example = limit.integer ? String(fallback) : Number(fallback).toFixed(1);
  return {
    expect: `${what} from ${rangeText(limit)}`,
    fix: (key: string) => `set ${key} to ${what} from ${rangeText(limit)}, e.g. ${key} = ${example} (the default).`,
  };
}

/** Chat ids: plain decimal integers, no sign other than '-', no leading zeros, not zero. */
const CHAT_ID = /^-?[1-9][0-9]*$/;

/**
 * Normalise the contents of a config file: either a whole file (an object with a `database` table)
 * or the `database` table itself. Throws ConfigError listing every problem.
 */
export function normalizeConfig(raw: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const ctx: Context = { issues: [], warnings: [], spelling: 'file', strict: options.strict ?? true };
  const table = databaseTable(raw, ctx);
  const config = table === undefined ? undefined : validateDatabase(table, ctx, baseDirOf(options));
  return finish(config, ctx, options.origin);
}

/** Validate and normalise a configuration passed in code (camelCase or kebab-case keys). Throws ConfigError. */
export function validateDatabaseConfig(input: DatabaseConfigInput, options: NormalizeOptions = {}): NormalizeResult {
  const ctx: Context = { issues: [], warnings: [], spelling: 'code', strict: options.strict ?? false };
  let config: DatabaseConfig | undefined;
  if (isTable(input)) {
    config = validateDatabase(input, ctx, baseDirOf(options));
  } else {
    issue(
      ctx,
      'database',
      `the database configuration must be an object, got ${describe(input)}.`,
      'pass an object like { default: "primary", sources: { primary: { path: "bot.db" } } }.',
    );
  }
  return finish(config, ctx, options.origin);
}

function baseDirOf(options: NormalizeOptions): string {
  return path.resolve(options.baseDir ?? process.cwd());
}

function finish(config: DatabaseConfig | undefined, ctx: Context, origin: string | undefined): NormalizeResult {
  if (ctx.issues.length > 0 || config === undefined) throw new ConfigError(ctx.issues, origin);
  return { config, warnings: ctx.warnings };
}

/** Find the `[database]` table in a whole file, or accept the table itself. */
function databaseTable(raw: unknown, ctx: Context): Record<string, unknown> | undefined {
  if (!isTable(raw)) {
    issue(
      ctx,
      'database',
      `the configuration must be a table containing a [database] table, got ${describe(raw)}.`,
      'start the file with [database] and define at least one [database.sources.<name>] with a path.',
    );
    return undefined;
  }
  if (Object.hasOwn(raw, 'database')) {
    const db = raw.database;
    if (isTable(db)) return db;
    issue(
      ctx,
      'database',
      `must be a table, got ${describe(db)}.`,
      'write [database] as a table holding default, sources and chatMapping.',
    );
    return undefined;
  }
  if (DATABASE_TABLE_MARKERS.some((k) => Object.hasOwn(raw, k))) return raw;
  const typo = Object.keys(raw).find((k) => closestName(k, ['database']) !== undefined);
  issue(
    ctx,
    'database',
    'there is no [database] table.',
    typo === undefined
      ? 'add a [database] table with at least one [database.sources.<name>] that has a path.'
      : `rename [${typo}] to [database].`,
  );
  return undefined;
}

/** The `[database]` table's own fields and its sources, whatever the dialect. */
function readDatabase(db: Record<string, unknown>, ctx: Context): { picked: Picked; entries: SourceEntry[] } {
  const layout = layoutOf(db);
  if (layout === 'single') {
    const { entry, picked } = readSingle(db, ctx);
    return { picked, entries: [entry] };
  }
  if (Object.hasOwn(db, 'sources') && Object.hasOwn(db, 'providers')) {
    issue(
      ctx,
      'database.providers',
      'both [database.sources] and [database.providers] are given; a configuration uses one of them.',
      'move each provider to [database.sources.<name>] with path = its dbPath, or remove [database.sources].',
    );
  }
  const providers = layout === 'providers';
  const picked = pickFields(db, providers ? PROVIDERS_DATABASE_RULES : DATABASE_RULES, ['database'], ctx);
  const listField = providers ? 'providers' : 'sources';
  const listAt = ['database', picked.names[listField] ?? listField];
  const raw = picked.values[listField];
  const example = providers
    ? '[database.providers.default] with provider = "sqlite3" and [database.providers.default.parameters] with dbPath = "bot.db"'
    : '[database.sources.primary] with path = "bot.db"';
  if (raw !== undefined && !isTable(raw)) {
    issue(
      ctx,
      keyOf(listAt),
      `must be a table of sources, got ${describe(raw)}.`,
      `define each source as its own table, e.g. ${example}.`,
    );
    return { picked, entries: [] };
  }
  if (raw === undefined || Object.keys(raw).length === 0) {
    issue(ctx, keyOf(listAt), 'no sources are defined.', `add at least one source, e.g. ${example}.`);
    return { picked, entries: [] };
  }
  return { picked, entries: providers ? readProviders(raw, listAt, ctx) : readSources(raw, listAt, ctx) };
}

function validateDatabase(db: Record<string, unknown>, ctx: Context, baseDir: string): DatabaseConfig | undefined {
  const { picked, entries } = readDatabase(db, ctx);
  const values = picked.values;
  const sourceNames = entries.map((e) => e.name);
  const sources = new Map<string, SourceConfig>();
  for (const entry of entries) {
    const source = validateSource(entry, ctx, baseDir);
    if (source !== undefined) sources.set(entry.name, source);
  }
  checkSameStores(entries, sources, ctx);
  const defined = sourceNames.map((n) => JSON.stringify(n)).join(', ');
  const groups = validateShards({ raw: values.shards, sourceNames, sources }, ctx);

  // The default source, or the shard group `default` names (its first source is then the default source).
  let defaultName: string | undefined;
  let defaultGroup: string | undefined;
  const defaultWritten = picked.names.default ?? 'default';
  const defaultKey = keyOf(['database', defaultWritten]);
  const rawDefault = values.defaultGroup ?? values.default;
  const namedGroup = typeof rawDefault === 'string' ? groups.get(rawDefault) : undefined;
  if (namedGroup !== undefined) {
    defaultGroup = rawDefault as string;
    defaultName = namedGroup.sources[0];
  } else if (values.defaultGroup !== undefined) {
    issue(
      ctx,
      keyOf(['database', 'defaultGroup']),
      `names no shard group, got ${describe(values.defaultGroup)}.`,
      `set default to a shard group defined under [database.shards], or leave defaultGroup out.`,
    );
  } else if (rawDefault === undefined) {
    defaultName =
      IMPLIED_DEFAULT_NAMES.find((n) => sourceNames.includes(n)) ??
      (sourceNames.length === 1 ? sourceNames[0] : undefined);
    if (defaultName === undefined && sourceNames.length > 0) {
      issue(
        ctx,
        defaultKey,
        `no default source is set, and none is implied: there is no source named ${IMPLIED_DEFAULT_NAMES.map((n) => `"${n}"`).join(' or ')} and there are several. Defined sources: ${defined}.`,
        `add default = ${JSON.stringify(sourceNames[0])} (or another defined source) to [database].`,
      );
    }
  } else if (typeof rawDefault !== 'string' || rawDefault === '') {
    issue(
      ctx,
      defaultKey,
      `must be the name of a source, got ${describe(rawDefault)}.`,
      `set ${defaultWritten} to one of the defined sources${sourceNames.length > 0 ? ` (${defined})` : ''}.`,
    );
  } else {
    defaultName = rawDefault;
    if (sourceNames.length > 0 && !sourceNames.includes(defaultName)) {
      const groupNames = Object.keys(isTable(values.shards) ? values.shards : {});
      issue(
        ctx,
        defaultKey,
        `the default source "${defaultName}" is not defined. Defined sources: ${defined}${groupNames.length > 0 ? `; shard groups: ${groupNames.map((n) => JSON.stringify(n)).join(', ')}` : ''}.`,
        `set ${defaultWritten} to one of them, or add [database.sources.${keyOf([defaultName])}] with a path.`,
      );
    }
  }
  warnUnusedGroups(groups, defaultGroup, ctx);
  const system = validateSystem(values.system, picked.names.system ?? 'system', defaultName, sourceNames, ctx);

  const chatMapping = validateChatMapping(
    values.chatMapping,
    picked.names.chatMapping ?? 'chatMapping',
    sourceNames,
    defaultName,
    ctx,
  );

  // What a read naming an unconfigured source does.
  const rawUnknown = values.unknownDataSource ?? 'fallback';
  if (rawUnknown !== 'fallback' && rawUnknown !== 'refuse') {
    const written = picked.names.unknownDataSource ?? 'unknown-data-source';
    issue(
      ctx,
      keyOf(picked.paths.unknownDataSource ?? ['database', written]),
      `must be "fallback" or "refuse", got ${describe(rawUnknown)}.`,
      `set ${written} = "fallback" (read the default source, warn once) or "refuse" (fail with UNKNOWN_SOURCE).`,
    );
  }

  const crossSource = validateCrossSource(picked, ctx);
  const cache = validateCacheSource(picked, sources, sourceNames, defaultName, chatMapping, ctx);

  if (ctx.issues.length > 0 || defaultName === undefined || system === undefined) return undefined;
  return {
    default: defaultName,
    ...(defaultGroup === undefined ? {} : { defaultGroup }),
    // fromEntries defines own properties, so no name can reach a prototype.
    sources: Object.fromEntries(sources),
    ...(groups.size === 0 ? {} : { shards: Object.fromEntries(groups) }),
    system,
    chatMapping,
    unknownDataSource: rawUnknown as DatabaseConfig['unknownDataSource'],
    ...crossSource,
    ...(cache === undefined ? {} : { cache }),
  };
}

/** `cross-source-concurrency` and `cross-source-timeout`, each within its range, else its default. */
function validateCrossSource(
  picked: Picked,
  ctx: Context,
): Required<Pick<DatabaseConfig, keyof typeof CROSS_SOURCE_LIMITS>> {
  const out = { ...CROSS_SOURCE_DEFAULTS };
  for (const field of Object.keys(CROSS_SOURCE_LIMITS) as Array<keyof typeof CROSS_SOURCE_LIMITS>) {
    const value = picked.values[field];
    if (value === undefined) continue;
    const limit: SettingLimit = CROSS_SOURCE_LIMITS[field];
    const ok =
      typeof value === 'number' &&
      value >= limit.min &&
      value <= limit.max &&
      (!limit.integer || Number.isInteger(value)) &&
      (limit.unit !== 'seconds' || Math.round(value * 1000) >= 1);
    if (ok) {
      out[field] = value as never;
      continue;
    }
    const written = picked.names[field] ?? (ctx.spelling === 'code' ? field : fileKeyOf(field));
    const what = limit.integer ? `a whole number of ${limit.unit}` : `a number of ${limit.unit}`;
    issue(
      ctx,
      keyOf(picked.paths[field] ?? ['database', written]),
      `must be ${what} from ${rangeText(limit)}, got ${describe(value)}.`,
      `set ${written} to ${what} from ${rangeText(limit)}, e.g. ${written} = ${CROSS_SOURCE_DEFAULTS[field]} (the default).`,
    );
  }
  return out;
}

/** Chat id -> source name; a chat mapped to an undefined source is an error (strict or not). */
function validateChatMapping(
  rawMapping: unknown,
  mappingName: string,
  sourceNames: readonly string[],
  defaultName: string | undefined,
  ctx: Context,
): Record<string, string> {
  const chatMapping = new Map<string, string>();
  const defined = sourceNames.map((n) => JSON.stringify(n)).join(', ');
  if (rawMapping !== undefined && !isTable(rawMapping)) {
    issue(
      ctx,
      keyOf(['database', mappingName]),
      `must be a table of chat id = "source name" entries, got ${describe(rawMapping)}.`,
      `write [database.${mappingName}] followed by lines like -1001234567890 = "archive".`,
    );
  } else if (rawMapping !== undefined) {
    for (const [chat, target] of Object.entries(rawMapping)) {
      const key = keyOf(['database', mappingName, chat]);
      const chatOk = CHAT_ID.test(chat) && Number.isSafeInteger(Number(chat));
      if (!chatOk) issue(ctx, key, `"${chat}" is not a chat id: chat ids are whole numbers.`, chatIdFix(chat));
      if (typeof target !== 'string') {
        issue(
          ctx,
          key,
          `must be the name of a source, got ${describe(target)}.`,
          `map the chat to a source name as a string, e.g. ${chatOk ? chat : '-1001234567890'} = ${JSON.stringify(defaultName ?? sourceNames[0] ?? 'primary')}.`,
        );
      }
      if (!chatOk || typeof target !== 'string') continue;
      if (sourceNames.includes(target)) {
        chatMapping.set(chat, target);
      } else {
        // Always an error, also in code and with strict off: the chat's writes would land in the default source.
        const typo = closestName(target, sourceNames);
        issue(
          ctx,
          key,
          `chat ${chat} is mapped to source "${target}", which is not defined (defined sources: ${defined}); ` +
            `its writes would land in the default source${defaultName === undefined ? '' : ` "${defaultName}"`} instead.`,
          typo !== undefined
            ? `did you mean "${typo}"? Map the chat to a defined source, or add [database.sources.${keyOf([target])}].`
            : `map the chat to one of ${defined}, or add [database.sources.${keyOf([target])}].`,
        );
      }
    }
  }
  return Object.fromEntries(chatMapping);
}

/**
 * One source: its engine (from `type`, the default type when left out), the settings every source has, and
 * its engine's own part (a path, a URL and schema), each bad key reported once.
 */
function validateSource(entry: SourceEntry, ctx: Context, baseDir: string): SourceConfig | undefined {
  const before = ctx.issues.length;
  const engine = engineOfEntry(entry, ctx);
  const settings = validateSettings(entry, ctx);
  if (engine === undefined) return undefined;
  reportOtherEnginesKeys(entry, engine, ctx);
  reportPassword(entry, engine, ctx);
  const own = engine.validate(entry, ctx, baseDir);
  if (ctx.issues.length > before || own === undefined || settings === undefined) return undefined;
  return { type: engine.type, ...own, ...settings } as SourceConfig;
}

/** The settings every source has, with their defaults; undefined after an issue (one per bad key). */
function validateSettings(entry: SourceEntry, ctx: Context): SourceSettings | undefined {
  const { at, picked } = entry;
  const values = picked.values;
  const settings = Object.fromEntries(Object.keys(SETTING_RULES).map((field) => [field, values[field]]));
  const parsed = sourceSettingsSchema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const reported = new Set<string>();
  for (const zodIssue of parsed.error.issues) {
    const field = zodIssue.path[0] as keyof SourceSettings;
    if (reported.has(field) || !(field in SETTING_RULES)) continue;
    reported.add(field);
    const written = picked.names[field] ?? (ctx.spelling === 'code' ? field : fileKeyOf(field));
    const rule = SETTING_RULES[field];
    issue(
      ctx,
      keyOf(picked.paths[field] ?? [...at, field]),
      `must be ${rule.expect}, got ${describe(values[field])}.`,
      rule.fix(written),
    );
  }
  return undefined;
}

function chatIdFix(chat: string): string {
  const trimmed = chat.trim();
  if (/^[+-]?[0-9]+$/.test(trimmed)) {
    const canonical = BigInt(trimmed).toString();
    if (canonical === '0') return 'remove it: no chat has id 0.';
    if (!Number.isSafeInteger(Number(canonical))) {
      return 'use the real chat id: it is too large to be a Telegram chat id.';
    }
    return `write the chat id as ${canonical}.`;
  }
  return 'use the chat\'s integer id as the key, e.g. -1001234567890 = "archive".';
}
