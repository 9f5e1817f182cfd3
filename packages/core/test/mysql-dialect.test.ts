/**
 * The MySQL dialect's texts and MySQL's bot plans on the real server (MariaDB here), in the schema prepare
 * creates: upserts (with the reserved `key`), the 'nothing' form counting 0 for a duplicate under mysql2's
 * CLIENT_FOUND_ROWS, the TTL bound, row tuples, character length; saveChatMessageIfNew stores and counts a
 * message once when two sessions save it at once; claims of two processes at once are disjoint and neither waits.
 * The plans are driven here by a few lines (each atomic step a transaction on one connection); the engine's
 * runner drives them in the library.
 */
import { DIALECTS, isAtomic, type Plan, type Query } from '@pkg/broker/operation';
import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareMysql } from '../src/engines/mysql/prepare.js';
import { BOT_PLANS } from '../src/engines/registry.js';
import { COUNT_CHAT_DAY, INSERT_MESSAGE } from '../src/operations/message-statements.js';
import { createTestDatabase, describeMariaDb, mysqlPool } from './mysql-harness.js';

const d = DIALECTS.mysql;
const plans = BOT_PLANS.mysql;

describe('the MySQL dialect text', () => {
  it('quotes reserved names and writes ON DUPLICATE KEY UPDATE with VALUES(col)', () => {
    const text = d.upsert({
      table: 'settings',
      columns: ['key', 'value'],
      key: ['key'],
      onConflict: { value: 'inserted', updated_at: 'now' },
    });
    expect(text).toBe(
      'INSERT INTO settings (`key`, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = CURRENT_TIMESTAMP',
    );
    expect(d.identifier('key')).toBe('`key`');
    expect(d.identifier('chat_id')).toBe('chat_id');
    expect(d.tupleIn(['chat_id', 'message_id'], 2)).toBe('(chat_id, message_id) IN ((?, ?), (?, ?))');
    expect(d.charLength('m.message_id')).toBe('CHAR_LENGTH(m.message_id)');
  });

  it('binds named raw parameters as ? in order, outside quotes and comments', () => {
    const bound = d.bindRaw(
      'db.query',
      "SELECT ':no', `@no`, @@session.time_zone FROM t -- :no\nWHERE a = :a AND b = @b OR c = :a # :no\n/* :no */",
      [{ a: 1, b: 'x' }],
    );
    expect(bound.text).toBe(
      "SELECT ':no', `@no`, @@session.time_zone FROM t -- :no\nWHERE a = ? AND b = ? OR c = ? # :no\n/* :no */",
    );
    expect(bound.values).toEqual([1, 'x', 1]);
    expect(() => d.bindRaw('db.query', 'SELECT :missing', [{}])).toThrow(/INVALID_ARGUMENT|no value/);
    expect(d.bindRaw('db.query', 'SELECT ?', [true])).toEqual({ text: 'SELECT ?', values: [true] });
  });
});

/** Runs a plan: each atomic step is a transaction on one connection, each query a statement. */
async function drive<R>(pool: Pool, plan: Plan<R>): Promise<R> {
  const conn = await pool.getConnection();
  try {
    let step = plan.next();
    while (!step.done) {
      const s = step.value;
      const queries = isAtomic(s) ? s.atomic : [s];
      await conn.query('START TRANSACTION');
      try {
        const answers = [];
        for (const query of queries) answers.push(await run(conn, query));
        await conn.query('COMMIT');
        step = plan.next(isAtomic(s) ? answers : answers[0]);
      } catch (e) {
        await conn.query('ROLLBACK');
        throw e;
      }
    }
    return step.value;
  } finally {
    conn.release();
  }
}

async function run(conn: PoolConnection, query: Query): Promise<unknown> {
  const text = typeof query.text === 'string' ? query.text : query.text.mysql;
  const [result] = await conn.query(text, [...query.params]);
  if (query.mode === 'run') return { changes: (result as ResultSetHeader).affectedRows };
  const rows = result as Record<string, unknown>[];
  return query.mode === 'get' ? rows[0] : rows;
}

describeMariaDb('the MySQL dialect and plans on the real server', (serverUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase(serverUrl, 'mysql-dialect');
    pool = mysqlPool(serverUrl, db.name, { connectionLimit: 4 });
    await prepareMysql(pool, { name: 'main', readonly: false }, 'test');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  const q = async <R>(sql: string, values: unknown[] = []) => (await pool.query(sql, values))[0] as R;

  it('upserts by a reserved-word key, replacing only the columns named', async () => {
    const text = d.upsert({
      table: 'settings',
      columns: ['key', 'value'],
      key: ['key'],
      onConflict: { value: 'inserted', updated_at: 'now' },
    });
    await q(text, ['k', 'one']);
    await q(text, ['k', 'two']);
    expect(await q('SELECT `key`, value FROM settings WHERE `key` = ?', ['k'])).toEqual([{ key: 'k', value: 'two' }]);
  });

  it("'nothing' keeps the stored row and counts 0 for a duplicate, though mysql2 sets CLIENT_FOUND_ROWS", async () => {
    const text = d.upsert({
      table: 'chat_info',
      columns: ['chat_id', 'type'],
      key: ['chat_id'],
      onConflict: 'nothing',
    });
    expect((await q<ResultSetHeader>(text, [7, 'group'])).affectedRows).toBe(1);
    expect((await q<ResultSetHeader>(text, [7, 'private'])).affectedRows).toBe(0);
    expect(await q('SELECT type FROM chat_info WHERE chat_id = 7')).toEqual([{ type: 'group' }]);
    // Any other error still fails (not INSERT IGNORE): a key over its limit is refused, not cut.
    const long = d.upsert({ table: 'settings', columns: ['key', 'value'], key: ['key'], onConflict: 'nothing' });
    await expect(q(long, ['k'.repeat(513), 'v'])).rejects.toMatchObject({ errno: 1406 });
  });

  it('counts by day with the counter upsert (n = n + 1)', async () => {
    for (let i = 0; i < 3; i++) await q(COUNT_CHAT_DAY.mysql, [5, '2025-01-02 00:00:00']);
    expect(await q('SELECT messages_count AS n FROM chat_stats WHERE chat_id = 5')).toEqual([{ n: 3 }]);
  });

  it('bounds a TTL to the whole second, as SQLite does (a fractional ttl included)', async () => {
    const [row] = await q<{ bound: string; now: string }[]>(
      `SELECT ${d.secondsAgo('?')} AS bound, DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f') AS now`,
      [1.5],
    );
    const now = Date.parse(`${row?.now.replace(' ', 'T')}Z`);
    const expected = Math.floor((now - 1500) / 1000) * 1000;
    // The two calls to NOW(6) are one statement: the same instant.
    expect(Date.parse(`${String(row?.bound).replace(' ', 'T')}Z`)).toBe(expected);
  });

  it('finds rows by tuples and counts characters, not bytes', async () => {
    await q("INSERT INTO chat_info (chat_id, type, title) VALUES (8, 'group', 'ёж😀')");
    const rows = await q<{ n: number }[]>(
      `SELECT ${d.charLength('title')} AS n FROM chat_info WHERE ${d.tupleIn(['chat_id', 'type'], 2)}`,
      [8, 'group', 9, 'x'],
    );
    expect(rows).toEqual([{ n: 3 }]);
  });

  describe('saveChatMessageIfNew', () => {
    const message = (id: string) => [
      100,
      id,
      '2025-01-02 10:00:00',
      1,
      null,
      0,
      null,
      'hi',
      'text',
      'user',
      null,
      null,
    ];
    beforeAll(async () => {
      await q("INSERT INTO chat_users (chat_id, user_id, username, full_name) VALUES (100, 1, 'u', 'U')");
    });
    const save = (id: string) =>
      drive(
        pool,
        plans.saveChatMessageIfNew({ message: message(id), chatId: 100, userId: 1, day: '2025-01-02 00:00:00' }),
      );

    it('stores and counts a new message; a second save of it stores and counts nothing', async () => {
      expect(await save('m1')).toBe(true);
      expect(await save('m1')).toBe(false);
      expect(await q('SELECT messages_count AS n FROM chat_users WHERE chat_id = 100')).toEqual([{ n: 1 }]);
      expect(await q('SELECT messages_count AS n FROM chat_stats WHERE chat_id = 100')).toEqual([{ n: 1 }]);
      expect(await q('SELECT messages_count AS n FROM chat_user_stats WHERE chat_id = 100')).toEqual([{ n: 1 }]);
    });

    it('stores and counts once when several sessions save the same messages at once', async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
      const results = await Promise.all(ids.flatMap((id) => [save(id), save(id), save(id)]));
      expect(results.filter(Boolean)).toHaveLength(ids.length);
      expect(await q('SELECT messages_count AS n FROM chat_users WHERE chat_id = 100')).toEqual([{ n: 11 }]);
      expect(await q('SELECT messages_count AS n FROM chat_stats WHERE chat_id = 100')).toEqual([{ n: 11 }]);
    });

    it('uses the message statement the other engines use', () => {
      expect(INSERT_MESSAGE).toContain('INSERT INTO chat_messages');
    });
  });

  describe('claimDelayedTasks', () => {
    beforeAll(async () => {
      for (let i = 0; i < 8; i++) {
        await q("INSERT INTO delayed_tasks (id, delayed_ts, `function`, kwargs) VALUES (?, 0, 'f', '{}')", [`t${i}`]);
      }
    });

    it('gives two processes claiming at once disjoint tasks, in insertion order, without waiting', async () => {
      const started = Date.now();
      const [a, b] = await Promise.all([
        drive(pool, plans.claimDelayedTasks('A', 3)),
        drive(pool, plans.claimDelayedTasks('B', 3)),
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
      const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
      expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
      expect(ids(a).length + ids(b).length).toBe(6);
      expect([...ids(a), ...ids(b)].sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
      // A claim again: its own tasks back, nothing of B's.
      expect(ids(await drive(pool, plans.claimDelayedTasks('A', 10)))).toEqual([...ids(a), 't6', 't7']);
    });
  });
});
