/** The MySQL engine's main-thread half and its password lookup (no server needed). */
import type { ConfigIssue } from '@pkg/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { mysqlPassword } from '../src/engines/mysql/connect.js';
import { mysqlEngine } from '../src/engines/mysql/index.js';

describe('the MySQL engine', () => {
  const saved = process.env.MYSQL_PWD;
  afterEach(() => {
    if (saved === undefined) delete process.env.MYSQL_PWD;
    else process.env.MYSQL_PWD = saved;
  });

  it('checkSpec: a mysql:// URL naming a database, without a password', () => {
    const check = (url: unknown) => {
      const issues: ConfigIssue[] = [];
      mysqlEngine.checkSpec({ url } as never, 'sources.main', issues);
      return issues.map((i) => i.message);
    };
    expect(check('mysql://bot@127.0.0.1:3306/bot')).toEqual([]);
    expect(check('mysql://bot:@127.0.0.1:3306/bot')).toEqual([]);
    expect(check('mysql://bot:secret@127.0.0.1:3306/bot')).toEqual(['must not carry a password.']);
    expect(check('mysql://bot@127.0.0.1:3306/')).toEqual(['must be a mysql:// URL naming a database.']);
    expect(check('postgres://bot@127.0.0.1/bot')).toEqual(['must be a mysql:// URL naming a database.']);
  });

  it('location and label: the URL without its password', () => {
    expect(mysqlEngine.label).toBe('MySQL');
    expect(mysqlEngine.location({ url: 'mysql://bot:secret@h:3306/bot?x=1' } as never)).toBe('mysql://bot@h:3306/bot');
  });

  it('the password: password-env (must be set), else MYSQL_PWD, else none', () => {
    const spec = { name: 'main', url: 'mysql://bot@h:3306/bot', readonly: false, timeoutMs: 1000 };
    process.env.BOTDB_TEST_MYSQL_ENGINE_PW = 'from-env';
    expect(mysqlPassword({ ...spec, passwordEnv: 'BOTDB_TEST_MYSQL_ENGINE_PW' })).toBe('from-env');
    expect(() => mysqlPassword({ ...spec, passwordEnv: 'BOTDB_TEST_MYSQL_UNSET_PW' })).toThrow(
      /password-env names BOTDB_TEST_MYSQL_UNSET_PW, which is not set/,
    );
    process.env.MYSQL_PWD = 'from-mysql-pwd';
    expect(mysqlPassword({ ...spec, passwordEnv: null })).toBe('from-mysql-pwd');
    delete process.env.MYSQL_PWD;
    expect(mysqlPassword({ ...spec, passwordEnv: null })).toBeUndefined();
  });
});
