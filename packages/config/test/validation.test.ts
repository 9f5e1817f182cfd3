import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DatabaseConfigInput, normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');

/** A valid [database] table to break one piece of at a time. */
function valid(): Record<string, unknown> {
  return {
    default: 'primary',
    sources: { primary: { path: 'bot.db' }, archive: { path: 'archive.db', readonly: true } },
    chatMapping: { '-1001234567890': 'archive' },
  };
}

function withSource(name: string, source: unknown): Record<string, unknown> {
  const db = valid();
  (db.sources as Record<string, unknown>)[name] = source;
  return db;
}

function errorFor(database: unknown) {
  return configError(() => normalizeConfig({ database }, { baseDir: BASE }));
}

describe('a valid configuration', () => {
  it('passes and is normalised', () => {
    const { config, warnings } = normalizeConfig({ database: valid() }, { baseDir: BASE });
    expect(warnings).toEqual([]);
    expect(config.default).toBe('primary');
    expect(Object.keys(config.sources)).toEqual(['primary', 'archive']);
    expect(config.sources.archive?.readonly).toBe(true);
    expect(config.chatMapping).toEqual({ '-1001234567890': 'archive' });
  });
});

describe('sources', () => {
  it('rejects a configuration without sources', () => {
    const db = valid();
    delete db.sources;
    delete db.chatMapping;
    const err = errorFor(db);
    expect(issueAt(err, 'database.sources').message).toMatch(/no sources/);
  });

  it('rejects an empty sources table', () => {
    const err = errorFor({ default: 'primary', sources: {} });
    expect(issueAt(err, 'database.sources').message).toMatch(/no sources/);
  });

  it('rejects sources that is not a table', () => {
    const err = errorFor({ default: 'primary', sources: 'bot.db' });
    expect(issueAt(err, 'database.sources').message).toMatch(/must be a table/);
  });

  it('rejects a source that is not a table', () => {
    const err = errorFor(withSource('archive', 'archive.db'));
    expect(issueAt(err, 'database.sources.archive').message).toMatch(/must be a table/);
  });

  it('rejects a source without a path', () => {
    const err = errorFor(withSource('archive', { readonly: true }));
    const issue = issueAt(err, 'database.sources.archive.path');
    expect(issue.message).toMatch(/no path/);
    expect(issue.fix).toContain('path = "archive.db"');
  });

  it('rejects a path that is not a non-empty string', () => {
    expect(issueAt(errorFor(withSource('archive', { path: 42 })), 'database.sources.archive.path').message).toMatch(
      /got 42/,
    );
    expect(issueAt(errorFor(withSource('archive', { path: '' })), 'database.sources.archive.path')).toBeDefined();
  });

  it('keeps :memory: as it is (one private in-memory database per source), not as a file path', () => {
    const { config } = normalizeConfig({ database: withSource('scratch', { path: ':memory:' }) }, { baseDir: BASE });
    expect(config.sources.scratch?.path).toBe(':memory:');
  });

  it('rejects SQLite URI filenames', () => {
    const issue = issueAt(
      errorFor(withSource('archive', { path: 'file::memory:?cache=shared' })),
      'database.sources.archive.path',
    );
    expect(issue.message).toMatch(/URI/);
  });
});

describe('default source', () => {
  it('rejects a default that names no defined source, listing the defined ones', () => {
    const err = errorFor({ ...valid(), default: 'main' });
    const issue = issueAt(err, 'database.default');
    expect(issue.message).toContain('"main" is not defined');
    expect(issue.message).toContain('"primary", "archive"');
  });

  it('rejects a default that is not a string', () => {
    const err = errorFor({ ...valid(), default: 1 });
    expect(issueAt(err, 'database.default').message).toMatch(/must be the name of a source/);
  });

  it('uses "primary" when default is left out', () => {
    const db = valid();
    delete db.default;
    expect(normalizeConfig({ database: db }, { baseDir: BASE }).config.default).toBe('primary');
  });

  it('rejects a missing default when no source is "default" or "primary" and there are several', () => {
    const err = errorFor({ sources: { main: { path: 'main.db' }, other: { path: 'other.db' } } });
    const issue = issueAt(err, 'database.default');
    expect(issue.message).toContain('no source named "default" or "primary"');
    expect(issue.message).toContain('Defined sources: "main", "other"');
    expect(issue.fix).toContain('default = "main"');
  });
});

describe('unknown keys', () => {
  it.each([
    ['pool_size', 'pool-size'],
    ['readOnly', 'readonly'],
    ['timout', 'timeout'],
    ['max_queued', 'max-queued'],
    ['pth', 'path'],
  ])('reports source key %s and suggests %s', (typo, known) => {
    const err = errorFor(withSource('archive', { path: 'archive.db', [typo]: 1 }));
    const issue = issueAt(err, `database.sources.archive.${typo}`);
    expect(issue.message).toContain(`unknown key "${typo}"`);
    expect(issue.fix).toContain(`Did you mean "${known}"?`);
  });

  it('reports a database-level typo with a suggestion', () => {
    const err = errorFor({ ...valid(), chatmaping: {} });
    expect(issueAt(err, 'database.chatmaping').fix).toContain('Did you mean "chatMapping"?');
  });

  it('points a source written outside sources to [database.sources.<name>]', () => {
    const err = errorFor({ ...valid(), extra: { path: 'extra.db' } });
    expect(issueAt(err, 'database.extra').fix).toContain('[database.sources.extra]');
  });

  it('lists the known keys when nothing is close', () => {
    const issue = issueAt(
      errorFor(withSource('archive', { path: 'archive.db', compression: 'zstd' })),
      'database.sources.archive.compression',
    );
    expect(issue.fix).toMatch(
      /^Remove it\. Known keys here: path, readonly, pool-size, timeout, max-queued, transaction-timeout, query-timeout, max-memory-mb, on-newer-schema, type, url, password-env, schema, replicas, max-replica-lag, replica-reads, host, port, user, database, key-prefix, max-age, on-unavailable, sentinels, master-name, options\.$/,
    );
  });

  it('suggests camelCase names for config passed in code', () => {
    const input = { default: 'primary', sources: { primary: { path: 'bot.db', pool_size: 2 } } };
    const err = configError(() => validateDatabaseConfig(input as unknown as DatabaseConfigInput));
    expect(issueAt(err, 'database.sources.primary.pool_size').fix).toContain('Did you mean "poolSize"?');
  });

  it('rejects the same setting given under two spellings', () => {
    const err = errorFor(withSource('archive', { path: 'archive.db', 'pool-size': 2, max_connections: 3 }));
    expect(issueAt(err, 'database.sources.archive.max_connections').message).toMatch(/set the same thing/);
  });
});

describe('source settings', () => {
  it.each([0, -1, 1.5, '5'])('rejects pool-size = %j', (value) => {
    const issue = issueAt(
      errorFor(withSource('archive', { path: 'archive.db', 'pool-size': value })),
      'database.sources.archive.pool-size',
    );
    expect(issue.message).toMatch(/must be a whole number of connections from 1 to 64/);
  });

  it('names the legacy key the file used', () => {
    const err = errorFor(withSource('archive', { path: 'archive.db', max_connections: 0 }));
    expect(issueAt(err, 'database.sources.archive.max_connections').fix).toContain('max_connections');
  });

  it.each([0, -5, '30', Number.POSITIVE_INFINITY])('rejects timeout = %j', (value) => {
    const err = errorFor(withSource('archive', { path: 'archive.db', timeout: value }));
    expect(issueAt(err, 'database.sources.archive.timeout').message).toMatch(/number of seconds from 0.001 to 3600/);
  });

  it.each([0, 2.5, 'many'])('rejects max-queued = %j', (value) => {
    const err = errorFor(withSource('archive', { path: 'archive.db', 'max-queued': value }));
    expect(issueAt(err, 'database.sources.archive.max-queued').message).toMatch(/whole number of calls/);
  });

  it.each(['true', 1, null])('rejects readonly = %j', (value) => {
    const err = errorFor(withSource('archive', { path: 'archive.db', readonly: value }));
    const issue = issueAt(err, 'database.sources.archive.readonly');
    expect(issue.message).toMatch(/must be true or false/);
    expect(issue.fix).toMatch(/without quotes/);
  });

  it('rejects an unknown type, naming the allowed types and the closest one', () => {
    const err = errorFor(withSource('archive', { path: 'archive.db', type: 'postgres' }));
    const issue = issueAt(err, 'database.sources.archive.type');
    expect(issue.message).toContain('unsupported source type "postgres"');
    expect(issue.message).toContain('the allowed types are "sqlite"');
    expect(issue.message).toContain(
      '"postgresql" (a schema of a PostgreSQL database), "mysql" (a database of a MySQL or MariaDB server) and "redis"',
    );
    expect(issue.fix).toBe('Did you mean type = "postgresql"?');
    const far = issueAt(
      errorFor(withSource('archive', { path: 'a.db', type: 'oracle' })),
      'database.sources.archive.type',
    );
    expect(far.fix).toBe(
      'Remove type for a SQLite file, or set type = "postgresql" for a PostgreSQL source, or type = "mysql" for a MySQL source, or type = "redis" for a Redis source.',
    );
  });

  it('accepts type = "sqlite", and gives type "sqlite" to a source that leaves it out', () => {
    const { config } = normalizeConfig({ database: withSource('archive', { path: 'a.db', type: 'sqlite' }) });
    expect(config.sources.archive?.type).toBe('sqlite');
    const { config: implied } = normalizeConfig({ database: withSource('archive', { path: 'a.db' }) });
    expect(implied.sources.archive?.type).toBe('sqlite');
  });
});

describe('chatMapping', () => {
  it.each(['abc', '1.5', '+5', '007', '0', '99999999999999999999'])('rejects chat id %j', (chat) => {
    const err = errorFor({ ...valid(), chatMapping: { [chat]: 'archive' } });
    expect(issueAt(err, `database.chatMapping.${/^[\w-]+$/.test(chat) ? chat : JSON.stringify(chat)}`).message).toMatch(
      /is not a chat id/,
    );
  });

  it('suggests the canonical form of a non-canonical integer', () => {
    const err = errorFor({ ...valid(), chatMapping: { '+5': 'archive' } });
    expect(issueAt(err, 'database.chatMapping."+5"').fix).toBe('Write the chat id as 5.');
  });

  it('rejects a chat mapped to something other than a source name', () => {
    const err = errorFor({ ...valid(), chatMapping: { '100': 2, '200': { source: 'archive' } } });
    expect(issueAt(err, 'database.chatMapping.100').message).toMatch(/must be the name of a source, got 2/);
    expect(issueAt(err, 'database.chatMapping.200').message).toMatch(/got a table/);
  });

  it('rejects a chatMapping that is not a table', () => {
    const err = errorFor({ ...valid(), chatMapping: ['archive'] });
    expect(issueAt(err, 'database.chatMapping').message).toMatch(/must be a table/);
  });

  it('even with strict off, a chat mapped to an undefined source is an error naming the chat and the source', () => {
    const err = configError(() =>
      normalizeConfig(
        { database: { ...valid(), chatMapping: { '-1001234567890': 'archive', '42': 'nowhere' } } },
        { baseDir: BASE, strict: false },
      ),
    );
    expect(err.issues.map((i) => i.key)).toEqual(['database.chatMapping.42']);
    expect(issueAt(err, 'database.chatMapping.42').message).toContain('"nowhere", which is not defined');
    expect(issueAt(err, 'database.chatMapping.42').message).toContain('default source "primary"');
  });
});

describe('all problems at once', () => {
  it('reports every problem in one ConfigError', () => {
    const err = errorFor({
      default: 'main',
      sources: {
        primary: { path: 'bot.db', pool_size: 2 },
        archive: { readonly: 'yes', 'pool-size': 0, timeout: -1, type: 'oracle' },
      },
      chatMapping: { abc: 'archive', '100': 7 },
    });
    const keys = err.issues.map((i) => i.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'database.default',
        'database.sources.primary.pool_size',
        'database.sources.archive.readonly',
        'database.sources.archive.pool-size',
        'database.sources.archive.timeout',
        'database.sources.archive.type',
        'database.chatMapping.abc',
        'database.chatMapping.100',
      ]),
    );
    // An unknown type says nothing of which keys the source needs: its missing path is not reported.
    expect(err.issues).toHaveLength(8);
    expect(err.message).toContain('(8 problems)');
    for (const issue of err.issues) expect(issue.fix.length).toBeGreaterThan(0);
  });

  it('names the origin in the error', () => {
    const err = configError(() => normalizeConfig({ database: { sources: {} } }, { origin: '/etc/botdb.toml' }));
    expect(err.message).toContain('in /etc/botdb.toml');
    expect(err.details.origin).toBe('/etc/botdb.toml');
  });
});

describe('the shape of the input', () => {
  it('rejects input that is not a table', () => {
    const notATable = configError(() => normalizeConfig('bot.db'));
    expect(issueAt(notATable, 'database').message).toMatch(/must be a table/);
    const nothing = configError(() => normalizeConfig(undefined));
    expect(issueAt(nothing, 'database').message).toMatch(/got nothing/);
  });

  it('rejects a file without a [database] table, suggesting a near miss', () => {
    const err = configError(() => normalizeConfig({ databse: { sources: {} } }));
    expect(issueAt(err, 'database').fix).toBe('Rename [databse] to [database].');
  });

  it('rejects a database key that is not a table', () => {
    const err = configError(() => normalizeConfig({ database: 'bot.db' }));
    expect(issueAt(err, 'database').message).toMatch(/must be a table/);
  });

  it('rejects code input that is not an object', () => {
    const err = configError(() => validateDatabaseConfig(null as unknown as DatabaseConfigInput));
    expect(issueAt(err, 'database').message).toMatch(/must be an object/);
  });
});
