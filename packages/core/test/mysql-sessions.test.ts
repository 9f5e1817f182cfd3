/**
 * The sessions the broker's connectMysql opens (botdb's, and the settings a worker's must match), on the real
 * server: UTC, strict (a too-long key refused, never cut), BIGINT exact (beyond 2^53 handed over as a bigint
 * for the caller to refuse, never rounded), DATETIME as its UTC text, read-only sessions for a readonly source;
 * and the move writer's conversions, which refuse what a column cannot hold exactly.
 */
import { connectMysql, mysqlOpenError } from '@pkg/broker/engines';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bad, converter } from '../src/engines/mysql/move-values.js';
import { prepareMysql } from '../src/engines/mysql/prepare.js';
import { createTestDatabase, describeMariaDb } from './mysql-harness.js';

describe('values moved into MySQL columns', () => {
  it('BIGINT takes safe integers (also as text or bigint) and refuses the rest, never rounded', () => {
    const big = converter('bigint', 'bigint(20)');
    expect(big?.(42)).toBe(42);
    expect(big?.('-1001000000011')).toBe(-1001000000011);
    expect(big?.(2n ** 40n)).toBe(2 ** 40);
    expect(big?.(2n ** 53n + 1n)).toBe(bad);
    expect(big?.('9007199254740993')).toBe(bad);
    expect(big?.(1.5)).toBe(bad);
  });

  it('flags, timestamps, doubles and text', () => {
    const flag = converter('tinyint', 'tinyint(1)');
    expect([flag?.(true), flag?.(false), flag?.(1), flag?.('0'), flag?.(2)]).toEqual([1, 0, 1, 0, bad]);
    const at = converter('datetime', 'datetime');
    expect(at?.('2025-11-02 03:04:05')).toBe('2025-11-02 03:04:05');
    expect(at?.(new Date('2025-11-02T03:04:05.900Z'))).toBe('2025-11-02 03:04:05');
    expect(at?.('2025-11-02T06:04:05+03:00')).toBe('2025-11-02 03:04:05');
    expect(at?.('last tuesday')).toBe(bad);
    const dbl = converter('double', 'double');
    expect([dbl?.(0.25), dbl?.('1e3'), dbl?.(Number.NaN)]).toEqual([0.25, 1000, bad]);
    const text = converter('varchar', 'varchar(255)');
    expect([text?.('x'), text?.(12), text?.({})]).toEqual(['x', '12', bad]);
  });
});

describeMariaDb('connectMysql sessions on the real server', (serverUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const base = { name: 'main', passwordEnv: null, timeoutMs: 10_000 };
  beforeAll(async () => {
    db = await createTestDatabase(serverUrl, 'mysql-sessions');
    const u = new URL(db.url);
    if (u.password !== '') {
      process.env.BOTDB_TEST_MYSQL_SESSIONS_PW = decodeURIComponent(u.password);
      u.password = '';
    }
    pool = connectMysql({
      ...base,
      url: u.toString(),
      passwordEnv: process.env.BOTDB_TEST_MYSQL_SESSIONS_PW === undefined ? null : 'BOTDB_TEST_MYSQL_SESSIONS_PW',
      readonly: false,
    });
    await prepareMysql(pool, { name: 'main', readonly: false }, 'test');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs in UTC, strict, READ COMMITTED, literals compared byte-wise as the columns are', async () => {
    const [[row]] = (await pool.query(
      `SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, @@session.tx_isolation AS iso,
        ? = ? AS spaced, ? = ? AS cased`,
      ['a', 'a ', 'a', 'A'],
    )) as unknown as [[{ tz: string; mode: string; iso: string; spaced: number; cased: number }]];
    expect(row.tz).toBe('+00:00');
    expect(row.mode).toContain('STRICT_ALL_TABLES');
    expect(row.iso).toBe('READ-COMMITTED');
    expect([Number(row.spaced), Number(row.cased)]).toEqual([0, 0]);
  });

  it('reads BIGINT exactly: a safe integer as a number, beyond 2^53 as a bigint (never a rounded number)', async () => {
    await pool.query('INSERT INTO chat_info (chat_id, type) VALUES (?, ?), (?, ?)', [
      -1001000000011,
      'group',
      2n ** 53n + 1n,
      'group',
    ]);
    const [rows] = (await pool.query('SELECT chat_id FROM chat_info ORDER BY chat_id')) as unknown as [
      { chat_id: unknown }[],
    ];
    expect(rows.map((r) => r.chat_id)).toEqual([-1001000000011, 2n ** 53n + 1n]);
  });

  it('reads DATETIME as the stored UTC text, whatever the process zone', async () => {
    await pool.query("INSERT INTO chat_stats (chat_id, date) VALUES (1, '2025-11-02 03:04:05')");
    const [[row]] = (await pool.query('SELECT date FROM chat_stats WHERE chat_id = 1')) as unknown as [
      [{ date: unknown }],
    ];
    expect(row.date).toBe('2025-11-02 03:04:05');
  });

  it('a readonly source: the server refuses its writes', async () => {
    const u = new URL(db.url);
    u.password = '';
    const ro = connectMysql({
      ...base,
      url: u.toString(),
      passwordEnv: process.env.BOTDB_TEST_MYSQL_SESSIONS_PW === undefined ? null : 'BOTDB_TEST_MYSQL_SESSIONS_PW',
      readonly: true,
    });
    try {
      await expect(ro.query("INSERT INTO settings (`key`, value) VALUES ('ro', 'x')")).rejects.toMatchObject({
        errno: 1792,
      });
      expect(await prepareMysql(ro, { name: 'ro', readonly: true }, 'test')).toEqual({});
    } finally {
      await ro.end();
    }
  });

  it('a refused login is SOURCE_OPEN_FAILED naming where the password comes from, never the password', async () => {
    process.env.BOTDB_TEST_WRONG_PW = 'definitely-wrong-password';
    const u = new URL(db.url);
    u.password = '';
    u.username = 'botdb_no_such_user';
    const target = { ...base, url: u.toString(), passwordEnv: 'BOTDB_TEST_WRONG_PW', readonly: false };
    const wrong = connectMysql(target);
    try {
      const error = await wrong.query('SELECT 1').catch((e: unknown) => e);
      const mapped = mysqlOpenError(target, error);
      expect(mapped).toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
      expect(mapped?.message).toContain('BOTDB_TEST_WRONG_PW');
      expect(mapped?.message).not.toContain('definitely-wrong-password');
    } finally {
      await wrong.end();
    }
  });

  it('a password-env that is not set is SOURCE_OPEN_FAILED naming the variable', () => {
    expect(() =>
      connectMysql({ ...base, url: db.url, passwordEnv: 'BOTDB_TEST_UNSET_VARIABLE_X', readonly: false }),
    ).toThrow(/BOTDB_TEST_UNSET_VARIABLE_X, which is not set/);
  });
});
