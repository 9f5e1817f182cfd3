/**
 * The source engines the configuration knows, by `type`: the one place that lists them. Adding an engine is
 * its file in this folder and one line in CONFIG_ENGINES; the source types, their keys, the normalised
 * `SourceConfig` union and what a caller may pass in code all follow from this record.
 */
import type { ConfigEngine, EngineSourceConfig } from '../engine.js';
import { mysqlConfig } from './mysql.js';
import { postgresConfig } from './postgresql.js';
import { redisConfig } from './redis.js';
import { sqliteConfig } from './sqlite.js';

export const CONFIG_ENGINES = {
  sqlite: sqliteConfig,
  postgresql: postgresConfig,
  mysql: mysqlConfig,
  redis: redisConfig,
} as const;

/** A source's `type`: an engine's name. */
export type SourceType = keyof typeof CONFIG_ENGINES;

/** The type of a source that leaves `type` out (the bot's own files are SQLite). */
export const DEFAULT_SOURCE_TYPE = 'sqlite' satisfies SourceType as SourceType;

/** The source types, the default first. */
export const SOURCE_TYPES = Object.keys(CONFIG_ENGINES) as readonly SourceType[];

type ConfigOf<E> = E extends ConfigEngine<infer Config, unknown> ? Config : never;
type InputOf<E> = E extends ConfigEngine<EngineSourceConfig, infer Input> ? Input : never;

type AnyConfig = ConfigOf<(typeof CONFIG_ENGINES)[SourceType]>;
type KeysOfUnion<U> = U extends unknown ? keyof U : never;
/** An engine's config, with every other engine's field present as `undefined` (so `source.path` reads on any source). */
type Exclusive<C> = C & { [K in Exclude<KeysOfUnion<AnyConfig>, keyof C>]?: undefined };

/** A normalised source, told apart by `type` (always present, also where the file left it out). */
export type SourceConfig = { [T in SourceType]: Exclusive<ConfigOf<(typeof CONFIG_ENGINES)[T]>> }[SourceType];

/** What a caller may pass in code for one source: defaults may be left out, kebab-case or camelCase keys. */
export type SourceConfigInput = { [T in SourceType]: InputOf<(typeof CONFIG_ENGINES)[T]> }[SourceType];

/** Every engine, as the validation code reads them (each its own config type). */
export const ENGINE_LIST = SOURCE_TYPES.map((type) => CONFIG_ENGINES[type]) as readonly ConfigEngine<SourceConfig>[];

/** The engine of a normalised source. */
export function configEngineOf<C extends SourceConfig>(source: C): ConfigEngine<C> {
  return CONFIG_ENGINES[source.type] as unknown as ConfigEngine<C>;
}

/** The engine a type names, or undefined for a type no engine has. */
export function configEngineNamed(type: unknown): ConfigEngine<SourceConfig> | undefined {
  return typeof type === 'string' && Object.hasOwn(CONFIG_ENGINES, type)
    ? (CONFIG_ENGINES[type as SourceType] as unknown as ConfigEngine<SourceConfig>)
    : undefined;
}

/** The accepted `provider` values of the bot's `[database.providers.<name>]` dialect, and the type each means. */
export const BOT_PROVIDERS: Readonly<Record<string, SourceType>> = Object.fromEntries(
  SOURCE_TYPES.flatMap((type) => CONFIG_ENGINES[type].providers.map((provider) => [provider, type])),
);

/** The bot's own provider (the default type's), suggested in fixes. */
export const BOT_PROVIDER = CONFIG_ENGINES[DEFAULT_SOURCE_TYPE].providers[0] as string;
