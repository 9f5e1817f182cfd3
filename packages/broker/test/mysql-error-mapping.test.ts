/**
 * The MySQL engine's error mapping (engines/mysql/errors.ts), fed the errors a real MariaDB server and mysql2
 * give: each mapped code from the real thing, not a hand-made object. The library's own calls that meet them
 * (duplicate keys, timeouts, lock waits, lost connections) are tested end to end in core's MySQL tests and the
 * engine fault suite.
 */
import { DatabaseError } from '@pkg/errors';
import { describeMariaDb } from '@pkg/testkit/vitest-mariadb';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isConnectionLost, isLockConflict, mysqlOpenFailed, toMysqlError } from '../src/engines/mysql/errors.js';

const SPEC = { name: 'main', url: 'mysql://bot@127.0.0.1:3306/bot', timeoutMs: 2_000, passwordEnv: null };
const DB = `t_error_mapping_${process.pid}`;

describeMariaDb('MySQL errors as the library codes', (serverUrl) => {
  const u = new URL(serverUrl);
  const options = {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
  const connect = (extra: object = {}) => mysql.createConnection({ ...options, database: DB, ...extra });
  let a: Connection;
  let b: Connection;

  /** The error `work` rejects with (it must reject). */
  async function failure(work: Promise<unknown>): Promise<unknown> {
    try {
      await work;
    } catch (e) {
      return e;
    }
    throw new Error('expected the statement to fail');
  }

  beforeAll(async () => {
    const admin = await mysql.createConnection(options);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${DB}\``);
    await admin.end();
    a = await connect();
    b = await connect();
    await a.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES', SESSION innodb_lock_wait_timeout = 1");
    await b.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES', SESSION innodb_lock_wait_timeout = 1");
    await a.query('CREATE TABLE kv (k VARCHAR(255) PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB');
    await a.query("INSERT INTO kv VALUES ('x', 1), ('y', 2)");
  });
  afterAll(async () => {
    await a?.query(`DROP DATABASE IF EXISTS \`${DB}\``).catch(() => undefined);
    await a?.end().catch(() => undefined);
    await b?.end().catch(() => undefined);
  });

  it('a duplicate key (1062) and NOT NULL (1048) are QUERY_FAILED with details.constraint', async () => {
    const dup = toMysqlError(SPEC, 'saveChatMessage', await failure(a.query("INSERT INTO kv VALUES ('x', 3)")));
    expect(dup).toBeInstanceOf(DatabaseError);
    expect(dup).toMatchObject({
      code: 'QUERY_FAILED',
      details: { errno: 1062, sqlstate: '23000', constraint: true, operation: 'saveChatMessage', source: 'main' },
    });
    expect(dup.message).toContain('ER_DUP_ENTRY 1062');
    const nul = toMysqlError(SPEC, 'x', await failure(a.query("INSERT INTO kv VALUES ('z', NULL)")));
    expect(nul).toMatchObject({ code: 'QUERY_FAILED', details: { errno: 1048, constraint: true } });
    const syntax = toMysqlError(SPEC, 'x', await failure(a.query('SELEC 1')));
    expect(syntax).toMatchObject({ code: 'QUERY_FAILED', details: { errno: 1064, constraint: false } });
  });

  it('max_statement_time (1969) is QUERY_TIMEOUT', async () => {
    const e = await failure(a.query('SET STATEMENT max_statement_time = 0.2 FOR SELECT SLEEP(2) FROM kv'));
    expect((e as { errno: number }).errno).toBe(1969);
    expect(toMysqlError(SPEC, 'getChatMessages', e)).toMatchObject({
      code: 'QUERY_TIMEOUT',
      details: { source: 'main', operation: 'getChatMessages', timeoutMs: 2_000 },
    });
  });

  it('a write in a read-only transaction (1792) is READONLY_SOURCE', async () => {
    await a.query('START TRANSACTION READ ONLY');
    const e = await failure(a.query("UPDATE kv SET v = 9 WHERE k = 'x'"));
    await a.query('ROLLBACK');
    expect((e as { errno: number }).errno).toBe(1792);
    expect(toMysqlError(SPEC, 'setSetting', e)).toMatchObject({ code: 'READONLY_SOURCE' });
  });

  it('a lock wait timeout (1205) and a deadlock (1213) are QUERY_FAILED with their number, and lock conflicts', async () => {
    await a.query('START TRANSACTION');
    await a.query("UPDATE kv SET v = v + 1 WHERE k = 'x'");
    const wait = await failure(b.query("UPDATE kv SET v = v + 1 WHERE k = 'x'"));
    expect(isLockConflict(wait)).toBe(true);
    expect(toMysqlError(SPEC, 'w', wait)).toMatchObject({ code: 'QUERY_FAILED', details: { errno: 1205 } });

    // A deadlock: each session holds one row and asks for the other's.
    await b.query('START TRANSACTION');
    await b.query("UPDATE kv SET v = v + 1 WHERE k = 'y'");
    const first = a.query("UPDATE kv SET v = v + 1 WHERE k = 'y'").catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = b.query("UPDATE kv SET v = v + 1 WHERE k = 'x'").catch((e: unknown) => e);
    const outcomes = await Promise.all([first, second]);
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
    const deadlock = outcomes.find((o) => (o as { errno?: number } | undefined)?.errno === 1213);
    expect(deadlock, JSON.stringify(outcomes)).toBeDefined();
    expect(isLockConflict(deadlock)).toBe(true);
    const mapped = toMysqlError(SPEC, 'w', deadlock);
    expect(mapped).toMatchObject({ code: 'QUERY_FAILED', details: { errno: 1213, constraint: false } });
    expect(mapped.message).toContain('deadlock');
  });

  it('a too-long key (1406 in strict mode) is INVALID_ARGUMENT naming the column and its limit', async () => {
    await a.query('CREATE TABLE short_keys (`key` VARCHAR(4) PRIMARY KEY)');
    const e = await failure(a.query("INSERT INTO short_keys VALUES ('longer')"));
    expect(toMysqlError(SPEC, 'setSetting', e)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { operation: 'setSetting', argument: 'key' },
    });
  });

  it('a killed connection (1927 / lost) and a refused one (ECONNREFUSED) are SOURCE_UNAVAILABLE', async () => {
    const victim = await connect();
    const [[row]] = (await victim.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
    const running = failure(victim.query('SELECT SLEEP(5)'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await a.query(`KILL CONNECTION ${row.id}`);
    const killed = await running;
    victim.destroy();
    expect(isConnectionLost(killed)).toBe(true);
    const mapped = toMysqlError(SPEC, 'getChatUser', killed);
    expect(mapped.code).toBe('SOURCE_UNAVAILABLE');
    expect(mapped.message).toContain('a read is tried once more, a write is not');

    // A port nothing listens on: the server's own port + 1 is free on a throwaway server (or refused anyway).
    const refused = await failure(mysql.createConnection({ ...options, port: 1, connectTimeout: 2_000 }));
    expect(toMysqlError(SPEC, 'x', refused).code).toBe('SOURCE_UNAVAILABLE');
    expect(mysqlOpenFailed(SPEC, refused)).toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
    expect(mysqlOpenFailed(SPEC, refused).message).toContain('check host and port in url');
  });

  it('open failures: a refused login (1045) and a missing database (1049) are SOURCE_OPEN_FAILED naming the fix', async () => {
    const login = await failure(mysql.createConnection({ ...options, user: 'no_such_user_botdb', password: 'x' }));
    expect((login as { errno: number }).errno).toBe(1045);
    const refusedLogin = mysqlOpenFailed({ ...SPEC, passwordEnv: 'BOT_DB_PW' }, login);
    expect(refusedLogin).toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
    expect(refusedLogin.message).toContain('the password in BOT_DB_PW');
    expect(refusedLogin.message).not.toContain("'x'");

    const missing = await failure(mysql.createConnection({ ...options, database: 'no_such_database_botdb' }));
    expect((missing as { errno: number }).errno).toBe(1049);
    expect(mysqlOpenFailed(SPEC, missing)).toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
    expect(mysqlOpenFailed(SPEC, missing).message).toContain('CREATE DATABASE');
  });
});
