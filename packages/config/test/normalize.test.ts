import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, DOCUMENTED_DEFAULTS, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');

const CANONICAL = `
[database]
default = "primary"

[database.sources.primary]
path = "bot.db"
pool-size = 4

[database.sources.archive]
path = "archive.db"
readonly = true
pool-size = 2

[database.chatMapping]
-1001234567890 = "archive"
`;

const LEGACY = `
[database]
default_source = "primary"

[database.sources.primary]
type = "sqlite"
path = "bot.db"
max_connections = 4

[database.sources.archive]
type = "sqlite"
path = "archive.db"
readonly = true
max_connections = 2

[database.chat_mapping]
-1001234567890 = "archive"
`;

describe('normalizeConfig', () => {
  it('fills in every default and resolves the path', () => {
    const { config } = normalizeConfig(
      { database: { default: 'primary', sources: { primary: { path: 'bot.db' } } } },
      { baseDir: BASE },
    );
    expect(config).toEqual({
      default: 'primary',
      sources: {
        primary: {
          type: 'sqlite',
          path: path.join(BASE, 'bot.db'),
          ...DOCUMENTED_DEFAULTS,
        },
      },
      chatMapping: {},
      unknownDataSource: 'fallback',
      system: 'primary',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
  });

  it('normalises the legacy dialect to the same config as the canonical one', () => {
    const canonical = normalizeConfig(parseToml(CANONICAL), { baseDir: BASE });
    const legacy = normalizeConfig(parseToml(LEGACY), { baseDir: BASE });
    expect(legacy).toEqual(canonical);
    expect(legacy.config.sources.primary?.poolSize).toBe(4);
    expect(legacy.config.chatMapping).toEqual({ '-1001234567890': 'archive' });
  });

  it('accepts the [database] table itself as well as a whole file', () => {
    const file = parseToml(CANONICAL);
    expect(normalizeConfig(file.database, { baseDir: BASE })).toEqual(normalizeConfig(file, { baseDir: BASE }));
  });

  it('ignores other top-level tables of a whole file', () => {
    const file = { ...parseToml(CANONICAL), telegram: { token: 'x' } };
    expect(normalizeConfig(file, { baseDir: BASE }).config.default).toBe('primary');
  });

  it('resolves relative paths against baseDir and keeps absolute ones', () => {
    const abs = path.resolve('/data/other.db');
    const { config } = normalizeConfig(
      { sources: { primary: { path: '../shared/bot.db' }, other: { path: abs } } },
      { baseDir: BASE },
    );
    expect(config.sources.primary?.path).toBe(path.resolve(BASE, '../shared/bot.db'));
    expect(config.sources.other?.path).toBe(abs);
  });

  it('resolves relative paths against the working folder when no baseDir is given', () => {
    const { config } = normalizeConfig({ sources: { primary: { path: 'bot.db' } } });
    expect(config.sources.primary?.path).toBe(path.resolve(process.cwd(), 'bot.db'));
  });

  it('keeps sources in configuration order', () => {
    const { config } = normalizeConfig(
      { default: 'b', sources: { c: { path: 'c.db' }, a: { path: 'a.db' }, b: { path: 'b.db' } } },
      { baseDir: BASE },
    );
    expect(Object.keys(config.sources)).toEqual(['c', 'a', 'b']);
  });
});

describe('validateDatabaseConfig', () => {
  it('accepts camelCase keys and gives the same result as kebab-case ones', () => {
    const camel = validateDatabaseConfig(
      { default: 'primary', sources: { primary: { path: 'bot.db', poolSize: 3, maxQueued: 50, timeout: 1.5 } } },
      { baseDir: BASE },
    );
    const kebab = validateDatabaseConfig(
      { default: 'primary', sources: { primary: { path: 'bot.db', 'pool-size': 3, 'max-queued': 50, timeout: 1.5 } } },
      { baseDir: BASE },
    );
    expect(camel).toEqual(kebab);
    expect(camel.config.sources.primary).toEqual({
      type: 'sqlite',
      path: path.join(BASE, 'bot.db'),
      ...DOCUMENTED_DEFAULTS,
      poolSize: 3,
      timeout: 1.5,
      maxQueued: 50,
    });
  });

  it('resolves relative paths against process.cwd() by default', () => {
    const { config } = validateDatabaseConfig({ default: 'primary', sources: { primary: { path: 'x/bot.db' } } });
    expect(config.sources.primary?.path).toBe(path.resolve('x/bot.db'));
  });

  it('refuses chats mapped to undefined sources (issue #16 item 5: their writes would land in the default)', () => {
    const err = configError(() =>
      validateDatabaseConfig({
        default: 'primary',
        sources: { primary: { path: 'bot.db' } },
        chatMapping: { '5': 'primary', '6': 'primry2' },
      }),
    );
    expect(err.issues.map((i) => i.key)).toEqual(['database.chatMapping.6']);
    expect(issueAt(err, 'database.chatMapping.6').fix).toContain('Did you mean "primary"?');
  });
});
