/**
 * The keys each table of each dialect accepts, and reading a table against them: every spelling of a
 * field, unknown keys (fatal in our dialect, warned in the bot's), keys the bot uses that botdb ignores.
 */
import { type Context, issue, warn } from './context.js';
import { CONFIG_ENGINES, DEFAULT_SOURCE_TYPE, ENGINE_LIST } from './engines/registry.js';
import { closestName, keyOf } from './text.js';

export interface Field {
  /** Name in the normalised output. */
  field: string;
  /** Accepted spellings; the first is the canonical file spelling. */
  names: readonly string[];
  /** Spelling suggested for config passed in code, when it differs from the file spelling. */
  codeName?: string;
  /** Read only to be refused with a precise message: never listed or suggested as a known key. */
  refused?: boolean;
}

export interface TableRules {
  fields: readonly Field[];
  /** Unknown keys: `error` in our canonical dialect; `warn` in the bot's dialects (an error under strict). */
  unknown: 'error' | 'warn';
  /** Keys the bot uses and botdb does not, with what botdb does instead: always a warning, never an error. */
  ignored?: Readonly<Record<string, string>>;
}

/** Values read from a table (and its nested tables), by output field. */
export interface Picked {
  values: Record<string, unknown>;
  /** The spelling each field was written with. */
  names: Record<string, string>;
  /** The full key path each field was written at. */
  paths: Record<string, readonly string[]>;
}

export function emptyPicked(): Picked {
  return { values: Object.create(null), names: Object.create(null), paths: Object.create(null) };
}

const SETTING_FIELDS: readonly Field[] = [
  { field: 'poolSize', names: ['pool-size', 'poolSize', 'max_connections'], codeName: 'poolSize' },
  { field: 'maxQueued', names: ['max-queued', 'maxQueued'], codeName: 'maxQueued' },
  { field: 'transactionTimeout', names: ['transaction-timeout', 'transactionTimeout'], codeName: 'transactionTimeout' },
  { field: 'queryTimeout', names: ['query-timeout', 'queryTimeout'], codeName: 'queryTimeout' },
  { field: 'maxMemoryMb', names: ['max-memory-mb', 'maxMemoryMb'], codeName: 'maxMemoryMb' },
  { field: 'onNewerSchema', names: ['on-newer-schema', 'onNewerSchema'], codeName: 'onNewerSchema' },
];

const TYPE: Field = { field: 'type', names: ['type'] };
/** Never a password in a file, whatever the engine: known only to be refused with a clear fix. */
const PASSWORD: Field = { field: 'password', names: ['password'], refused: true };

/** Fields of every engine in `which` table, in the registry's order, each field once. */
function engineFields(which: 'sourceFields' | 'providerFields' | 'parameterFields', engines = ENGINE_LIST): Field[] {
  const out: Field[] = [];
  for (const engine of engines) {
    for (const f of engine[which]) if (!out.some((o) => o.field === f.field)) out.push(f);
  }
  return out;
}

/** The default type's own fields (the file: `path`), listed first: a source without `type` is of that type. */
const DEFAULT_TYPE_FIELDS = CONFIG_ENGINES[DEFAULT_SOURCE_TYPE].sourceFields;
/** Every other engine's source fields, after `type`. */
const OTHER_ENGINE_FIELDS = engineFields('sourceFields').filter((f) => !DEFAULT_TYPE_FIELDS.includes(f));

const READONLY: Field = { field: 'readonly', names: ['readonly'] };
const TIMEOUT: Field = { field: 'timeout', names: ['timeout'] };
const UNKNOWN_DATA_SOURCE: Field = {
  field: 'unknownDataSource',
  names: ['unknown-data-source', 'unknownDataSource'],
  codeName: 'unknownDataSource',
};
const CROSS_SOURCE: readonly Field[] = [
  {
    field: 'crossSourceConcurrency',
    names: ['cross-source-concurrency', 'crossSourceConcurrency'],
    codeName: 'crossSourceConcurrency',
  },
  {
    field: 'crossSourceTimeout',
    names: ['cross-source-timeout', 'crossSourceTimeout'],
    codeName: 'crossSourceTimeout',
  },
];
const DEFAULT: Field = { field: 'default', names: ['default', 'default_source'] };
const CHAT_MAPPING: Field = { field: 'chatMapping', names: ['chatMapping', 'chat_mapping'] };
/** The source of the cache operations (cache-source.ts). */
const CACHE: Field = { field: 'cache', names: ['cache'] };
/** Shard groups and the system source (see shards.ts); `defaultGroup` is the normalised form, accepted back. */
const SHARDING: readonly Field[] = [
  { field: 'shards', names: ['shards'] },
  { field: 'system', names: ['system'] },
  { field: 'defaultGroup', names: ['defaultGroup'], refused: true },
];

/** A source of the default type's keys, in the order they are listed to the user. */
const DEFAULT_TYPE_SOURCE: readonly Field[] = [
  ...DEFAULT_TYPE_FIELDS,
  READONLY,
  SETTING_FIELDS[0] as Field,
  TIMEOUT,
  ...SETTING_FIELDS.slice(1),
];

/** Our dialect (and the design document's): `[database]` with `sources`. */
export const DATABASE_RULES: TableRules = {
  fields: [
    DEFAULT,
    { field: 'sources', names: ['sources'] },
    CHAT_MAPPING,
    CACHE,
    UNKNOWN_DATA_SOURCE,
    ...CROSS_SOURCE,
    ...SHARDING,
  ],
  unknown: 'error',
};

/** `[database.shards.<name>]`: the group's sources, and while a rebalance is pending its membership before. */
export const SHARD_GROUP_RULES: TableRules = {
  fields: [
    { field: 'sources', names: ['sources'] },
    { field: 'previous', names: ['previous'] },
  ],
  unknown: 'error',
};

/** `[database.sources.<name>]`. `options` is the design document's nested table (see OPTIONS_RULES). */
export const SOURCE_RULES: TableRules = {
  fields: [...DEFAULT_TYPE_SOURCE, TYPE, ...OTHER_ENGINE_FIELDS, PASSWORD, { field: 'options', names: ['options'] }],
  unknown: 'error',
};

/** The design document's `options = { timeout, maxConnections }` on a source. */
export const OPTIONS_RULES: TableRules = {
  fields: [TIMEOUT, { field: 'poolSize', names: ['maxConnections'] }],
  unknown: 'warn',
};

/** The seed-date bot: `[database]` is the one source (`path`, `max_connections`, `timeout`), of the default type. */
export const SINGLE_RULES: TableRules = {
  fields: [...DEFAULT_TYPE_SOURCE, UNKNOWN_DATA_SOURCE, ...CROSS_SOURCE],
  unknown: 'warn',
};

/** The later bot: `[database]` with `default`, `providers`, `chatMapping`. */
export const PROVIDERS_DATABASE_RULES: TableRules = {
  fields: [
    DEFAULT,
    { field: 'providers', names: ['providers'] },
    CHAT_MAPPING,
    CACHE,
    UNKNOWN_DATA_SOURCE,
    ...CROSS_SOURCE,
  ],
  unknown: 'warn',
};

const PROXY_IGNORED = 'botdb connects directly and uses no proxy';

/**
 * `[database.providers.<name>]`: `provider`, `parameters`, and botdb's own settings (the bot reads only
 * `provider` and `parameters`, so they can sit next to them in a file both read).
 */
export const PROVIDER_RULES: TableRules = {
  fields: [
    { field: 'provider', names: ['provider'] },
    { field: 'parameters', names: ['parameters'] },
    ...SETTING_FIELDS,
    ...engineFields('providerFields'),
  ],
  unknown: 'warn',
  ignored: { 'use-proxy': PROXY_IGNORED, proxy: PROXY_IGNORED },
};

/**
 * `[database.providers.<name>.parameters]`: each provider's arguments (the bot's SQLite3Provider's dbPath,
 * its PostgreSQLProvider's host, port, user, database; a password is refused).
 */
export const PARAMETERS_RULES: TableRules = {
  fields: [
    ...CONFIG_ENGINES[DEFAULT_SOURCE_TYPE].parameterFields,
    { field: 'readonly', names: ['readOnly'] },
    TIMEOUT,
    ...engineFields('parameterFields').filter((f) => !CONFIG_ENGINES[DEFAULT_SOURCE_TYPE].parameterFields.includes(f)),
    PASSWORD,
  ],
  unknown: 'warn',
  ignored: {
    useWal: 'botdb always uses WAL journal mode',
    enableForeignKeys: 'botdb sets foreign keys itself',
    keepConnection: "each source's worker opens its connections itself and keeps them open",
    vectorExtensionPath: 'botdb loads no SQLite extensions',
    'use-proxy': PROXY_IGNORED,
    proxy: PROXY_IGNORED,
  },
};

/**
 * Read the known fields of a table into `into`, accepting every spelling of each. Reports unknown keys
 * (with the closest known key), ignored keys, and fields given twice (also across nested tables).
 */
export function pickFields(
  table: Record<string, unknown>,
  rules: TableRules,
  at: readonly string[],
  ctx: Context,
  into: Picked = emptyPicked(),
): Picked {
  for (const [key, value] of Object.entries(table)) {
    const keyPath = [...at, key];
    const field = rules.fields.find((f) => f.names.includes(key));
    if (field === undefined) {
      const why =
        rules.ignored === undefined ? undefined : Object.hasOwn(rules.ignored, key) ? rules.ignored[key] : undefined;
      if (why !== undefined) {
        warn(
          ctx,
          keyOf(keyPath),
          `"${key}" is a setting of the bot that botdb ignores: ${why}.`,
          'nothing to do if the bot reads this file too; otherwise remove it.',
          false,
        );
      } else if (rules.unknown === 'warn') {
        warn(ctx, keyOf(keyPath), `unknown key "${key}" is ignored.`, unknownKeyFix(key, value, rules, at, ctx), true);
      } else {
        issue(ctx, keyOf(keyPath), `unknown key "${key}".`, unknownKeyFix(key, value, rules, at, ctx));
      }
      continue;
    }
    const earlier = into.paths[field.field];
    if (earlier !== undefined) {
      const sameTable = keyOf(earlier.slice(0, -1)) === keyOf(at);
      issue(
        ctx,
        keyOf(keyPath),
        `"${key}" and "${sameTable ? earlier[earlier.length - 1] : keyOf(earlier)}" set the same thing.`,
        sameTable ? `keep only ${JSON.stringify(suggestedName(field, ctx))}.` : 'keep only one of them.',
      );
      continue;
    }
    into.names[field.field] = key;
    into.paths[field.field] = keyPath;
    into.values[field.field] = value;
  }
  return into;
}

export function suggestedName(field: Field, ctx: Context): string {
  return ctx.spelling === 'code' && field.codeName !== undefined ? field.codeName : (field.names[0] as string);
}

function unknownKeyFix(key: string, value: unknown, rules: TableRules, at: readonly string[], ctx: Context): string {
  const listed = rules.fields.filter((f) => f.refused !== true);
  const known = listed.map((f) => suggestedName(f, ctx));
  const match = closestName(key, [...listed.flatMap((f) => f.names), ...Object.keys(rules.ignored ?? {})]);
  if (match !== undefined) {
    const field = rules.fields.find((f) => f.names.includes(match));
    return `did you mean "${field === undefined ? match : suggestedName(field, ctx)}"? Known keys here: ${known.join(', ')}.`;
  }
  // `[database.archive]` with a path: a source written outside `sources`.
  if (at.length === 1 && value !== null && typeof value === 'object' && Object.hasOwn(value, 'path')) {
    return `to define a source, write it under sources: [database.sources.${keyOf([key])}]. Known keys here: ${known.join(', ')}.`;
  }
  return `remove it. Known keys here: ${known.join(', ')}.`;
}
