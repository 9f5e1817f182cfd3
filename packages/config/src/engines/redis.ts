/**
 * A Redis source's own keys: where the server is (`url`, or `sentinels` and `master-name`), where its
 * password comes from (an environment variable, never the file), the prefix of its keys, how long an entry
 * lives in Redis (`max-age`), and what a read does while Redis cannot be reached (`on-unavailable`).
 * A Redis source serves only the bot's cache operations (`CACHE_OPERATIONS`): normalize refuses it as the
 * default source or a chat's source.
 */
import { type Context, issue } from '../context.js';
import type { ConfigEngine, EngineFields, SameStore } from '../engine.js';
import type { Field } from '../fields.js';
import type { SourceEntry } from '../sources.js';
import { describe, keyOf } from '../text.js';
import type { CommonSourceConfig, CommonSourceConfigInput } from '../types.js';

/** The operations a Redis source serves: the bot's caches. */
export const CACHE_OPERATIONS = [
  'getCacheEntry',
  'setCacheEntry',
  'clearCache',
  'getCacheStorage',
  'setCacheStorage',
  'unsetCacheStorage',
] as const;

export interface RedisSourceConfig extends CommonSourceConfig {
  type: 'redis';
  /** redis://host:port/db (or rediss://), never with a password. With sentinels: the database (and user). */
  url: string;
  /** Environment variable holding the password, read by the worker; null: no password. */
  passwordEnv: string | null;
  /** Every key starts with it. Default "botdb:". */
  keyPrefix: string;
  /** Seconds an entry lives in Redis after its last write. Default 30 days. */
  maxAge: number;
  /** Redis unreachable: reads are misses ("miss", the default) or fail SOURCE_UNAVAILABLE ("error"). */
  onUnavailable: 'miss' | 'error';
  /** Sentinels, "host:port" each; null without. */
  sentinels: string[] | null;
  /** The master the sentinels watch; null without sentinels. */
  masterName: string | null;
}

export interface RedisSourceConfigInput extends CommonSourceConfigInput {
  type: 'redis';
  url?: string;
  passwordEnv?: string | null;
  'password-env'?: string | null;
  keyPrefix?: string;
  'key-prefix'?: string;
  maxAge?: number;
  'max-age'?: number;
  onUnavailable?: 'miss' | 'error';
  'on-unavailable'?: 'miss' | 'error';
  sentinels?: string[] | null;
  masterName?: string | null;
  'master-name'?: string | null;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'botdb:';
/** 30 days, in seconds. */
export const DEFAULT_REDIS_MAX_AGE = 30 * 24 * 3600;
const EXAMPLE_URL = 'redis://127.0.0.1:6379/0';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_PORT = /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

function validate(entry: SourceEntry, ctx: Context): EngineFields<RedisSourceConfig> | undefined {
  const { picked, at, name } = entry;
  // null is "left out" (a normalised configuration passed back in code holds null for them).
  const values = Object.fromEntries(Object.entries(picked.values).filter(([, v]) => v !== null));
  const written = (field: string, fallback: string): string =>
    picked.names[field] ?? (ctx.spelling === 'code' ? field : fallback);
  const KEBAB: Record<string, string> = {
    masterName: 'master-name',
    passwordEnv: 'password-env',
    keyPrefix: 'key-prefix',
    maxAge: 'max-age',
    onUnavailable: 'on-unavailable',
  };
  const keyPath = (field: string): string =>
    keyOf(picked.paths[field] ?? [...at, written(field, KEBAB[field] ?? field)]);
  const before = ctx.issues.length;

  const sentinels = readSentinels(values.sentinels, keyPath('sentinels'), ctx);
  let masterName: string | null = null;
  if (values.masterName !== undefined) {
    if (typeof values.masterName !== 'string' || values.masterName === '') {
      issue(
        ctx,
        keyPath('masterName'),
        `must be the master's name, got ${describe(values.masterName)}.`,
        `set ${written('masterName', 'master-name')} = "mymaster" (the name in the sentinels' sentinel monitor line).`,
      );
    } else masterName = values.masterName;
  }
  if (sentinels !== null && masterName === null && values.masterName === undefined) {
    issue(
      ctx,
      keyPath('masterName'),
      `Redis source "${name}" lists sentinels but no master-name.`,
      `add ${written('masterName', 'master-name')} = "mymaster" (the name the sentinels monitor).`,
    );
  }
  if (sentinels === null && values.masterName !== undefined && values.sentinels === undefined) {
    issue(
      ctx,
      keyPath('masterName'),
      'is set without sentinels.',
      `add sentinels = ["127.0.0.1:26379"], or remove ${written('masterName', 'master-name')}.`,
    );
  }

  const url = checkUrl(values.url ?? (sentinels === null ? undefined : 'redis:///0'), keyPath('url'), name, ctx);

  let passwordEnv: string | null = null;
  const rawEnv = values.passwordEnv;
  if (rawEnv !== undefined && rawEnv !== null) {
    if (typeof rawEnv !== 'string' || !ENV_NAME.test(rawEnv)) {
      issue(
        ctx,
        keyPath('passwordEnv'),
        `must be the name of an environment variable (letters, digits and underscores, not starting with a digit), got ${describe(rawEnv)}.`,
        `set ${written('passwordEnv', 'password-env')} = "BOTDB_REDIS_PASSWORD" and set that variable where the bot runs; leave it out when the server has no password.`,
      );
    } else passwordEnv = rawEnv;
  }

  let keyPrefix = DEFAULT_REDIS_KEY_PREFIX;
  if (values.keyPrefix !== undefined) {
    if (typeof values.keyPrefix !== 'string' || /[\s{}]/.test(values.keyPrefix)) {
      issue(
        ctx,
        keyPath('keyPrefix'),
        `must be text without spaces or braces, got ${describe(values.keyPrefix)}.`,
        `set ${written('keyPrefix', 'key-prefix')} = "${DEFAULT_REDIS_KEY_PREFIX}" (the default) or e.g. "bot1:".`,
      );
    } else keyPrefix = values.keyPrefix;
  }

  let maxAge = DEFAULT_REDIS_MAX_AGE;
  if (values.maxAge !== undefined) {
    const v = values.maxAge;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10 * 365 * 24 * 3600) {
      issue(
        ctx,
        keyPath('maxAge'),
        `must be a whole number of seconds from 1 to 315360000 (10 years), got ${describe(v)}.`,
        `set ${written('maxAge', 'max-age')} = ${DEFAULT_REDIS_MAX_AGE} (30 days, the default).`,
      );
    } else maxAge = v;
  }

  let onUnavailable: RedisSourceConfig['onUnavailable'] = 'miss';
  if (values.onUnavailable !== undefined) {
    if (values.onUnavailable !== 'miss' && values.onUnavailable !== 'error') {
      issue(
        ctx,
        keyPath('onUnavailable'),
        `must be "miss" or "error", got ${describe(values.onUnavailable)}.`,
        `set ${written('onUnavailable', 'on-unavailable')} = "miss" (reads answer a cache miss while Redis is down, the default) or "error" (they fail SOURCE_UNAVAILABLE).`,
      );
    } else onUnavailable = values.onUnavailable;
  }

  if (ctx.issues.length > before || url === undefined) return undefined;
  return { url, passwordEnv, keyPrefix, maxAge, onUnavailable, sentinels, masterName };
}

function readSentinels(raw: unknown, key: string, ctx: Context): string[] | null {
  if (raw === undefined) return null;
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((s) => typeof s === 'string' && HOST_PORT.test(s))) {
    issue(
      ctx,
      key,
      `must be a list of "host:port" texts, got ${describe(raw)}.`,
      'set sentinels = ["10.0.0.1:26379", "10.0.0.2:26379"] and master-name.',
    );
    return null;
  }
  return raw as string[];
}

/** A redis:// or rediss:// URL without a password; undefined after an issue. */
function checkUrl(raw: unknown, key: string, name: string, ctx: Context): string | undefined {
  if (raw === undefined) {
    issue(
      ctx,
      key,
      `Redis source "${name}" has no url.`,
      `add url = "${EXAMPLE_URL}" (no password in it: name an environment variable with password-env), or sentinels and master-name.`,
    );
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    issue(ctx, key, 'is not a valid URL.', `write it as redis://host:port/db, e.g. url = "${EXAMPLE_URL}".`);
    return undefined;
  }
  if (typeof raw !== 'string' || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) {
    issue(
      ctx,
      key,
      `must start with redis:// or rediss://, got ${describe(raw)}.`,
      `write it as redis://host:port/db, e.g. url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  }
  if (url.password !== '' || url.search !== '') {
    url.password = '';
    url.search = '';
    issue(
      ctx,
      key,
      'the URL holds a password or parameters: never a password in the file.',
      `write the URL as ${url.toString()} and name an environment variable holding the password with password-env = "BOTDB_REDIS_PASSWORD".`,
    );
    return undefined;
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    issue(
      ctx,
      key,
      `the database must be a number (redis://host:port/0), got "${db}".`,
      `write url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  }
  return raw;
}

/** Two Redis sources on one server and database with one prefix would clear each other's caches. */
function identity(source: RedisSourceConfig): string {
  const where =
    source.sentinels === null
      ? (() => {
          const u = new URL(source.url);
          return `${u.hostname.toLowerCase()}:${u.port || '6379'}`;
        })()
      : `sentinel:${source.masterName}`;
  const db = new URL(source.url).pathname.replace(/^\//, '') || '0';
  return `redis:${where}/${db}/${source.keyPrefix}`;
}

function sameStore({ first, entry }: SameStore<RedisSourceConfig>, ctx: Context): void {
  issue(
    ctx,
    keyOf(entry.picked.paths.keyPrefix ?? [...entry.at, 'key-prefix']),
    `sources "${first}" and "${entry.name}" are one Redis database with one key prefix: each would clear and expire the other's entries.`,
    `give "${entry.name}" another key-prefix (e.g. "${entry.name}:"), or keep one source.`,
  );
}

const REDIS_FIELDS: readonly Field[] = [
  { field: 'url', names: ['url'] },
  { field: 'passwordEnv', names: ['password-env', 'passwordEnv'], codeName: 'passwordEnv' },
  { field: 'keyPrefix', names: ['key-prefix', 'keyPrefix'], codeName: 'keyPrefix' },
  { field: 'maxAge', names: ['max-age', 'maxAge'], codeName: 'maxAge' },
  { field: 'onUnavailable', names: ['on-unavailable', 'onUnavailable'], codeName: 'onUnavailable' },
  { field: 'sentinels', names: ['sentinels'] },
  { field: 'masterName', names: ['master-name', 'masterName'], codeName: 'masterName' },
];

export const redisConfig: ConfigEngine<RedisSourceConfig, RedisSourceConfigInput> = {
  type: 'redis',
  label: 'Redis',
  what: "a Redis database holding the bot's caches",
  providers: ['redis'],
  sourceFields: REDIS_FIELDS,
  providerFields: REDIS_FIELDS,
  parameterFields: [],
  reachedWith: { key: 'url', example: `url = "${EXAMPLE_URL}"` },
  passwordFrom: 'put the password in an environment variable and name it with password-env = "BOTDB_REDIS_PASSWORD"',
  servesOnly: CACHE_OPERATIONS,
  validate,
  identity,
  sameStore,
};
