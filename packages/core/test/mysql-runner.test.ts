/**
 * The MySQL engine's runner through the library, on the real MariaDB of mariadb-global-setup.ts: what differs
 * from the other engines' runners and what MySQL would otherwise get wrong — statement time limits, lock waits
 * retried once, BIGINT beyond 2^53 refused, statements that would end a transaction, read-your-writes, and
 * open failures. (The shared behaviour is the engine loop's: engine-parity, transactions, raw SQL, claims, faults.)
 */
import type { SourceConfigInput } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import mysql, { type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeMariaDb } from './mysql-harness.js';

describeMariaDb('the MySQL runner', (serverUrl) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let source: SourceConfigInput;
  let db: DatabaseWrapper;
  let outside: Connection;
  const u = new URL(serverUrl);
  /** A source on database `name` of the test server (its URL without password). */
  const sourceOn = (name: string, readonly: boolean): SourceConfigInput => {
    const url = new URL(serverUrl);
    url.password = '';
    url.pathname = `/${name}`;
    return { type: 'mysql', url: url.toString(), readonly } as SourceConfigInput;
  };

  beforeAll(async () => {
    database = await createTestDatabase(serverUrl, 'mysql-runner');
    source = sourceOn(database.name, false);
    // timeout 2 s: statements stop at 2 s, a lock wait at 1 s (half, so one retry fits in the deadline).
    db = new DatabaseWrapper({
      config: { default: 'main', sources: { main: { ...source, timeout: 2 } as SourceConfigInput } },
    });
    await db.ready();
    outside = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: database.name,
    });
  });
  afterAll(async () => {
    await db?.close();
    await outside?.end();
    await database?.drop();
  });

  it("a statement past the source's timeout is stopped by the server: QUERY_TIMEOUT, and the source goes on", async () => {
    const start = performance.now();
    await expect(db.query({ sql: 'SELECT SLEEP(5) AS s' })).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    expect(performance.now() - start).toBeLessThan(3_000);
    expect(await db.query({ sql: 'SELECT 1 AS one' })).toEqual([{ one: 1 }]);
  });

  it('a write that meets a row lock past the lock wait is tried once more: it succeeds once the lock is gone', async () => {
    await db.setChatSetting({ chatId: 7, key: 'k', value: 'v0' });
    await outside.query('START TRANSACTION');
    await outside.query('SELECT * FROM chat_settings WHERE chat_id = 7 FOR UPDATE');
    const start = performance.now();
    const write = db.setChatSetting({ chatId: 7, key: 'k', value: 'v1' });
    // Held past the first attempt's 1 s lock wait, released during the second.
    await new Promise((resolve) => setTimeout(resolve, 1_400));
    await outside.query('ROLLBACK');
    await write;
    expect(performance.now() - start).toBeGreaterThan(1_000);
    expect(await db.getChatSetting({ chatId: 7, setting: 'k' })).toBe('v1');
  });

  it('a row lock held past both attempts: QUERY_FAILED with MySQL 1205, within the deadline', async () => {
    await outside.query('START TRANSACTION');
    await outside.query('SELECT * FROM chat_settings WHERE chat_id = 7 FOR UPDATE');
    const start = performance.now();
    try {
      await expect(db.setChatSetting({ chatId: 7, key: 'k', value: 'v2' })).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        details: { mysqlErrno: 1205, constraint: false },
      });
    } finally {
      await outside.query('ROLLBACK');
    }
    const ms = performance.now() - start;
    expect(ms).toBeGreaterThan(1_800); // two lock waits of 1 s
    expect(ms).toBeLessThan(3_000); // timeout + 1 s
    expect(await db.getChatSetting({ chatId: 7, setting: 'k' })).toBe('v1');
  });

  it('a BIGINT beyond ±2^53-1 is refused (QUERY_FAILED), never rounded', async () => {
    await outside.query(
      "INSERT INTO chat_users (chat_id, user_id, username, full_name) VALUES (8, 1152921504606846977, '@big', 'Big')",
    );
    await expect(db.getChatUsers({ chatId: 8 })).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining('1152921504606846977'),
    });
    await expect(db.query({ sql: 'SELECT user_id FROM chat_users WHERE chat_id = 8' })).rejects.toMatchObject({
      code: 'QUERY_FAILED',
    });
    expect(await db.query({ sql: 'SELECT 9007199254740991 AS n' })).toEqual([{ n: Number.MAX_SAFE_INTEGER }]);
    await outside.query('DELETE FROM chat_users WHERE chat_id = 8');
  });

  it('statements that would end a transaction (DDL) are refused inside one; the transaction goes on', async () => {
    const done = await db.transaction({ chatId: 9 }, async (tx) => {
      await tx.setChatSetting({ chatId: 9, key: 'a', value: '1' });
      await expect(tx.execute('CREATE TABLE made_in_tx (a INT)')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(tx.query('DROP TABLE chat_settings')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await tx.setChatSetting({ chatId: 9, key: 'b', value: '2' });
      return 'done';
    });
    expect(done).toBe('done');
    expect(await db.getChatSetting({ chatId: 9, setting: 'b' })).toBe('2');
    await expect(db.query({ sql: 'CREATE TABLE made_by_query (a INT)' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(db.query({ sql: "SET time_zone = '+09:00'" })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const [tables] = await outside.query("SHOW TABLES LIKE 'made_%'");
    expect(tables).toEqual([]);
  });

  it("a transaction rolled back after a refused DDL statement keeps nothing (MySQL's implicit commit never happens)", async () => {
    await expect(
      db.transaction({ chatId: 11 }, async (tx) => {
        await tx.setChatSetting({ chatId: 11, key: 'a', value: '1' });
        await tx.execute('CREATE TABLE made_in_rolled_back_tx (a INT)').catch(() => undefined);
        await tx.execute('COMMIT').catch(() => undefined);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.getChatSetting({ chatId: 11, setting: 'a' })).toBeNull();
    const [tables] = await outside.query("SHOW TABLES LIKE 'made_in_rolled_back_tx'");
    expect(tables).toEqual([]);
  });

  it('a read sent after writes in the same tick sees them (read-your-writes through the writer)', async () => {
    await db.updateChatUser({ chatId: 10, userId: 1, username: '@u', fullName: 'U' });
    const m = (id: string) => ({ date: '2025-01-01 00:00:00', chatId: 10, userId: 1, messageId: id });
    const writes = Array.from({ length: 64 }, (_, i) => db.saveChatMessage(m(String(i))));
    const read = db.getChatMessageByMessageId({ chatId: 10, messageId: '63' });
    await Promise.all(writes);
    expect(await read).not.toBeNull();
    expect((await db.getChatUser({ chatId: 10, userId: 1 }))?.messages_count).toBe(64);
  });

  it('a readonly source writes nothing: its sessions are read-only at the server too', async () => {
    const ro = new DatabaseWrapper({
      config: { default: 'ro', sources: { ro: sourceOn(database.name, true) } },
    });
    try {
      expect(await ro.getChatSetting({ chatId: 9, setting: 'b' })).toBe('2');
      await expect(ro.setChatSetting({ chatId: 9, key: 'b', value: '3' })).rejects.toMatchObject({
        code: 'READONLY_SOURCE',
      });
      // The session's own access mode (MariaDB 10's name; MySQL 8's is transaction_read_only), and the
      // writable source's for contrast.
      expect(await ro.query({ sql: 'SELECT @@SESSION.tx_read_only AS ro' })).toEqual([{ ro: 1 }]);
      expect(await db.query({ sql: 'SELECT @@SESSION.tx_read_only AS ro' })).toEqual([{ ro: 0 }]);
      // A locking read is a write to a read-only transaction (as on PostgreSQL): refused, as query refuses writes.
      await expect(ro.query({ sql: 'SELECT * FROM chat_settings FOR UPDATE' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    } finally {
      await ro.close();
    }
  });

  it('a database that does not exist fails ready() with SOURCE_OPEN_FAILED naming the fix', async () => {
    const missing = new DatabaseWrapper({
      config: { default: 'm', sources: { m: sourceOn('no_such_database_botdb', false) } },
    });
    try {
      await expect(missing.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringContaining('CREATE DATABASE'),
      });
    } finally {
      await missing.close();
    }
  });
});
