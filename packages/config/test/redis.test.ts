/** Redis cache sources (`type = "redis"`) and `[database] cache`: keys, defaults, one message per bad key. */
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, issueAt } from './helpers.js';

const toml = (text: string) => normalizeConfig(parseToml(text));
const base = (redis: string, database = '') => `
[database]
default = "main"
cache = "redis"
${database}
[database.sources.main]
path = "bot.db"
[database.sources.redis]
type = "redis"
${redis}
`;

describe('Redis cache sources', () => {
  it('reads the keys with their defaults', () => {
    const { config } = toml(base('url = "redis://127.0.0.1:6379/2"'));
    expect(config.cache).toBe('redis');
    expect(config.sources.redis).toMatchObject({
      type: 'redis',
      url: 'redis://127.0.0.1:6379/2',
      passwordEnv: null,
      keyPrefix: 'botdb:',
      maxAge: 30 * 24 * 3600,
      onUnavailable: 'miss',
      sentinels: null,
      masterName: null,
    });
    const sentinel = toml(
      base(
        'sentinels = ["10.0.0.1:26379", "10.0.0.2:26379"]\nmaster-name = "mymaster"\nkey-prefix = "bot1:"\nmax-age = 3600\non-unavailable = "error"\npassword-env = "REDIS_PW"',
      ),
    ).config.sources.redis;
    expect(sentinel).toMatchObject({
      sentinels: ['10.0.0.1:26379', '10.0.0.2:26379'],
      masterName: 'mymaster',
      keyPrefix: 'bot1:',
      maxAge: 3600,
      onUnavailable: 'error',
      passwordEnv: 'REDIS_PW',
    });
    // A normalised configuration passed back in code validates again unchanged.
    const again = validateDatabaseConfig(toml(base('url = "redis://h:6379/0"')).config as never).config;
    expect(again?.sources.redis).toMatchObject({ sentinels: null, masterName: null });
  });

  it('one message per bad key, naming the key, the source and the fix', () => {
    const err = configError(() =>
      toml(base('url = "redis://:secret@127.0.0.1:6379/0"\nmax-age = 0\non-unavailable = "retry"\nkey-prefix = "a b"')),
    );
    expect(issueAt(err, 'database.sources.redis.url').message).toMatch(/password/);
    expect(issueAt(err, 'database.sources.redis.url').message).not.toMatch(/secret/);
    expect(issueAt(err, 'database.sources.redis.max-age').fix).toMatch(/max-age = 2592000/);
    expect(issueAt(err, 'database.sources.redis.on-unavailable').fix).toMatch(/"miss".*"error"/);
    expect(issueAt(err, 'database.sources.redis.key-prefix').message).toMatch(/without spaces/);
    const noMaster = configError(() => toml(base('sentinels = ["10.0.0.1:26379"]')));
    expect(issueAt(noMaster, 'database.sources.redis.master-name').fix).toMatch(/master-name = "mymaster"/);
  });

  it('refuses a Redis source as default, in chatMapping, and a cache naming no source', () => {
    const asDefault = configError(() =>
      toml(base('url = "redis://h:6379/0"').replace('default = "main"', 'default = "redis"')),
    );
    expect(issueAt(asDefault, 'database.default').message).toMatch(
      /serves only getCacheEntry, setCacheEntry, clearCache, getCacheStorage, setCacheStorage, unsetCacheStorage/,
    );
    const mapped = configError(() =>
      toml(`${base('url = "redis://h:6379/0"')}\n[database.chatMapping]\n-100 = "redis"\n`),
    );
    expect(issueAt(mapped, 'database.chatMapping.-100').message).toMatch(/cannot be a chat's source/);
    const unknown = configError(() =>
      toml(base('url = "redis://h:6379/0"').replace('cache = "redis"', 'cache = "redsi"')),
    );
    expect(issueAt(unknown, 'database.cache').message).toMatch(/"redsi", which is not defined/);
  });

  it('refuses two Redis sources on one database with one prefix', () => {
    const err = configError(() =>
      toml(`${base('url = "redis://h:6379/0"')}\n[database.sources.other]\ntype = "redis"\nurl = "redis://H:6379/0"\n`),
    );
    expect(err.message).toMatch(/one Redis database with one key prefix/);
  });
});
