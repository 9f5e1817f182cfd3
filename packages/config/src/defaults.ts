/**
 * The default values, held in code so the package works from its own `dist`.
 * `configs/00-defaults/00-config.toml` documents the same values; a test keeps the two equal.
 */
import { z } from 'zod';

/** Source used when a configuration names no `default`, and the one source of the built-in configuration. */
export const DEFAULT_SOURCE_NAME = 'primary';
/** Path of the built-in source, relative to the working folder. */
export const DEFAULT_SOURCE_PATH = 'bot.db';
/** The only accepted value of the legacy `type` key. */
export const SOURCE_TYPE = 'sqlite';

/** A source's settings other than `path`, each with its default. */
export const sourceSettingsSchema = z.object({
  readonly: z.boolean().default(false),
  poolSize: z.int().positive().default(5),
  timeout: z.number().positive().default(30),
  maxQueued: z.int().positive().default(10_000),
  /** Seconds a transaction may stay open before it is rolled back (TRANSACTION_TIMEOUT). */
  transactionTimeout: z.number().positive().default(60),
  /** Seconds one call may run before its worker is stopped and restarted (QUERY_TIMEOUT). */
  queryTimeout: z.number().positive().default(30),
  /** Heap limit of the source's worker in MB: past it only that worker dies (SOURCE_CRASHED) and restarts. */
  maxMemoryMb: z.int().positive().default(512),
  /** A file whose schema is newer than this library's: "refuse-writes" (reads only) or "allow-writes" (as the bot does). */
  onNewerSchema: z.enum(['refuse-writes', 'allow-writes']).default('refuse-writes'),
});

export type SourceSettings = z.output<typeof sourceSettingsSchema>;

export const SOURCE_DEFAULTS: Readonly<SourceSettings> = Object.freeze(sourceSettingsSchema.parse({}));

/** The built-in configuration spelled as a config file (canonical kebab-case keys, every default written out). */
export function builtInConfigFile(): { database: Record<string, unknown> } {
  const settings = Object.fromEntries(
    Object.entries(SOURCE_DEFAULTS).map(([key, value]) => [key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value]),
  );
  return {
    database: {
      default: DEFAULT_SOURCE_NAME,
      'unknown-data-source': 'fallback',
      sources: { [DEFAULT_SOURCE_NAME]: { path: DEFAULT_SOURCE_PATH, ...settings } },
      chatMapping: {},
    },
  };
}
