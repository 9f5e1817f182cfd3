/**
 * The MySQL/MariaDB schema on the real server: what prepare creates (types, collation, keys), that text compares
 * and sorts as SQLite's bytes do (case, accents, trailing spaces), that a key longer than its column is refused
 * and never cut, that processes starting at once create the schema once, and the readonly checks.
 */
import { tooLongError } from '@pkg/broker';
import Database from 'better-sqlite3';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateMysqlV6 } from '../src/engines/mysql/migrate.js';
import { prepareMysql } from '../src/engines/mysql/prepare.js';
import { collationFor, MYSQL_KEY_LENGTHS, mysqlSchemaV6, unsupportedServer } from '../src/engines/mysql/schema.js';
import { SCHEMA_VERSION, V6_TABLES } from '../src/schema/bot-schema.js';
import { createTestDatabase, describeMariaDb, mysqlPool } from './mysql-harness.js';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

describe('the MySQL schema text', () => {
  it('has one table per v6 table in order, then the library table', () => {
    expect(mysqlSchemaV6('utf8mb4_nopad_bin').map((t) => t.table)).toEqual([...V6_TABLES, 'delayed_task_claims']);
  });

  it('picks the binary NO PAD collation per server', () => {
    expect(collationFor('10.11.19-MariaDB-0+deb12u1')).toBe('utf8mb4_nopad_bin');
    expect(collationFor('8.0.36')).toBe('utf8mb4_0900_bin');
    expect(unsupportedServer('10.5.2-MariaDB')).toMatch(/10\.6 or later/);
    expect(unsupportedServer('10.6.0-MariaDB')).toBeNull();
    expect(unsupportedServer('11.4.2-MariaDB')).toBeNull();
    expect(unsupportedServer('5.7.44')).toMatch(/8\.0 or later/);
    expect(unsupportedServer('8.4.0')).toBeNull();
  });

  it('keeps every key within InnoDB 3072 bytes at 4 bytes per character', () => {
    const L = MYSQL_KEY_LENGTHS;
    const keys = [
      4 * L.key, // settings, cache_<type>
      8 + 4 * L.message_id, // chat_messages
      8 + 4 * L.key, // chat_settings
      16 + 4 * L.key, // user_data
      16 + 4 * L.message_id, // spam_messages, ham_messages
      4 * L.csid,
      16 + 4 * (L.first_message_id + L.last_message_id + 250), // chat_summarization_cache_ctfl_index
      4 * L.token + 8, // bayes_tokens_key
      4 * (L.namespace + L.key), // cache_storage
    ];
    for (const bytes of keys) expect(bytes).toBeLessThanOrEqual(3072);
  });
});

describeMariaDb('the MySQL schema on the real server', (serverUrl) => {
  let db: Db;
  let pool: Pool;
  let collation: string;

  beforeAll(async () => {
    db = await createTestDatabase(serverUrl, 'mysql-schema');
    pool = mysqlPool(serverUrl, db.name);
    expect(await prepareMysql(pool, { name: 'main', readonly: false }, 'test')).toEqual({});
    const [[row]] = (await pool.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    collation = collationFor(row.v);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function q<R>(sql: string, values?: unknown[]): Promise<R[]> {
    const [rows] = await pool.query(sql, values);
    return rows as R[];
  }

  it('creates every v6 table, the library table and the version marker', async () => {
    const tables = await q<{ t: string }>(
      'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY t',
    );
    expect(tables.map((r) => r.t).sort()).toEqual([...V6_TABLES, 'delayed_task_claims'].sort());
    const [marker] = await q<{ value: string }>("SELECT value FROM settings WHERE `key` = 'db-migration-version'");
    expect(marker?.value).toBe(String(SCHEMA_VERSION));
    const [lastRun] = await q<{ value: string }>("SELECT value FROM settings WHERE `key` = 'db-migration-last-run'");
    expect(lastRun?.value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('gives every text column the binary NO PAD utf8mb4 collation, and exact types', async () => {
    const columns = await q<{ t: string; c: string; type: string; coll: string | null }>(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type, COLLATION_NAME AS coll
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()`,
    );
    const text = columns.filter((c) => c.coll !== null);
    expect(text.length).toBeGreaterThan(60);
    for (const c of text) expect(`${c.t}.${c.c} ${c.coll}`).toBe(`${c.t}.${c.c} ${collation}`);
    const type = (t: string, c: string) => columns.find((x) => x.t === t && x.c === c)?.type.toLowerCase();
    expect(type('chat_messages', 'chat_id')).toMatch(/^bigint/);
    expect(type('chat_messages', 'date')).toBe('datetime');
    expect(type('chat_messages', 'message_id')).toBe(`varchar(${MYSQL_KEY_LENGTHS.message_id})`);
    expect(type('chat_messages', 'message_text')).toBe('longtext');
    expect(type('chat_info', 'is_forum')).toBe('tinyint(1)');
    expect(type('spam_messages', 'score')).toBe('double');
    expect(type('cache_storage', 'key')).toBe(`varchar(${MYSQL_KEY_LENGTHS.key})`);
    expect(type('delayed_tasks', 'rowid')).toMatch(/^bigint/);
  });

  it('keys the NULL-able bayes tables with a UNIQUE key (NULLs distinct, as in SQLite)', async () => {
    await q('INSERT INTO bayes_classes (chat_id, is_spam) VALUES (NULL, TRUE), (NULL, TRUE)');
    await expect(q('INSERT INTO bayes_classes (chat_id, is_spam) VALUES (1, TRUE), (1, TRUE)')).rejects.toMatchObject({
      errno: 1062,
    });
    const [n] = await q<{ n: number }>('SELECT COUNT(*) AS n FROM bayes_classes');
    expect(Number(n?.n)).toBe(2);
  });

  describe('text compares and sorts as SQLite compares bytes', () => {
    // Case, accents (composed and not), trailing and leading spaces, a 4-byte character, U+FFFF.
    const keys = [
      'a',
      'a ',
      ' a',
      'A',
      'á',
      'a\u0301',
      'b',
      'B',
      'é',
      'e',
      'Z',
      'z',
      '😀',
      '\uffff',
      'ß',
      'ss',
      'i',
      'İ',
    ];

    beforeAll(async () => {
      for (const k of keys) await q('INSERT INTO settings (`key`, value) VALUES (?, ?)', [k, `v:${k}`]);
    });

    it('stores every one as its own key (no duplicate-key error for case, accent or trailing space)', async () => {
      const [n] = await q<{ n: number }>("SELECT COUNT(*) AS n FROM settings WHERE `key` NOT LIKE 'db-%'");
      expect(Number(n?.n)).toBe(keys.length);
    });

    it('finds by equality only the identical text', async () => {
      for (const k of keys) {
        const rows = await q<{ key: string }>('SELECT `key` FROM settings WHERE `key` = ?', [k]);
        expect(rows.map((r) => r.key)).toEqual([k]);
      }
      expect(await q('SELECT `key` FROM settings WHERE `key` = ?', ['a  '])).toEqual([]);
    });

    it('orders them, and bounds ranges, as SQLite does', async () => {
      const sqlite = new Database(':memory:');
      sqlite.exec('CREATE TABLE s (key TEXT PRIMARY KEY)');
      const insert = sqlite.prepare('INSERT INTO s VALUES (?)');
      for (const k of keys) insert.run(k);
      const expected = (sqlite.prepare('SELECT key FROM s ORDER BY key').all() as { key: string }[]).map((r) => r.key);
      // A range against the column: the column's collation decides (a literal against a literal would use the
      // connection's, which is why the library never compares two parameters).
      const inRange = sqlite.prepare('SELECT key FROM s WHERE key > ? AND key < ? ORDER BY key');
      const ranges: [string, string][] = [
        ['a', 'b'],
        ['A', 'a'],
        ['a', 'a '],
        [' ', 'a'],
        ['e', 'f'],
        ['z', '\uffff'],
      ];
      const expectedRanges = ranges.map(([lo, hi]) => (inRange.all(lo, hi) as { key: string }[]).map((r) => r.key));
      sqlite.close();
      const rows = await q<{ key: string }>("SELECT `key` FROM settings WHERE `key` NOT LIKE 'db-%' ORDER BY `key`");
      expect(rows.map((r) => r.key)).toEqual(expected);
      const actualRanges: string[][] = [];
      for (const [lo, hi] of ranges) {
        const r = await q<{ key: string }>(
          "SELECT `key` FROM settings WHERE `key` > ? AND `key` < ? AND `key` NOT LIKE 'db-%' ORDER BY `key`",
          [lo, hi],
        );
        actualRanges.push(r.map((x) => x.key));
      }
      expect(actualRanges).toEqual(expectedRanges);
      expect(expectedRanges[2]).toEqual([]); // 'a' < x < 'a ': nothing between them in byte order
    });
  });

  describe('key lengths', () => {
    const four = '😀'; // 4 bytes in UTF-8: the widest a key can be

    it('stores keys of exactly the limit in 4-byte characters, composite keys included', async () => {
      const key = four.repeat(MYSQL_KEY_LENGTHS.key);
      const ns = four.repeat(MYSQL_KEY_LENGTHS.namespace);
      await q('INSERT INTO cache_storage (namespace, `key`, value) VALUES (?, ?, ?)', [ns, key, 'v']);
      const [row] = await q<{ key: string; namespace: string }>('SELECT namespace, `key` FROM cache_storage');
      expect(row?.key).toBe(key);
      expect(row?.namespace).toBe(ns);
      const csid = four.repeat(MYSQL_KEY_LENGTHS.csid);
      const mid = four.repeat(MYSQL_KEY_LENGTHS.message_id);
      const prompt = four.repeat(2000);
      await q(
        `INSERT INTO chat_summarization_cache (csid, chat_id, topic_id, first_message_id, last_message_id, prompt, summary)
         VALUES (?, 1, 2, ?, ?, ?, 's')`,
        [csid, mid, mid, prompt],
      );
      const [s] = await q<{ prompt: string }>('SELECT prompt FROM chat_summarization_cache WHERE csid = ?', [csid]);
      expect(s?.prompt).toBe(prompt);
    });

    it('refuses a key one character over the limit, and stores nothing cut', async () => {
      const long = 'k'.repeat(MYSQL_KEY_LENGTHS.key + 1);
      const refused = await q('INSERT INTO settings (`key`, value) VALUES (?, ?)', [long, 'x']).catch(
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ errno: 1406, message: expect.stringContaining("'key'") });
      // As the library reports it: INVALID_ARGUMENT naming the column and its limit.
      expect(tooLongError('setSetting', refused)).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('column "key" holds on MySQL: at most 512 characters'),
      });
      expect(tooLongError('setSetting', new Error('other'))).toBeNull();
      const cut = await q('SELECT `key` FROM settings WHERE `key` = ?', [long.slice(0, MYSQL_KEY_LENGTHS.key)]);
      expect(cut).toEqual([]);
      await expect(
        q(
          "INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (1, ?, '2025-01-01 00:00:00', 1, '')",
          ['9'.repeat(MYSQL_KEY_LENGTHS.message_id + 1)],
        ),
      ).rejects.toMatchObject({ errno: 1406 });
    });
  });

  it('stores DATETIME as given (UTC text in, the same text out) and defaults to the UTC clock', async () => {
    await q("INSERT INTO chat_info (chat_id, type) VALUES (42, 'group')");
    const [row] = await q<{ created_at: string; now: string }>(
      "SELECT created_at, DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:%i:%s') AS now FROM chat_info WHERE chat_id = 42",
    );
    const drift = Math.abs(Date.parse(`${row?.now}Z`) - Date.parse(`${row?.created_at}Z`));
    expect(drift).toBeLessThanOrEqual(2000);
  });
});

describeMariaDb('creating and checking the MySQL schema', (serverUrl) => {
  const dbs: Db[] = [];
  const pools: Pool[] = [];
  afterAll(async () => {
    for (const p of pools) await p.end();
    for (const d of dbs) await d.drop();
  });
  async function fresh(label: string): Promise<{ db: Db; pool: Pool }> {
    const db = await createTestDatabase(serverUrl, label);
    dbs.push(db);
    const pool = mysqlPool(serverUrl, db.name);
    pools.push(pool);
    return { db, pool };
  }

  it('is created once when several processes start at once (GET_LOCK)', async () => {
    const { db } = await fresh('concurrent');
    const starters = Array.from({ length: 4 }, () => mysqlPool(serverUrl, db.name, { connectionLimit: 1 }));
    pools.push(...starters);
    const outcomes = await Promise.all(starters.map((p) => migrateMysqlV6(p, { source: 'main', where: 'test' })));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(3);
    const [[n]] = (await starters[0]?.query(
      "SELECT COUNT(*) AS n FROM settings WHERE `key` = 'db-migration-version'",
    )) as unknown as [[{ n: number }]];
    expect(Number(n.n)).toBe(1);
  });

  it('completes a creation cut short (empty bot tables, no marker) and refuses tables holding rows without one', async () => {
    const { pool } = await fresh('cut-short');
    const ddl = mysqlSchemaV6('utf8mb4_nopad_bin');
    for (const t of ddl.slice(0, 3)) await pool.query(t.ddl);
    expect(await migrateMysqlV6(pool, { source: 'main', where: 'test' })).toBe('created');

    const other = await fresh('foreign');
    for (const t of ddl.slice(0, 3)) await other.pool.query(t.ddl);
    await other.pool.query("INSERT INTO chat_settings (chat_id, `key`, value) VALUES (1, 'k', 'v')");
    await expect(migrateMysqlV6(other.pool, { source: 'main', where: 'test' })).rejects.toMatchObject({
      code: 'NOT_A_BOT_DATABASE',
    });
  });

  it('refuses a URL without a database', async () => {
    const pool = mysqlPool(serverUrl, null);
    pools.push(pool);
    await expect(prepareMysql(pool, { name: 'main', readonly: false }, 'mysql://root@host/')).rejects.toMatchObject({
      code: 'SOURCE_OPEN_FAILED',
      message: expect.stringContaining('names no database'),
    });
  });

  it('a readonly source: empty -> SOURCE_OPEN_FAILED (emptySchema), incomplete -> SOURCE_OPEN_FAILED (missing), v6 -> opens', async () => {
    const { db, pool } = await fresh('readonly');
    await expect(prepareMysql(pool, { name: 'ro', readonly: true }, 'test')).rejects.toMatchObject({
      code: 'SOURCE_OPEN_FAILED',
      details: expect.objectContaining({ emptySchema: true }),
      message: expect.stringContaining(`database "${db.name}" holds no bot tables`),
    });
    await migrateMysqlV6(pool, { source: 'main', where: 'test' });
    expect(await prepareMysql(pool, { name: 'ro', readonly: true }, 'test')).toEqual({});
    await pool.query('DROP TABLE chat_topics');
    await expect(prepareMysql(pool, { name: 'ro', readonly: true }, 'test')).rejects.toMatchObject({
      code: 'SOURCE_OPEN_FAILED',
      details: expect.objectContaining({ missing: ['chat_topics'] }),
    });
    // A writable source does not complete someone's database either: NOT_A_BOT_DATABASE.
    await expect(prepareMysql(pool, { name: 'rw', readonly: false }, 'test')).rejects.toMatchObject({
      code: 'NOT_A_BOT_DATABASE',
    });
  });

  it('a newer schema: reads only (refuseWrites SCHEMA_TOO_NEW), unless onNewerSchema allows writes', async () => {
    const { pool } = await fresh('too-new');
    await migrateMysqlV6(pool, { source: 'main', where: 'test' });
    await pool.query("UPDATE settings SET value = '7' WHERE `key` = 'db-migration-version'");
    for (const readonly of [true, false]) {
      const result = await prepareMysql(pool, { name: 'main', readonly }, 'test');
      expect(result.refuseWrites).toMatchObject({ code: 'SCHEMA_TOO_NEW' });
    }
    expect(
      await prepareMysql(
        pool,
        { name: 'main', readonly: false, moduleOptions: { onNewerSchema: 'allow-writes' } },
        'test',
      ),
    ).toEqual({});
  });
});
