/** Issue #17: MySQL/MariaDB sources (`type = "mysql"`): keys, defaults, one message per bad key, every dialect. */
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { type DatabaseConfigInput, normalizeConfig, validateDatabaseConfig } from '../src/index.js';
import { configError, DOCUMENTED_DEFAULTS, issueAt } from './helpers.js';

const BASE = path.resolve('/srv/bot');

const ISSUE_TOML = `
[database]
default = "shared"

[database.sources.shared]
type = "mysql"
url = "mysql://bot@db1:3306/botdb"
password-env = "BOTDB_MYSQL_PASSWORD"
pool-size = 8
timeout = 20.0
query-timeout = 15.0

[database.sources.reports]
type = "mysql"
url = "mysql://bot_ro@db1:3306/botdb"
readonly = true

[database.sources.local]
path = "bot.db"
`;

function myErr(source: Record<string, unknown>) {
  return configError(() => normalizeConfig({ database: { sources: { my: source } } }, { baseDir: BASE }));
}

function myIssue(source: Record<string, unknown>, key: string) {
  return issueAt(myErr(source), `database.sources.my.${key}`);
}

describe('a valid MySQL source', () => {
  it('the example normalises with its defaults, next to a readonly one on the same database and a SQLite source', () => {
    const { config, warnings } = normalizeConfig(parseToml(ISSUE_TOML), { baseDir: BASE });
    expect(warnings).toEqual([]);
    expect(config.sources.shared).toEqual({
      ...DOCUMENTED_DEFAULTS,
      type: 'mysql',
      url: 'mysql://bot@db1:3306/botdb',
      passwordEnv: 'BOTDB_MYSQL_PASSWORD',
      poolSize: 8,
      timeout: 20,
      queryTimeout: 15,
    });
    expect(config.sources.reports).toEqual({
      ...DOCUMENTED_DEFAULTS,
      type: 'mysql',
      url: 'mysql://bot_ro@db1:3306/botdb',
      passwordEnv: null,
      readonly: true,
    });
  });

  it('through the constructor-style object, camelCase and kebab-case alike', () => {
    const camel: DatabaseConfigInput = {
      sources: { m: { type: 'mysql', url: 'mysql://bot@db1/botdb', passwordEnv: 'P', poolSize: 3 } },
    };
    const kebab: DatabaseConfigInput = {
      sources: { m: { type: 'mysql', url: 'mysql://bot@db1/botdb', 'password-env': 'P', 'pool-size': 3 } },
    };
    for (const input of [camel, kebab]) {
      expect(validateDatabaseConfig(input).config.sources.m).toMatchObject({
        type: 'mysql',
        url: 'mysql://bot@db1/botdb',
        passwordEnv: 'P',
        poolSize: 3,
      });
    }
  });

  it('the later bot\'s [database.providers.<name>] provider = "mysql" with host/port/user/database parameters', () => {
    const { config } = normalizeConfig(
      {
        database: {
          default: 'main',
          providers: {
            main: {
              provider: 'mysql',
              parameters: { host: 'db1', port: 3307, user: 'bot', database: 'botdb' },
            },
          },
        },
      },
      { baseDir: BASE },
    );
    expect(config.sources.main).toMatchObject({ type: 'mysql', url: 'mysql://bot@db1:3307/botdb', passwordEnv: null });
  });
});

describe('one message per bad key, naming the key, the source and the fix', () => {
  it('a password in the URL (user:password@ or a query parameter) is refused and never repeated', () => {
    for (const url of ['mysql://bot:s3cret@db1:3306/botdb', 'mysql://bot@db1:3306/botdb?Password=s3cret']) {
      const issue = myIssue({ type: 'mysql', url }, 'url');
      expect(issue.message).toContain('the URL of source "my" holds a password');
      expect(issue.message).toContain('never a password in the file');
      expect(JSON.stringify(issue)).not.toContain('s3cret');
      expect(issue.fix).toContain('Write the URL without it (mysql://bot@db1:3306/botdb)');
      expect(issue.fix).toContain('password-env = "BOTDB_MYSQL_PASSWORD"');
    }
  });

  it('a password key is refused with where the password comes from instead', () => {
    const issue = myIssue({ type: 'mysql', url: 'mysql://bot@db1/botdb', password: 'x' }, 'password');
    expect(issue.message).toContain('never a password in the file');
    expect(issue.fix).toContain('password-env');
  });

  it('url missing, of another scheme, without a database or a user, with a parameter', () => {
    expect(myIssue({ type: 'mysql' }, 'url').message).toBe('MySQL source "my" has no url.');
    expect(myIssue({ type: 'mysql', url: 'postgres://bot@db1/botdb' }, 'url').message).toContain(
      'must start with mysql://',
    );
    const noDb = myIssue({ type: 'mysql', url: 'mysql://bot@db1:3306/' }, 'url');
    expect(noDb.message).toContain('names no database');
    expect(noDb.fix).toContain('CREATE DATABASE botdb CHARACTER SET utf8mb4');
    expect(myIssue({ type: 'mysql', url: 'mysql://bot@db1/a/b' }, 'url').message).toContain(
      'not a plain MySQL database name',
    );
    expect(myIssue({ type: 'mysql', url: 'mysql://db1/botdb' }, 'url').message).toContain('names no user');
    const param = myIssue({ type: 'mysql', url: 'mysql://bot@db1/botdb?multipleStatements=true' }, 'url');
    expect(param.message).toContain('query parameter "multipleStatements" is not allowed');
    expect(param.message).not.toContain('true');
  });

  it('password-env must be a variable name', () => {
    const issue = myIssue(
      { type: 'mysql', url: 'mysql://bot@db1/botdb', 'password-env': 'not a name' },
      'password-env',
    );
    expect(issue.message).toContain('must be the name of an environment variable');
  });

  it('schema (a PostgreSQL key) and path (a SQLite key) on a MySQL source', () => {
    const err = myErr({ type: 'mysql', url: 'mysql://bot@db1/botdb', schema: 'public', path: 'bot.db' });
    expect(issueAt(err, 'database.sources.my.schema').message).toBe(
      '"schema" is a setting of PostgreSQL sources, but source "my" is a MySQL source (type = "mysql"), which connects with url.',
    );
    expect(issueAt(err, 'database.sources.my.path').fix).toContain('set url = "mysql://bot@db1:3306/botdb"');
  });

  it('two writable sources on one database are refused (user, host case and the default port do not matter)', () => {
    const err = configError(() =>
      normalizeConfig(
        {
          database: {
            default: 'a',
            sources: {
              a: { type: 'mysql', url: 'mysql://bot@DB1/botdb' },
              b: { type: 'mysql', url: 'mysql://other@db1:3306/botdb' },
            },
          },
        },
        { baseDir: BASE },
      ),
    );
    const issue = issueAt(err, 'database.sources.b.url');
    expect(issue.message).toContain('sources "a" and "b" are the same MySQL database');
    expect(issue.fix).toContain('give "b" another database');
  });

  it('a readonly source beside a writable one on one database is allowed; another database is another store', () => {
    const { config } = normalizeConfig(
      {
        database: {
          default: 'a',
          sources: {
            a: { type: 'mysql', url: 'mysql://bot@db1/botdb' },
            ro: { type: 'mysql', url: 'mysql://bot_ro@db1/botdb', readonly: true },
            c: { type: 'mysql', url: 'mysql://bot@db1/other' },
          },
        },
      },
      { baseDir: BASE },
    );
    expect(Object.keys(config.sources)).toEqual(['a', 'ro', 'c']);
  });
});
