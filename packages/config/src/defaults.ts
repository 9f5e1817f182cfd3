/**
 * The default values and the allowed range of every setting, held in code so the package works from
 * its own `dist`. `configs/00-defaults/00-config.toml` documents the same values and ranges; a test
 * keeps the two equal.
 */
import { z } from 'zod';

/** Source of the built-in configuration (no config file found). */
export const DEFAULT_SOURCE_NAME = 'primary';
/**
 * A configuration that leaves `default` out uses the first of these that is a defined source: "default"
 * (the bot's name, and the legacy single source's), then "primary"; else its only source, if it has one.
 */
export const IMPLIED_DEFAULT_NAMES: readonly string[] = ['default', DEFAULT_SOURCE_NAME];
/** Name of the one source of the bot's seed-date `[database] path = ...` dialect (as the legacy constructor's). */
export const LEGACY_SOURCE_NAME = 'default';
/** Path of the built-in source, relative to the working folder. */
export const DEFAULT_SOURCE_PATH = 'bot.db';
// The source types (SOURCE_TYPES, the default type, the bot's providers) follow from the engines' record,
// engines/registry.ts; each engine's own defaults are in its file (e.g. DEFAULT_POSTGRES_SCHEMA).

/** Source names refused because they are special property names of JavaScript objects. */
export const RESERVED_SOURCE_NAMES: readonly string[] = ['__proto__', 'constructor', 'prototype'];

export interface SettingLimit {
  min: number;
  max: number;
  integer: boolean;
  /** What the number counts, for messages. */
  unit: string;
}

/**
 * Allowed range of each numeric source setting. Checked at validation so a value never fails later at
 * open (a 1e12 s busy timeout), rounds to nothing (1e-9 s -> 0 ms), or disables a safeguard (a queue
 * of 1e12 calls is no backpressure at all).
 */
export const SETTING_LIMITS = {
  poolSize: { min: 1, max: 64, integer: true, unit: 'connections' },
  timeout: { min: 0.001, max: 3600, integer: false, unit: 'seconds' },
  maxQueued: { min: 1, max: 1_000_000, integer: true, unit: 'calls' },
  transactionTimeout: { min: 0.01, max: 86_400, integer: false, unit: 'seconds' },
  queryTimeout: { min: 0.01, max: 86_400, integer: false, unit: 'seconds' },
  maxMemoryMb: { min: 32, max: 65_536, integer: true, unit: 'MB' },
} as const satisfies Record<string, SettingLimit>;

export type LimitedSetting = keyof typeof SETTING_LIMITS;

/**
 * Cross-source reads (getUserChats, getAllGroupChats without a dataSource): how many sources one read
 * asks at once (each may have to start its worker, ~10-20 MB), and how long the whole read may take before
 * it answers with the sources that did (the others listed in `sources.skipped`).
 */
export const CROSS_SOURCE_LIMITS = {
  crossSourceConcurrency: { min: 1, max: 256, integer: true, unit: 'sources' },
  crossSourceTimeout: { min: 0.001, max: 3600, integer: false, unit: 'seconds' },
} as const satisfies Record<string, SettingLimit>;

export const CROSS_SOURCE_DEFAULTS = { crossSourceConcurrency: 8, crossSourceTimeout: 30 } as const;

/** "1 to 64", as written in messages and in the defaults file. */
export function rangeText(limit: SettingLimit): string {
  return `${limit.min} to ${limit.max}`;
}

function limited(limit: SettingLimit, fallback: number) {
  let schema = z.number().min(limit.min).max(limit.max);
  if (limit.integer) schema = schema.int();
  // Seconds become whole milliseconds downstream: refuse what would round to 0 ms.
  if (limit.unit === 'seconds') schema = schema.refine((s) => Math.round(s * 1000) >= 1);
  return schema.default(fallback);
}

/** A source's settings other than `path`, each with its default and range. */
export const sourceSettingsSchema = z.object({
  readonly: z.boolean().default(false),
  poolSize: limited(SETTING_LIMITS.poolSize, 5),
  timeout: limited(SETTING_LIMITS.timeout, 30),
  maxQueued: limited(SETTING_LIMITS.maxQueued, 10_000),
  /** Seconds a transaction may stay open before it is rolled back (TRANSACTION_TIMEOUT). */
  transactionTimeout: limited(SETTING_LIMITS.transactionTimeout, 60),
  /** Seconds one call may run before its worker is stopped and restarted (QUERY_TIMEOUT). */
  queryTimeout: limited(SETTING_LIMITS.queryTimeout, 30),
  /** Heap limit of the source's worker in MB: past it only that worker dies (SOURCE_CRASHED) and restarts. */
  maxMemoryMb: limited(SETTING_LIMITS.maxMemoryMb, 512),
  /** A file whose schema is newer than this library's: "refuse-writes" (reads only) or "allow-writes" (as the bot does). */
  onNewerSchema: z.enum(['refuse-writes', 'allow-writes']).default('refuse-writes'),
});

export type SourceSettings = z.output<typeof sourceSettingsSchema>;

export const SOURCE_DEFAULTS: Readonly<SourceSettings> = Object.freeze(sourceSettingsSchema.parse({}));

/** camelCase field -> the kebab-case key a config file uses. */
export function fileKeyOf(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The built-in configuration spelled as a config file (canonical kebab-case keys, every default written out). */
export function builtInConfigFile(): { database: Record<string, unknown> } {
  const settings = Object.fromEntries(Object.entries(SOURCE_DEFAULTS).map(([key, value]) => [fileKeyOf(key), value]));
  return {
    database: {
      default: DEFAULT_SOURCE_NAME,
      'unknown-data-source': 'fallback',
      'cross-source-concurrency': CROSS_SOURCE_DEFAULTS.crossSourceConcurrency,
      'cross-source-timeout': CROSS_SOURCE_DEFAULTS.crossSourceTimeout,
      sources: { [DEFAULT_SOURCE_NAME]: { path: DEFAULT_SOURCE_PATH, ...settings } },
      chatMapping: {},
    },
  };
}
