/** Finding and reading the configuration file (cosmiconfig, plus a TOML loader). */
import path from 'node:path';
import { ConfigError, type ConfigIssue } from '@pkg/errors';
import { type CosmiconfigResult, cosmiconfig, defaultLoaders, type Loader } from 'cosmiconfig';
import { parse as parseToml } from 'smol-toml';
import { builtInConfigFile } from './defaults.js';
import { normalizeConfig } from './normalize.js';
import type { ConfigLogger, LoadedConfig } from './types.js';

export interface LoadConfigOptions {
  /** Load exactly this file (relative to `cwd`) instead of searching. Wins over BOTDB_CONFIG. */
  path?: string;
  /** Folder the search starts from, and the base of relative paths. Default: process.cwd(). */
  cwd?: string;
  /** Environment to read BOTDB_CONFIG from. Default: process.env. */
  env?: Record<string, string | undefined>;
  /**
   * Receives every warning as `"<key>: <message>"` (they are also returned in `warnings`).
   * Default: process.emitWarning with code BOTDB_CONFIG.
   */
  logger?: ConfigLogger;
  /**
   * Default true: a chat mapped to an undefined source, or an unknown key in the bot's dialects, is
   * CONFIG_INVALID instead of a warning. Keys the bot uses and botdb ignores stay warnings.
   */
  strict?: boolean;
}

const defaultLogger: ConfigLogger = {
  warn: (message) => process.emitWarning(message, { code: 'BOTDB_CONFIG' }),
};

const MODULE_NAME = 'botdb';
/** Environment variable naming the config file to load. */
export const CONFIG_ENV_VAR = 'BOTDB_CONFIG';

const EXTENSIONS = ['.toml', '.json', '.yaml', '.yml', '.js', '.cjs', '.mjs'];

/** Where the search looks, in each folder from `cwd` up to the nearest folder with a package.json. */
export const SEARCH_PLACES: readonly string[] = [
  ...EXTENSIONS.map((ext) => `${MODULE_NAME}.config${ext}`),
  `.${MODULE_NAME}rc`,
  ...EXTENSIONS.map((ext) => `.${MODULE_NAME}rc${ext}`),
  `.config/${MODULE_NAME}rc`,
  ...EXTENSIONS.map((ext) => `.config/${MODULE_NAME}rc${ext}`),
  'package.json',
];

const loadToml: Loader = (_filepath, content) => parseToml(content);

const LOADERS = {
  '.toml': loadToml,
  '.json': defaultLoaders['.json'],
  '.yaml': defaultLoaders['.yaml'],
  '.yml': defaultLoaders['.yml'],
  '.js': defaultLoaders['.js'],
  '.cjs': defaultLoaders['.cjs'],
  '.mjs': defaultLoaders['.mjs'],
  noExt: defaultLoaders.noExt,
} as const satisfies Record<string, Loader>;

/**
 * Find and load the configuration: `options.path`, else the file named by BOTDB_CONFIG, else the first
 * file the search finds, else the built-in defaults (one source "primary" at ./bot.db).
 * Throws ConfigError (code CONFIG_INVALID, origin = the file) listing every problem.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...SEARCH_PLACES],
    loaders: LOADERS,
    searchStrategy: 'project',
    cache: false,
  });

  const envPath = env[CONFIG_ENV_VAR];
  const explicit =
    options.path !== undefined && options.path !== ''
      ? { file: path.resolve(cwd, options.path), setting: 'options.path' }
      : envPath !== undefined && envPath !== ''
        ? { file: path.resolve(cwd, envPath), setting: CONFIG_ENV_VAR }
        : undefined;

  let result: CosmiconfigResult;
  if (explicit === undefined) {
    try {
      result = await explorer.search(cwd);
    } catch (error) {
      throw readError(error, undefined);
    }
    if (result === null) {
      const { config, warnings } = normalizeConfig(builtInConfigFile(), { baseDir: cwd, origin: 'built-in defaults' });
      return { config, filepath: null, warnings };
    }
  } else {
    const ext = path.extname(explicit.file);
    if (ext !== '' && !EXTENSIONS.includes(ext)) {
      throw fileError(
        explicit.file,
        explicit.setting,
        `cannot read "${ext}" files.`,
        `use a ${EXTENSIONS.join(', ')} or extension-less (YAML) file.`,
      );
    }
    try {
      result = await explorer.load(explicit.file);
    } catch (error) {
      throw readError(error, explicit);
    }
    if (result === null) {
      throw fileError(
        explicit.file,
        explicit.setting,
        `it has no "${MODULE_NAME}" key.`,
        `add a "${MODULE_NAME}" key holding the database configuration, or point ${explicit.setting} at a config file.`,
      );
    }
  }

  if (result.isEmpty) {
    throw fileError(
      result.filepath,
      '(file)',
      'the file is empty.',
      'add a [database] table with at least one [database.sources.<name>] that has a path.',
    );
  }
  const { config, warnings } = normalizeConfig(result.config, {
    baseDir: path.dirname(result.filepath),
    origin: result.filepath,
    strict: options.strict ?? true,
  });
  // Returned warnings are easy to drop (`const { config } = await loadConfig()`): log every one.
  const logger = options.logger ?? defaultLogger;
  for (const w of warnings) logger.warn(`${w.key}: ${w.message}`);
  return { config, filepath: result.filepath, warnings };
}

function fileError(file: string, key: string, message: string, fix: string): ConfigError {
  const issue: ConfigIssue = { key, message, fix: fix.charAt(0).toUpperCase() + fix.slice(1) };
  return new ConfigError([issue], file);
}

/** A file that could not be read or parsed, as a ConfigError. */
function readError(error: unknown, explicit: { file: string; setting: string } | undefined): ConfigError {
  const err = error as NodeJS.ErrnoException & { filepath?: string };
  const file = err.filepath ?? explicit?.file ?? '(unknown file)';
  let result: ConfigError;
  if (explicit !== undefined && err.code === 'ENOENT') {
    result = fileError(
      file,
      explicit.setting,
      'the file does not exist.',
      `create it, or point ${explicit.setting} at an existing config file.`,
    );
  } else if (explicit !== undefined && err.code === 'EISDIR') {
    result = fileError(
      file,
      explicit.setting,
      'it is a folder, not a file.',
      `point ${explicit.setting} at the config file itself, e.g. ${path.join(file, `${MODULE_NAME}.config.toml`)}.`,
    );
  } else {
    const reason = err instanceof Error ? err.message : String(err);
    result = fileError(file, '(file)', `cannot be read: ${reason}`, 'fix the file at the position shown.');
  }
  result.cause = error;
  return result;
}
