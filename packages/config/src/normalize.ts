/**
 * Validation and normalisation of the `[database]` table, for config files and for config passed in code.
 * Every problem is collected and thrown together as one ConfigError.
 */
import path from 'node:path';
import { ConfigError, type ConfigIssue } from '@pkg/errors';
import { DEFAULT_SOURCE_NAME, SOURCE_TYPE, type SourceSettings, sourceSettingsSchema } from './defaults.js';
import type { ConfigWarning, DatabaseConfig, DatabaseConfigInput, SourceConfig } from './types.js';

export interface NormalizeOptions {
  /** Folder relative source paths resolve against. Default: process.cwd(). */
  baseDir?: string;
  /** Where the configuration came from (a file path), named in the ConfigError. */
  origin?: string;
}

export interface NormalizeResult {
  config: DatabaseConfig;
  warnings: ConfigWarning[];
}

/** `file`: suggestions use the kebab-case file spelling; `code`: they use camelCase. */
type Dialect = 'file' | 'code';

interface Field {
  /** Name in the normalised output. */
  field: string;
  /** Accepted spellings; the first is the canonical file spelling. */
  names: readonly string[];
  /** Spelling suggested for config passed in code, when it differs from the file spelling. */
  codeName?: string;
}

const DATABASE_FIELDS: readonly Field[] = [
  { field: 'default', names: ['default', 'default_source'] },
  { field: 'sources', names: ['sources'] },
  { field: 'chatMapping', names: ['chatMapping', 'chat_mapping'] },
  { field: 'unknownDataSource', names: ['unknown-data-source', 'unknownDataSource'], codeName: 'unknownDataSource' },
];

const SOURCE_FIELDS: readonly Field[] = [
  { field: 'path', names: ['path'] },
  { field: 'readonly', names: ['readonly'] },
  { field: 'poolSize', names: ['pool-size', 'poolSize', 'max_connections'], codeName: 'poolSize' },
  { field: 'timeout', names: ['timeout'] },
  { field: 'maxQueued', names: ['max-queued', 'maxQueued'], codeName: 'maxQueued' },
  { field: 'transactionTimeout', names: ['transaction-timeout', 'transactionTimeout'], codeName: 'transactionTimeout' },
  { field: 'queryTimeout', names: ['query-timeout', 'queryTimeout'], codeName: 'queryTimeout' },
  { field: 'maxMemoryMb', names: ['max-memory-mb', 'maxMemoryMb'], codeName: 'maxMemoryMb' },
  { field: 'onNewerSchema', names: ['on-newer-schema', 'onNewerSchema'], codeName: 'onNewerSchema' },
  { field: 'type', names: ['type'] },
];

/** Keys whose presence at the top level marks the input as the `[database]` table itself. */
const DATABASE_TABLE_MARKERS = ['sources', 'default', 'default_source', 'chat_mapping', 'chatMapping'];

/** What each zod-checked source setting must be, for messages and fixes. */
const SETTING_RULES: Record<keyof SourceSettings, { expect: string; fix: (key: string) => string }> = {
  readonly: {
    expect: 'true or false',
    fix: (key) => `write ${key} = true or ${key} = false (a boolean, without quotes).`,
  },
  poolSize: {
    expect: 'a whole number of connections, at least 1',
    fix: (key) => `set ${key} to a whole number of at least 1, e.g. ${key} = 5 (the default).`,
  },
  timeout: {
    expect: 'a number of seconds greater than 0',
    fix: (key) => `set ${key} to a positive number of seconds, e.g. ${key} = 30.0 (the default).`,
  },
  maxQueued: {
    expect: 'a whole number of calls, at least 1',
    fix: (key) => `set ${key} to a whole number of at least 1, e.g. ${key} = 10000 (the default).`,
  },
  transactionTimeout: {
    expect: 'a number of seconds greater than 0',
    fix: (key) => `set ${key} to a positive number of seconds, e.g. ${key} = 60.0 (the default).`,
  },
  queryTimeout: {
    expect: 'a number of seconds greater than 0',
    fix: (key) => `set ${key} to a positive number of seconds, e.g. ${key} = 30.0 (the default).`,
  },
  maxMemoryMb: {
    expect: 'a whole number of megabytes, at least 1',
    fix: (key) => `set ${key} to a whole number of megabytes, e.g. ${key} = 512 (the default).`,
  },
  onNewerSchema: {
    expect: '"refuse-writes" or "allow-writes"',
    fix: (key) => `set ${key} = "refuse-writes" (the default: reads only) or "allow-writes" (write as the bot does).`,
  },
};

/** Chat ids: plain decimal integers, no sign other than '-', no leading zeros, not zero. */
const CHAT_ID = /^-?[1-9][0-9]*$/;

interface Context {
  issues: ConfigIssue[];
  warnings: ConfigWarning[];
  dialect: Dialect;
}

/**
 * Normalise the contents of a config file: either a whole file (an object with a `database` table)
 * or the `database` table itself. Throws ConfigError listing every problem.
 */
export function normalizeConfig(raw: unknown, options: NormalizeOptions = {}): NormalizeResult {
  const ctx: Context = { issues: [], warnings: [], dialect: 'file' };
  const table = databaseTable(raw, ctx);
  const config = table === undefined ? undefined : validateDatabase(table, ctx, baseDirOf(options));
  return finish(config, ctx, options.origin);
}

/** Validate and normalise a configuration passed in code (camelCase or kebab-case keys). Throws ConfigError. */
export function validateDatabaseConfig(input: DatabaseConfigInput, options: NormalizeOptions = {}): NormalizeResult {
  const ctx: Context = { issues: [], warnings: [], dialect: 'code' };
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

function validateDatabase(db: Record<string, unknown>, ctx: Context, baseDir: string): DatabaseConfig | undefined {
  const { values, keys } = pickFields(db, DATABASE_FIELDS, ['database'], ctx);

  // Sources, in configuration order.
  const sourcesKey = keyOf(['database', keys.sources ?? 'sources']);
  const sourceNames: string[] = [];
  const sources: Record<string, SourceConfig> = {};
  const rawSources = values.sources;
  if (rawSources !== undefined && !isTable(rawSources)) {
    issue(
      ctx,
      sourcesKey,
      `must be a table of sources, got ${describe(rawSources)}.`,
      'define each source as its own table, e.g. [database.sources.primary] with path = "bot.db".',
    );
  } else if (rawSources === undefined || Object.keys(rawSources).length === 0) {
    issue(
      ctx,
      sourcesKey,
      'no sources are defined.',
      'add at least one source, e.g. [database.sources.primary] with path = "bot.db".',
    );
  } else {
    for (const [name, rawSource] of Object.entries(rawSources)) {
      sourceNames.push(name);
      const source = validateSource(name, rawSource, ['database', keys.sources ?? 'sources', name], ctx, baseDir);
      if (source !== undefined) sources[name] = source;
    }
  }
  const defined = sourceNames.map((n) => JSON.stringify(n)).join(', ');

  // The default source.
  let defaultName: string | undefined;
  const defaultKey = keyOf(['database', keys.default ?? 'default']);
  const rawDefault = values.default;
  if (rawDefault === undefined) {
    defaultName = DEFAULT_SOURCE_NAME;
    if (sourceNames.length > 0 && !sourceNames.includes(defaultName)) {
      issue(
        ctx,
        defaultKey,
        `no default source is set, so it is "${DEFAULT_SOURCE_NAME}", which is not defined. Defined sources: ${defined}.`,
        `add default = ${JSON.stringify(sourceNames[0])} (or another defined source) to [database].`,
      );
    }
  } else if (typeof rawDefault !== 'string' || rawDefault === '') {
    issue(
      ctx,
      defaultKey,
      `must be the name of a source, got ${describe(rawDefault)}.`,
      `set ${keys.default ?? 'default'} to one of the defined sources${sourceNames.length > 0 ? ` (${defined})` : ''}.`,
    );
  } else {
    defaultName = rawDefault;
    if (sourceNames.length > 0 && !sourceNames.includes(defaultName)) {
      issue(
        ctx,
        defaultKey,
        `the default source "${defaultName}" is not defined. Defined sources: ${defined}.`,
        `set ${keys.default ?? 'default'} to one of them, or add [database.sources.${keyOf([defaultName])}] with a path.`,
      );
    }
  }

  // Chat mapping: chat id -> source name.
  const chatMapping: Record<string, string> = {};
  const mappingName = keys.chatMapping ?? 'chatMapping';
  const rawMapping = values.chatMapping;
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
          `map the chat to a source name as a string, e.g. ${chatOk ? chat : '-1001234567890'} = ${JSON.stringify(defaultName ?? DEFAULT_SOURCE_NAME)}.`,
        );
      }
      if (!chatOk || typeof target !== 'string') continue;
      if (sourceNames.includes(target)) {
        chatMapping[chat] = target;
      } else {
        ctx.warnings.push({
          key,
          message:
            `chat ${chat} is mapped to source "${target}", which is not defined (defined sources: ${defined}); ` +
            `the mapping is ignored and the chat uses the default source "${defaultName}". ` +
            `Fix: map it to a defined source, or add [database.sources.${keyOf([target])}].`,
        });
      }
    }
  }

  // What a read naming an unconfigured source does.
  const rawUnknown = values.unknownDataSource ?? 'fallback';
  if (rawUnknown !== 'fallback' && rawUnknown !== 'refuse') {
    const written = keys.unknownDataSource ?? 'unknown-data-source';
    issue(
      ctx,
      keyOf(['database', written]),
      `must be "fallback" or "refuse", got ${describe(rawUnknown)}.`,
      `set ${written} = "fallback" (read the default source, warn once) or "refuse" (fail with UNKNOWN_SOURCE).`,
    );
  }

  if (ctx.issues.length > 0 || defaultName === undefined) return undefined;
  return {
    default: defaultName,
    sources,
    chatMapping,
    unknownDataSource: rawUnknown as DatabaseConfig['unknownDataSource'],
  };
}

function validateSource(
  name: string,
  raw: unknown,
  at: readonly string[],
  ctx: Context,
  baseDir: string,
): SourceConfig | undefined {
  const sourceKey = keyOf(at);
  const exampleFile = `${/^[A-Za-z0-9_-]+$/.test(name) ? name : 'data'}.db`;
  if (!isTable(raw)) {
    issue(
      ctx,
      sourceKey,
      `must be a table with at least a path, got ${describe(raw)}.`,
      `write [${sourceKey}] followed by path = "${exampleFile}".`,
    );
    return undefined;
  }
  const before = ctx.issues.length;
  const { values, keys } = pickFields(raw, SOURCE_FIELDS, at, ctx);

  if (values.type !== undefined && values.type !== SOURCE_TYPE) {
    issue(
      ctx,
      keyOf([...at, 'type']),
      `unsupported source type ${describe(values.type)}: the only allowed type is "${SOURCE_TYPE}".`,
      `remove type, or set type = "${SOURCE_TYPE}".`,
    );
  }

  let resolved: string | undefined;
  const pathKey = keyOf([...at, 'path']);
  const rawPath = values.path;
  if (rawPath === undefined) {
    issue(ctx, pathKey, `source "${name}" has no path.`, `add path = "${exampleFile}" under [${sourceKey}].`);
  } else if (typeof rawPath !== 'string' || rawPath.trim() === '') {
    issue(
      ctx,
      pathKey,
      `must be the path of the SQLite file, got ${describe(rawPath)}.`,
      `set path = "${exampleFile}" (relative paths resolve against the config file's folder).`,
    );
  } else if (rawPath === ':memory:') {
    // One private in-memory database per source (its worker opens a single connection); it
    // vanishes when the worker stops or restarts. As the bot's own tests use it.
    resolved = rawPath;
  } else if (/^file:/i.test(rawPath)) {
    issue(
      ctx,
      pathKey,
      `SQLite URI filenames (${JSON.stringify(rawPath)}) are not supported.`,
      `point path at a file, e.g. path = "${exampleFile}", or use ":memory:" for throwaway data.`,
    );
  } else {
    resolved = path.resolve(baseDir, rawPath);
  }

  const parsed = sourceSettingsSchema.safeParse({
    readonly: values.readonly,
    poolSize: values.poolSize,
    timeout: values.timeout,
    maxQueued: values.maxQueued,
    transactionTimeout: values.transactionTimeout,
    queryTimeout: values.queryTimeout,
    maxMemoryMb: values.maxMemoryMb,
    onNewerSchema: values.onNewerSchema,
  });
  if (!parsed.success) {
    const reported = new Set<string>();
    for (const zodIssue of parsed.error.issues) {
      const field = zodIssue.path[0] as keyof SourceSettings;
      if (reported.has(field) || !(field in SETTING_RULES)) continue;
      reported.add(field);
      const written = keys[field] ?? field;
      const rule = SETTING_RULES[field];
      issue(ctx, keyOf([...at, written]), `must be ${rule.expect}, got ${describe(values[field])}.`, rule.fix(written));
    }
  }

  if (ctx.issues.length > before || resolved === undefined || !parsed.success) return undefined;
  return { path: resolved, ...parsed.data };
}

/**
 * Read the known fields of a table, accepting every spelling of each. Reports unknown keys (with the
 * closest known key) and fields given under two spellings. `keys` holds the spelling each field used.
 */
function pickFields(
  table: Record<string, unknown>,
  fields: readonly Field[],
  at: readonly string[],
  ctx: Context,
): { values: Record<string, unknown>; keys: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(table)) {
    const field = fields.find((f) => f.names.includes(key));
    if (field === undefined) {
      issue(ctx, keyOf([...at, key]), `unknown key "${key}".`, unknownKeyFix(key, value, fields, at, ctx.dialect));
      continue;
    }
    const earlier = keys[field.field];
    if (earlier !== undefined) {
      issue(
        ctx,
        keyOf([...at, key]),
        `"${key}" and "${earlier}" set the same thing.`,
        `keep only ${JSON.stringify(suggestedName(field, ctx.dialect))}.`,
      );
      continue;
    }
    keys[field.field] = key;
    values[field.field] = value;
  }
  return { values, keys };
}

function suggestedName(field: Field, dialect: Dialect): string {
  return dialect === 'code' && field.codeName !== undefined ? field.codeName : (field.names[0] as string);
}

function unknownKeyFix(
  key: string,
  value: unknown,
  fields: readonly Field[],
  at: readonly string[],
  dialect: Dialect,
): string {
  const known = fields.map((f) => suggestedName(f, dialect));
  const match = closestName(
    key,
    fields.flatMap((f) => f.names),
  );
  if (match !== undefined) {
    const field = fields.find((f) => f.names.includes(match)) as Field;
    return `did you mean "${suggestedName(field, dialect)}"? Known keys here: ${known.join(', ')}.`;
  }
  // `[database.archive]` with a path: a source written outside `sources`.
  if (at.length === 1 && isTable(value) && Object.hasOwn(value, 'path')) {
    return `to define a source, write it under sources: [database.sources.${keyOf([key])}]. Known keys here: ${known.join(', ')}.`;
  }
  return `remove it. Known keys here: ${known.join(', ')}.`;
}

/** The candidate a key is most likely a typo of, if any is close enough. */
function closestName(key: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const k = squash(key);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = levenshtein(k, squash(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(k.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
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

function issue(ctx: Context, key: string, message: string, fix: string): void {
  ctx.issues.push({ key, message, fix: fix.charAt(0).toUpperCase() + fix.slice(1) });
}

/** A dotted key path; segments that are not bare TOML keys are quoted, e.g. `database.chatMapping."1.5"`. */
function keyOf(segments: readonly string[]): string {
  return segments.map((s) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s))).join('.');
}

function isTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  return `a ${typeof value}`;
}
