/**
 * For MySQL/MariaDB test files: the server of mariadb-global-setup.ts, a database of the file's own, and the
 * rule for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 */
import { testSchemaName } from '@pkg/testkit';
import mysql, { type Pool, type PoolOptions } from 'mysql2/promise';

export { describeMariaDb, mariaDbUrlOrExplain } from '@pkg/testkit/vitest-mariadb';

/**
 * A pool on `database` (null: none) as the library's sessions run: UTC, strict, READ COMMITTED, BIGINT exact.
 * The URL's password, if any (BOTDB_TEST_MYSQL_URL may carry one), is used as it is: these are test clients.
 */
export function mysqlPool(url: string, database: string | null, options: PoolOptions = {}): Pool {
  const u = new URL(url);
  const pool = mysql.createPool({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ...(database === null ? {} : { database }),
    connectionLimit: 2,
    connectTimeout: 10_000,
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
    dateStrings: true,
    ...options,
  });
  pool.on('connection', (c) => {
    c.query(
      "SET SESSION time_zone = '+00:00', SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'",
    );
    c.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  });
  return pool;
}

/** A database of its own for a test file or test, dropped by `drop()`. */
export async function createTestDatabase(
  url: string,
  label: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = testSchemaName(label);
  const admin = mysqlPool(url, null, { connectionLimit: 1 });
  await admin.query(`CREATE DATABASE \`${name}\``);
  const withDb = new URL(url);
  withDb.pathname = `/${name}`;
  return {
    name,
    url: withDb.toString(),
    async drop() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await admin.end();
      }
    },
  };
}
