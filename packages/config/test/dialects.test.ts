/** The bot's dialects (issue #8): seed-date `[database] path`, the design document's `options`, the later `providers`. */
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, SETTING_LIMITS } from '../src/index.js';
import { configError, DOCUMENTED_DEFAULTS, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');
const DEFAULTS = {
  ...DOCUMENTED_DEFAULTS,
};

/** The seed-date bot's own [database] table, with its other tables around it. */
const SEED_DATE = `
[bot]
owners = []

[database]
path = "bot_data.db"
max_connections = 3
timeout = 20

[ratelimiter.queues]
chat-default = "default"
`;

/** The later bot's [database] table: providers, their parameters, default and chatMapping. */
const PROVIDERS = `
[database]
default = "default"

[database.providers.default]
provider = "sqlite3"

[database.providers.default.parameters]
dbPath = "bot_data.db"
readOnly = false
timeout = 15
useWal = true
keepConnection = true

[database.providers.archive]
provider = "sqlite3"
pool-size = 2

[database.providers.archive.parameters]
dbPath = "archive.db"
readOnly = true

[database.chatMapping]
-1001000000010 = "archive"
`;

describe('the seed-date bot: [database] path / max_connections / timeout', () => {
  it('is one source named "default", the default', () => {
    const { config, warnings } = normalizeConfig(parseToml(SEED_DATE), { baseDir: BASE });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      default: 'default',
      sources: {
        default: { ...DEFAULTS, type: 'sqlite', path: path.join(BASE, 'bot_data.db'), poolSize: 3, timeout: 20 },
      },
      chatMapping: {},
      unknownDataSource: 'fallback',
      system: 'default',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
  });

  it('warns about keys it ignores, and strict makes an unknown key an error', () => {
    const db = { path: 'bot.db', colour: 'red' };
    const { warnings } = normalizeConfig({ database: db }, { baseDir: BASE, strict: false });
    expect(warnings).toEqual([
      { key: 'database.colour', message: expect.stringContaining('unknown key "colour" is ignored') },
    ]);
    const err = configError(() => normalizeConfig({ database: db }, { baseDir: BASE }));
    expect(issueAt(err, 'database.colour').fix).toContain('strict mode');
  });

  it('suggests the closest key for a typo', () => {
    const { warnings } = normalizeConfig(
      { database: { path: 'bot.db', max_conections: 3 } },
      { baseDir: BASE, strict: false },
    );
    expect(warnings[0]?.message).toContain('Did you mean "pool-size"?');
  });

  it('still checks ranges', () => {
    const err = configError(() => normalizeConfig({ database: { path: 'bot.db', timeout: 1e12 } }, { baseDir: BASE }));
    expect(issueAt(err, 'database.timeout').message).toContain('from 0.001 to 3600');
  });
});

describe('the design document: options = { timeout, maxConnections } on a source', () => {
  it('sets timeout and pool size', () => {
    const { config, warnings } = normalizeConfig(
      {
        database: {
          default_source: 'primary',
          sources: {
            primary: { type: 'sqlite', path: 'bot.db', readonly: false, options: { timeout: 12.5, maxConnections: 4 } },
          },
        },
      },
      { baseDir: BASE },
    );
    expect(warnings).toEqual([]);
    expect(config.sources.primary).toEqual({
      ...DEFAULTS,
      type: 'sqlite',
      path: path.join(BASE, 'bot.db'),
      timeout: 12.5,
      poolSize: 4,
    });
  });

  it('refuses a setting given both in options and on the source', () => {
    const err = configError(() =>
      normalizeConfig(
        { sources: { primary: { path: 'bot.db', timeout: 5, options: { timeout: 6 } } } },
        { baseDir: BASE },
      ),
    );
    expect(issueAt(err, 'database.sources.primary.options.timeout').message).toContain(
      '"timeout" and "database.sources.primary.timeout" set the same thing',
    );
  });

  it('warns about an unknown key in options (an error under strict)', () => {
    const db = { sources: { primary: { path: 'bot.db', options: { maxConnection: 2 } } } };
    const { warnings } = normalizeConfig(db, { baseDir: BASE, strict: false });
    expect(warnings.map((w) => w.key)).toEqual(['database.sources.primary.options.maxConnection']);
    expect(warnings[0]?.message).toContain('Did you mean "maxConnections"?');
    configError(() => normalizeConfig(db, { baseDir: BASE }));
  });

  it('checks options ranges with the key as written', () => {
    const err = configError(() =>
      normalizeConfig(
        { sources: { primary: { path: 'bot.db', options: { maxConnections: 500 } } } },
        { baseDir: BASE },
      ),
    );
    const issue = issueAt(err, 'database.sources.primary.options.maxConnections');
    expect(issue.message).toContain(`from ${SETTING_LIMITS.poolSize.min} to ${SETTING_LIMITS.poolSize.max}`);
    expect(issue.fix).toContain('maxConnections = 5');
  });
});

describe('the later bot: [database.providers.<name>] provider = "sqlite3"', () => {
  it('reads dbPath, readOnly, timeout, default and chatMapping; botdb settings sit next to provider', () => {
    const { config } = normalizeConfig(parseToml(PROVIDERS), { baseDir: BASE, strict: true });
    expect(config).toEqual({
      default: 'default',
      sources: {
        default: { ...DEFAULTS, type: 'sqlite', path: path.join(BASE, 'bot_data.db'), timeout: 15 },
        archive: { ...DEFAULTS, type: 'sqlite', path: path.join(BASE, 'archive.db'), readonly: true, poolSize: 2 },
      },
      chatMapping: { '-1001000000010': 'archive' },
      unknownDataSource: 'fallback',
      system: 'default',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
  });

  it('warns, even under strict, about the bot settings botdb ignores', () => {
    const { warnings } = normalizeConfig(parseToml(PROVIDERS), { baseDir: BASE, strict: true });
    expect(warnings.map((w) => w.key)).toEqual([
      'database.providers.default.parameters.useWal',
      'database.providers.default.parameters.keepConnection',
    ]);
    expect(warnings[0]?.message).toContain(
      '"useWal" is a setting of the bot that botdb ignores: botdb always uses WAL',
    );
  });

  it.each([
    ['enableForeignKeys', false],
    ['vectorExtensionPath', '/usr/lib/vec0.so'],
    ['proxy', { type: 'http' }],
    ['use-proxy', false],
  ])('ignores parameters.%s with a warning', (key, value) => {
    const db = { providers: { default: { provider: 'sqlite3', parameters: { dbPath: 'bot.db', [key]: value } } } };
    const { warnings } = normalizeConfig(db, { baseDir: BASE });
    expect(warnings.map((w) => w.key)).toEqual([`database.providers.default.parameters.${key}`]);
  });

  it('suggests readOnly for readonly in parameters, an error under strict', () => {
    const db = { providers: { a: { provider: 'sqlite3', parameters: { dbPath: 'a.db', readonly: true } } } };
    const err = configError(() => normalizeConfig(db, { baseDir: BASE }));
    expect(issueAt(err, 'database.providers.a.parameters.readonly').fix).toContain('Did you mean "readOnly"?');
    const { config, warnings } = normalizeConfig(db, { baseDir: BASE, strict: false });
    expect(config.sources.a?.readonly).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('refuses another provider, and a provider without dbPath', () => {
    const err = configError(() =>
      normalizeConfig(
        { providers: { a: { provider: 'sqlink', parameters: { dbPath: 'a.db' } }, b: { provider: 'sqlite3' } } },
        { baseDir: BASE },
      ),
    );
    expect(issueAt(err, 'database.providers.a.provider').message).toContain(
      'unsupported provider "sqlink": the allowed providers are "sqlite3" (a SQLite file), "postgresql" (a schema of a PostgreSQL database), "mysql" (a database of a MySQL or MariaDB server) and "redis"',
    );
    const noPath = issueAt(err, 'database.providers.b.parameters.dbPath');
    expect(noPath.message).toContain('source "b" has no path');
    expect(noPath.fix).toContain('Add dbPath = "b.db" under [database.providers.b.parameters]');
  });

  it('refuses sources and providers together', () => {
    const err = configError(() =>
      normalizeConfig(
        { sources: { a: { path: 'a.db' } }, providers: { b: { provider: 'sqlite3', parameters: { dbPath: 'b.db' } } } },
        { baseDir: BASE },
      ),
    );
    expect(issueAt(err, 'database.providers').message).toContain('both [database.sources] and [database.providers]');
  });
});

describe('our dialect keeps unknown keys fatal', () => {
  it('even with strict off', () => {
    const err = configError(() =>
      normalizeConfig({ sources: { primary: { path: 'bot.db', useWal: true } } }, { baseDir: BASE, strict: false }),
    );
    expect(issueAt(err, 'database.sources.primary.useWal').message).toBe('unknown key "useWal".');
  });
});

describe('default left out', () => {
  it.each([
    [['default', 'primary', 'x'], 'default'],
    [['x', 'primary'], 'primary'],
    [['default'], 'default'],
    [['only'], 'only'],
    [['primary'], 'primary'],
  ])('sources %j -> %s', (names, expected) => {
    const sources = Object.fromEntries(names.map((n) => [n, { path: `${n}.db` }]));
    expect(normalizeConfig({ sources }, { baseDir: BASE }).config.default).toBe(expected);
  });

  it('several sources, none "default" or "primary": an issue listing them', () => {
    const err = configError(() => normalizeConfig({ sources: { a: { path: 'a.db' }, b: { path: 'b.db' } } }));
    expect(issueAt(err, 'database.default').message).toContain('Defined sources: "a", "b"');
  });

  it('a bot config whose only provider is "default", without default =, loads', () => {
    const { config } = normalizeConfig(
      { database: { providers: { default: { provider: 'sqlite3', parameters: { dbPath: 'bot.db' } } } } },
      { baseDir: BASE },
    );
    expect(config.default).toBe('default');
  });
});
