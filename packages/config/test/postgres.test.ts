/** Issue #10: PostgreSQL sources (`type = "postgresql"`): keys, defaults, one message per bad key, every dialect. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { type DatabaseConfigInput, loadConfig, normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, configErrorAsync, DOCUMENTED_DEFAULTS, issueAt, tempDir } from './helpers.js';

const BASE = path.resolve('/srv/bot');

/** The issue's example, with a SQLite source beside it. */
const ISSUE_TOML = `
[database]
default = "shared"

[database.sources.shared]
type = "postgresql"
url = "postgres://bot@db1:5432/botdb"
password-env = "BOTDB_PG_PASSWORD"
schema = "public"
pool-size = 5
timeout = 30.0

[database.sources.replica]
type = "postgresql"
url = "postgres://bot_ro@db2:5432/botdb"
readonly = true

[database.sources.local]
path = "bot.db"

[database.chatMapping]
-1001 = "local"
`;

/** What a PostgreSQL source without replicas normalises to (issue #19's keys at their defaults). */
const NO_REPLICAS = { replicas: [], maxReplicaLag: 5, replicaReads: true };

const SHARED = {
  ...DOCUMENTED_DEFAULTS,
  ...NO_REPLICAS,
  type: 'postgresql',
  url: 'postgres://bot@db1:5432/botdb',
  passwordEnv: 'BOTDB_PG_PASSWORD',
  schema: 'public',
};
const REPLICA = {
  ...DOCUMENTED_DEFAULTS,
  ...NO_REPLICAS,
  type: 'postgresql',
  url: 'postgres://bot_ro@db2:5432/botdb',
  passwordEnv: null,
  schema: 'public',
  readonly: true,
};

function pgErr(source: Record<string, unknown>) {
  return configError(() => normalizeConfig({ database: { sources: { pg: source } } }, { baseDir: BASE }));
}

function pgIssue(source: Record<string, unknown>, key: string) {
  return issueAt(pgErr(source), `database.sources.pg.${key}`);
}

describe('a valid PostgreSQL source', () => {
  it('the issue example normalises with its defaults, next to a SQLite source', () => {
    const { config, warnings } = normalizeConfig(parseToml(ISSUE_TOML), { baseDir: BASE });
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      default: 'shared',
      sources: {
        shared: SHARED,
        replica: REPLICA,
        local: { ...DOCUMENTED_DEFAULTS, type: 'sqlite', path: path.join(BASE, 'bot.db') },
      },
      chatMapping: { '-1001': 'local' },
      unknownDataSource: 'fallback',
      system: 'shared',
      crossSourceConcurrency: 8,
      crossSourceTimeout: 30,
    });
    // Every normalised source says its type, also one whose file left it out (SQLite).
    expect(config.sources.local?.type).toBe('sqlite');
  });

  it('through loadConfig from a TOML file and from a JSON file', async () => {
    for (const [file, text] of [
      ['botdb.config.toml', ISSUE_TOML],
      ['botdb.config.json', JSON.stringify(parseToml(ISSUE_TOML))],
    ] as const) {
      const dir = tempDir();
      writeFileSync(path.join(dir, file), text);
      const loaded = await loadConfig({ path: path.join(dir, file), env: {}, logger: { warn: () => {} } });
      expect(loaded.config.sources.shared).toEqual(SHARED);
      expect(loaded.config.sources.replica).toEqual(REPLICA);
    }
  });

  it('through the constructor-style object, camelCase and kebab-case alike', () => {
    const camel: DatabaseConfigInput = {
      sources: {
        shared: {
          type: 'postgresql',
          url: 'postgres://bot@db1:5432/botdb',
          passwordEnv: 'BOTDB_PG_PASSWORD',
          poolSize: 5,
          queryTimeout: 10,
        },
      },
    };
    const kebab: DatabaseConfigInput = {
      sources: {
        shared: {
          type: 'postgresql',
          url: 'postgres://bot@db1:5432/botdb',
          'password-env': 'BOTDB_PG_PASSWORD',
          'pool-size': 5,
          'query-timeout': 10,
        },
      },
    };
    for (const input of [camel, kebab]) {
      expect(validateDatabaseConfig(input).config.sources.shared).toEqual({ ...SHARED, queryTimeout: 10 });
    }
  });

  it('accepts postgresql://, a host-less URL (PGHOST, else localhost), an IPv6 host and another schema', () => {
    const { config } = normalizeConfig(
      {
        database: {
          default: 'a',
          sources: {
            a: { type: 'postgresql', url: 'postgresql://bot@db1/botdb', schema: 'bot_v6' },
            b: { type: 'postgresql', url: 'postgres:///botdb' },
            c: { type: 'postgresql', url: 'postgres://bot@[::1]:5433/botdb' },
          },
        },
      },
      { baseDir: BASE },
    );
    expect(config.sources.a).toMatchObject({ url: 'postgresql://bot@db1/botdb', schema: 'bot_v6' });
    expect(config.sources.b?.url).toBe('postgres:///botdb');
    expect(config.sources.c?.url).toBe('postgres://bot@[::1]:5433/botdb');
  });

  it("the design document's host/port/user/database keys become one URL", () => {
    const { config } = normalizeConfig(
      {
        database: { sources: { pg: { type: 'postgresql', host: 'db1', port: 5433, user: 'bot', database: 'botdb' } } },
      },
      { baseDir: BASE },
    );
    expect(config.sources.pg?.url).toBe('postgres://bot@db1:5433/botdb');
  });
});

describe('one message per bad key, naming the key, the source and the fix', () => {
  it('path on a PostgreSQL source', () => {
    const issue = pgIssue({ type: 'postgresql', url: 'postgres://bot@db1/botdb', path: 'bot.db' }, 'path');
    expect(issue.message).toBe(
      '"path" is the file of a SQLite source, but source "pg" is a PostgreSQL source (type = "postgresql"), which connects with url.',
    );
    expect(issue.fix).toContain('Remove path and set url = "postgres://bot@db1:5432/botdb"');
  });

  it('url (and every other PostgreSQL key) on a SQLite source, one issue each', () => {
    const err = pgErr({ path: 'bot.db', url: 'postgres://bot@db1/botdb', 'password-env': 'X', schema: 'public' });
    expect(err.issues.map((i) => i.key)).toEqual([
      'database.sources.pg.url',
      'database.sources.pg.password-env',
      'database.sources.pg.schema',
    ]);
    const schema = issueAt(err, 'database.sources.pg.schema');
    expect(schema.message).toBe(
      '"schema" is a setting of PostgreSQL sources, but source "pg" is a SQLite source (type left out or "sqlite").',
    );
    expect(schema.fix).toBe(
      'Add type = "postgresql" under [database.sources.pg] to make it a PostgreSQL source, or remove schema.',
    );
    // A key two engines share names both.
    const url = issueAt(err, 'database.sources.pg.url');
    expect(url.message).toBe(
      '"url" is a setting of PostgreSQL, MySQL and Redis sources, but source "pg" is a SQLite source (type left out or "sqlite").',
    );
    expect(url.fix).toBe(
      'Add type = "postgresql" or add type = "mysql" or add type = "redis" under [database.sources.pg] to make it such a source, or remove url.',
    );
  });

  it('url missing', () => {
    const issue = pgIssue({ type: 'postgresql' }, 'url');
    expect(issue.message).toBe('PostgreSQL source "pg" has no url.');
    expect(issue.fix).toContain('Add url = "postgres://bot@db1:5432/botdb" under [database.sources.pg]');
    expect(issue.fix).toContain('password-env');
  });

  it('url of another scheme, or not a URL, or not a string', () => {
    expect(pgIssue({ type: 'postgresql', url: 'mysql://bot@db1/botdb' }, 'url').message).toBe(
      'must start with postgres:// or postgresql://, got "mysql:".',
    );
    expect(pgIssue({ type: 'postgresql', url: 'db1:5432/botdb' }, 'url').message).toContain(
      'must start with postgres://',
    );
    expect(pgIssue({ type: 'postgresql', url: 'postgres://bot@db1:99999/x' }, 'url').message).toContain(
      'is not a valid URL',
    );
    expect(pgIssue({ type: 'postgresql', url: 42 }, 'url').message).toBe(
      'must be a PostgreSQL connection URL, got 42.',
    );
  });

  it('a password in the URL is refused, and never repeated in the message', () => {
    for (const url of ['postgres://bot:s3cret@db1:5432/botdb', 'postgres://bot@db1:5432/botdb?password=s3cret']) {
      const err = pgErr({ type: 'postgresql', url });
      const issue = issueAt(err, 'database.sources.pg.url');
      expect(issue.message).toContain('never a password in the file');
      expect(issue.fix).toContain('postgres://bot@db1:5432/botdb');
      expect(issue.fix).toContain('password-env = "BOTDB_PG_PASSWORD"');
      expect(issue.fix).toContain('PGPASSWORD or ~/.pgpass');
      expect(err.message).not.toContain('s3cret');
    }
  });

  it('a password in any query parameter spelling is refused by name, its value never echoed (issue #16 item 6)', () => {
    for (const name of ['password', 'PASSWORD', 'Password', 'pass', 'PASS', 'sslpassword']) {
      const err = pgErr({ type: 'postgresql', url: `postgres://bot@db1:5432/botdb?sslmode=require&${name}=s3cret` });
      const issue = issueAt(err, 'database.sources.pg.url');
      expect(issue.message).toContain(`(query parameter "${name}")`);
      expect(issue.message).toContain('never a password in the file');
      expect(issue.fix).toContain('postgres://bot@db1:5432/botdb');
      expect(err.message).not.toContain('s3cret');
    }
    // Config built in code is checked the same way.
    const inCode = configError(() =>
      validateDatabaseConfig({ sources: { pg: { type: 'postgresql', url: 'postgres://bot@db1/botdb?pass=s3cret' } } }),
    );
    expect(inCode.message).toContain('query parameter "pass"');
    expect(inCode.message).not.toContain('s3cret');
  });

  it('only whitelisted query parameters pass; search_path, options and the rest are refused by name with the fix', () => {
    const url = (query: string) => ({ type: 'postgresql', url: `postgres://bot@db1:5432/botdb?${query}` });
    const ok = normalizeConfig(
      { database: { sources: { pg: url('sslmode=verify-full&sslrootcert=system&target_session_attrs=read-write') } } },
      { baseDir: BASE },
    );
    expect(ok.config.sources.pg).toMatchObject({ schema: 'public' });
    const searchPath = pgIssue(url('search_path=other'), 'url');
    expect(searchPath.message).toContain('query parameter "search_path" is not allowed');
    expect(searchPath.fix).toContain('set schema = "..." on the source instead');
    expect(searchPath.fix).toContain('accepts only sslmode, sslrootcert, target_session_attrs');
    const options = pgIssue(url('options=-c%20search_path%3Dother'), 'url');
    expect(options.message).toContain('query parameter "options" is not allowed');
    expect(pgErr(url('options=-c%20search_path%3Dother')).message).not.toContain('search_path=other');
    for (const name of ['application_name', 'connect_timeout', 'dbname', 'host', 'Search_Path']) {
      expect(pgIssue(url(`${name}=x`), 'url').message).toContain(`query parameter "${name}" is not allowed`);
    }
    expect(pgIssue(url('sslmode=sometimes'), 'url').message).toContain('"sslmode" must be one of "disable"');
  });

  it('two writable sources on one schema cannot dodge the "one schema twice" check through the URL', () => {
    const err = configError(() =>
      normalizeConfig(
        {
          database: {
            sources: {
              a: { type: 'postgresql', url: 'postgres://bot@db1/botdb?search_path=c', schema: 'a' },
              b: { type: 'postgresql', url: 'postgres://bot@db1/botdb?search_path=c', schema: 'b' },
            },
          },
        },
        { baseDir: BASE },
      ),
    );
    expect(issueAt(err, 'database.sources.a.url').message).toContain('"search_path" is not allowed');
    expect(issueAt(err, 'database.sources.b.url').message).toContain('"search_path" is not allowed');
  });

  it('a password key is refused, without being offered as a known key', () => {
    const issue = pgIssue({ type: 'postgresql', url: 'postgres://bot@db1/botdb', password: 'x' }, 'password');
    expect(issue.message).toContain('never a password in the file');
    const typo = pgIssue({ type: 'postgresql', url: 'postgres://bot@db1/botdb', passwrd: 'x' }, 'passwrd');
    expect(typo.fix).not.toMatch(/\bpassword\b(?!-env)/);
  });

  it('password-env that is not an environment variable name; an unset one is fine (the worker reads it)', () => {
    const issue = pgIssue(
      { type: 'postgresql', url: 'postgres://bot@db1/botdb', 'password-env': 'BOTDB-PG' },
      'password-env',
    );
    expect(issue.message).toBe(
      'must be the name of an environment variable (letters, digits and underscores, not starting with a digit), got "BOTDB-PG".',
    );
    expect(issue.fix).toContain('Set password-env = "BOTDB_PG_PASSWORD"');
    const unset = `BOTDB_TEST_UNSET_${process.pid}`;
    expect(process.env[unset]).toBeUndefined();
    const { config } = normalizeConfig(
      { database: { sources: { pg: { type: 'postgresql', url: 'postgres://bot@db1/botdb', 'password-env': unset } } } },
      { baseDir: BASE },
    );
    expect(config.sources.pg).toMatchObject({ passwordEnv: unset });
  });

  it('the code spelling is suggested for config passed in code', () => {
    const err = configError(() =>
      validateDatabaseConfig({
        sources: { pg: { type: 'postgresql', url: 'postgres://bot@db1/botdb', passwordEnv: '1X' } },
      }),
    );
    expect(issueAt(err, 'database.sources.pg.passwordEnv').fix).toContain('Set passwordEnv = "BOTDB_PG_PASSWORD"');
  });

  it.each([
    ['bot-data', "it becomes the session's search_path"],
    ['1bot', 'not starting with a digit'],
    ['Bot', 'lower-case'],
    ['pg_bot', 'reserved for PostgreSQL system schemas'],
  ])('schema %s, saying why', (schema, why) => {
    const issue = pgIssue({ type: 'postgresql', url: 'postgres://bot@db1/botdb', schema }, 'schema');
    expect(issue.message).toContain(`must be a schema name, got "${schema}"`);
    expect(issue.message).toContain(why);
    expect(issue.fix).toContain('Set schema = "public" (the default)');
  });

  it('an unknown type lists the allowed types', () => {
    const issue = pgIssue({ type: 'oracle', url: 'postgres://bot@db1/botdb' }, 'type');
    expect(issue.message).toContain('unsupported source type "oracle": the allowed types are "sqlite"');
    expect(issue.message).toContain('"postgresql"');
  });

  it('url together with host: one issue on host; a bad port', () => {
    expect(pgIssue({ type: 'postgresql', url: 'postgres://bot@db1/botdb', host: 'db2' }, 'host').message).toBe(
      '"host" and "url" both say where the server is.',
    );
    expect(pgIssue({ type: 'postgresql', host: 'db1', port: '5432' }, 'port').message).toBe(
      'must be a port number from 1 to 65535, got "5432".',
    );
  });

  it('the common settings are checked as for SQLite', () => {
    const err = pgErr({ type: 'postgresql', url: 'postgres://bot@db1/botdb', 'pool-size': 0, timeout: -1 });
    expect(err.issues.map((i) => i.key)).toEqual(['database.sources.pg.pool-size', 'database.sources.pg.timeout']);
  });

  it('unknown keys are errors in strict mode, as for SQLite sources', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'botdb.config.toml');
    writeFileSync(
      file,
      '[database.sources.pg]\ntype = "postgresql"\nurl = "postgres://bot@db1/botdb"\nsslmode = "require"\n',
    );
    const err = await configErrorAsync(loadConfig({ path: file, env: {} }));
    expect(issueAt(err, 'database.sources.pg.sslmode').message).toBe('unknown key "sslmode".');
  });
});

describe('two sources on one PostgreSQL schema', () => {
  function sourcesErr(sources: Record<string, unknown>) {
    return configError(() => normalizeConfig({ default: Object.keys(sources)[0], sources }, { baseDir: BASE }));
  }

  it('two writable sources on one host/port/database/schema, whatever the user, scheme and host case', () => {
    const err = sourcesErr({
      a: { type: 'postgresql', url: 'postgres://bot@db1:5432/botdb' },
      b: { type: 'postgresql', url: 'postgresql://other@DB1/botdb' },
    });
    const issue = issueAt(err, 'database.sources.b.url');
    expect(issue.message).toContain('sources "a" and "b" are the same PostgreSQL schema');
    expect(issue.message).toContain('schema public');
    expect(issue.fix).toContain('Keep one source for the schema');
  });

  it('a writable and a readonly source on one schema are allowed: the readonly one reads in read-only sessions', () => {
    const { config } = normalizeConfig(
      {
        default: 'main',
        sources: {
          main: { type: 'postgresql', url: 'postgres://bot@db1/botdb' },
          ro: { type: 'postgresql', url: 'postgres://bot_ro@db1/botdb', readonly: true },
        },
      },
      { baseDir: BASE },
    );
    expect(config.sources.ro).toMatchObject({ type: 'postgresql', readonly: true });
  });

  it('another schema, database, port or host is another source', () => {
    const { config } = normalizeConfig(
      {
        default: 'a',
        sources: {
          a: { type: 'postgresql', url: 'postgres://bot@db1/botdb' },
          b: { type: 'postgresql', url: 'postgres://bot@db1/botdb', schema: 'archive' },
          c: { type: 'postgresql', url: 'postgres://bot@db1/otherdb' },
          d: { type: 'postgresql', url: 'postgres://bot@db1:5433/botdb' },
          e: { type: 'postgresql', url: 'postgres://bot@db2/botdb', readonly: true },
        },
      },
      { baseDir: BASE },
    );
    expect(Object.keys(config.sources)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a left-out port is 5432', () => {
    const err = sourcesErr({
      a: { type: 'postgresql', url: 'postgres://bot@db1/botdb' },
      b: { type: 'postgresql', url: 'postgres://bot@db1:5432/botdb' },
    });
    expect(issueAt(err, 'database.sources.b.url').message).toContain('"a" and "b"');
  });
});

describe("the later bot's [database.providers.<name>] dialect", () => {
  it('provider = "postgresql" with the bot\'s PostgreSQLProvider parameters (host, port, user, database, readOnly, timeout)', () => {
    const toml = `
[database]
default = "main"
[database.providers.main]
provider = "postgresql"
password-env = "BOTDB_PG_PASSWORD"
schema = "bot"
[database.providers.main.parameters]
host = "db1"
port = 5432
user = "bot"
database = "botdb"
readOnly = false
timeout = 20
keepConnection = true
`;
    const { config, warnings } = normalizeConfig(parseToml(toml), { baseDir: BASE });
    expect(config.sources.main).toEqual({
      ...DOCUMENTED_DEFAULTS,
      ...NO_REPLICAS,
      type: 'postgresql',
      url: 'postgres://bot@db1:5432/botdb',
      passwordEnv: 'BOTDB_PG_PASSWORD',
      schema: 'bot',
      timeout: 20,
    });
    expect(warnings.map((w) => w.key)).toEqual(['database.providers.main.parameters.keepConnection']);
  });

  it('its password parameter is refused; dbPath on a postgresql provider and url on a sqlite3 one are errors', () => {
    const err = configError(() =>
      normalizeConfig(
        {
          providers: {
            main: { provider: 'postgresql', parameters: { host: 'db1', password: 'x', dbPath: 'a.db' } },
            other: { provider: 'sqlite3', url: 'postgres://bot@db1/botdb', parameters: { dbPath: 'b.db' } },
          },
          default: 'main',
        },
        { baseDir: BASE },
      ),
    );
    expect(issueAt(err, 'database.providers.main.parameters.password').message).toContain(
      'never a password in the file',
    );
    const dbPath = issueAt(err, 'database.providers.main.parameters.dbPath');
    expect(dbPath.message).toContain('(provider = "postgresql")');
    expect(dbPath.fix).toContain('setting provider = "sqlite3"');
    const url = issueAt(err, 'database.providers.other.url');
    expect(url.message).toContain('a SQLite source (provider = "sqlite3")');
    expect(url.fix).toContain(
      'Set provider = "postgresql" or set provider = "mysql" or set provider = "redis" under [database.providers.other]',
    );
    expect(err.issues).toHaveLength(3);
  });
});
