/**
 * For MySQL/MariaDB test files: the server of mariadb-global-setup.ts, databases of the test's own, and the
 * rule for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 */
import { testSchemaName } from '@pkg/testkit';
import mysql, { type Pool } from 'mysql2/promise';

export { describeMariaDb, mariaDbUrlOrExplain } from '@pkg/testkit/vitest-mariadb';

/** The env variable a test config names in password-env when the server URL carries a password. */
export const MYSQL_PASSWORD_ENV = 'BOTDB_TEST_MYSQL_PASSWORD';

/** A client of the test server on `database`, in UTC, DATETIME as text, BIGINT exact. */
export function mysqlPool(url: string, database: string | null): Pool {
  const u = new URL(url);
  const pool = mysql.createPool({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ...(database === null ? {} : { database }),
    connectionLimit: 1,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  pool.on('connection', (c) => {
    c.query("SET SESSION time_zone = '+00:00'");
  });
  return pool;
}

/**
 * A new database on the test server, and the TOML lines of a source on it (no password in the URL: it goes
 * through password-env); `drop()` removes it.
 */
export async function testDatabase(
  url: string,
  label: string,
): Promise<{ name: string; url: string; toml: string; drop(): Promise<void> }> {
  const name = testSchemaName(label);
  const admin = mysqlPool(url, null);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  if (password !== '') process.env[MYSQL_PASSWORD_ENV] = password;
  u.password = '';
  u.pathname = `/${name}`;
  const sourceUrl = u.toString();
  return {
    name,
    url: sourceUrl,
    toml: `type = "mysql"\nurl = "${sourceUrl}"\n${password === '' ? '' : `password-env = "${MYSQL_PASSWORD_ENV}"\n`}`,
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await admin.end();
      }
    },
  };
}
