/**
 * The MySQL runner's error mapping, on the real server: each failure reaches the bot as the same code the other
 * engines give — a duplicate key QUERY_FAILED with `constraint: true`; a statement past the timeout
 * (max_statement_time) QUERY_TIMEOUT; a write on a read-only session READONLY_SOURCE; a value too long for its key
 * column INVALID_ARGUMENT naming the limit; a BIGINT beyond 2^53 refused; a killed session SOURCE_UNAVAILABLE; a
 * deadlock and a lock wait typed (`details.lock`), and a write that met a lock wait tried once more.
 */
import { toMysqlError } from '@pkg/broker/engines';
import type { SourceConfigInput } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeMariaDb, mysqlPool } from './mysql-harness.js';

const SPEC = { name: 'main', url: 'mysql://bot@127.0.0.1:3306/bot', timeoutMs: 4000 };

/** The error a statement gets from the real server. */
async function errorOf(run: Promise<unknown>): Promise<unknown> {
  try {
    await run;
  } catch (e) {
    return e;
  }
  throw new Error('the statement did not fail');
}

describeMariaDb('MySQL errors mapped to the library codes', (serverUrl) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Pool;
  let db: DatabaseWrapper;
  const source = (extra: Record<string, unknown> = {}): SourceConfigInput => {
    const url = new URL(database.url);
    url.password = '';
    return { type: 'mysql', url: url.toString(), ...extra } as SourceConfigInput;
  };

  beforeAll(async () => {
    database = await createTestDatabase(serverUrl, 'mysql-errors');
    db = new DatabaseWrapper({ config: { default: 'main', sources: { main: source({ timeout: 4 }) } } });
    // The library creates the bot's tables on its first call.
    await db.setChatSetting({ chatId: 1, key: 'k', value: 'v' });
    admin = mysqlPool(serverUrl, database.name, { connectionLimit: 4 });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await admin?.end();
    await database?.drop();
  });

  it('a duplicate key (1062): QUERY_FAILED with constraint true, and the transaction goes on', async () => {
    const insert = "INSERT INTO chat_settings (chat_id, `key`, value) VALUES (5, 'dup', 'v')";
    await db.transaction({ chatId: 5 }, async (tx) => {
      await tx.execute(insert);
      await expect(tx.execute(insert)).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        details: { constraint: true, mysqlErrno: 1062, sqlstate: '23000' },
      });
    });
    expect(await db.getChatSetting({ chatId: 5, setting: 'dup' })).toBe('v');
  });

  it('a statement past the timeout (max_statement_time, 1969): QUERY_TIMEOUT, and the source goes on', async () => {
    const short = new DatabaseWrapper({ config: { default: 'main', sources: { main: source({ timeout: 1 }) } } });
    try {
      await expect(short.query({ sql: 'SELECT SLEEP(3) AS s' })).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      expect(await short.query({ sql: 'SELECT 1 AS one' })).toEqual([{ one: 1 }]);
    } finally {
      await short.close();
    }
  });

  it('a write on a read-only session (1792): READONLY_SOURCE', async () => {
    const conn = await admin.getConnection();
    try {
      await conn.query('START TRANSACTION READ ONLY');
      const e = await errorOf(conn.query("UPDATE chat_settings SET value = 'w' WHERE chat_id = 1"));
      await conn.query('ROLLBACK');
      expect((e as { errno: number }).errno).toBe(1792);
      expect(toMysqlError(SPEC, 'setChatSetting', e).code).toBe('READONLY_SOURCE');
    } finally {
      conn.release();
    }
    const readonly = new DatabaseWrapper({
      config: { default: 'main', sources: { main: source({ readonly: true }) } },
    });
    try {
      await expect(readonly.setChatSetting({ chatId: 1, key: 'k', value: 'w' })).rejects.toMatchObject({
        code: 'READONLY_SOURCE',
      });
      expect(await readonly.getChatSetting({ chatId: 1, setting: 'k' })).toBe('v');
    } finally {
      await readonly.close();
    }
  });

  it('a key longer than its column (1406): INVALID_ARGUMENT naming the limit; nothing stored', async () => {
    const key = 'k'.repeat(513);
    await expect(
      db.transaction({ chatId: 6 }, (tx) =>
        tx.execute('INSERT INTO chat_settings (chat_id, `key`, value) VALUES (6, ?, ?)', [key, 'v']),
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('at most 512 characters') });
    expect(await db.query({ sql: 'SELECT COUNT(*) AS n FROM chat_settings WHERE chat_id = 6' })).toEqual([{ n: 0 }]);
  });

  it('a BIGINT beyond 2^53 read back: refused (QUERY_FAILED), never rounded', async () => {
    await admin.query(
      "INSERT INTO chat_settings (chat_id, `key`, value) VALUES (9007199254740993, 'big', 'v'), (9007199254740991, 'max', 'v')",
    );
    expect(await db.query({ sql: "SELECT chat_id FROM chat_settings WHERE `key` = 'max'" })).toEqual([
      { chat_id: Number.MAX_SAFE_INTEGER },
    ]);
    await expect(db.query({ sql: "SELECT chat_id FROM chat_settings WHERE `key` = 'big'" })).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining('9007199254740993'),
    });
  });

  it('a killed session (1927 / lost connection): SOURCE_UNAVAILABLE', async () => {
    const victim = await admin.getConnection();
    try {
      const running = errorOf(victim.query('SELECT SLEEP(10)'));
      await new Promise((r) => setTimeout(r, 200));
      await admin.query(`KILL CONNECTION ${victim.threadId}`);
      const e = await running;
      expect(toMysqlError(SPEC, 'getChatSetting', e).code).toBe('SOURCE_UNAVAILABLE');
    } finally {
      victim.destroy();
    }
  });

  it('a deadlock (1213): QUERY_FAILED with details.lock "deadlock"', async () => {
    await admin.query(
      "INSERT INTO chat_settings (chat_id, `key`, value) VALUES (7, 'a', 'v'), (7, 'b', 'v') ON DUPLICATE KEY UPDATE value = 'v'",
    );
    const [one, two] = [await admin.getConnection(), await admin.getConnection()];
    try {
      await one.query('START TRANSACTION');
      await two.query('START TRANSACTION');
      await one.query("UPDATE chat_settings SET value = '1' WHERE chat_id = 7 AND `key` = 'a'");
      await two.query("UPDATE chat_settings SET value = '2' WHERE chat_id = 7 AND `key` = 'b'");
      const first = one.query("UPDATE chat_settings SET value = '1' WHERE chat_id = 7 AND `key` = 'b'").then(
        () => null,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 200));
      const second = await two.query("UPDATE chat_settings SET value = '2' WHERE chat_id = 7 AND `key` = 'a'").then(
        () => null,
        (e: unknown) => e,
      );
      const e = (await first) ?? second;
      expect((e as { errno: number }).errno).toBe(1213);
      expect(toMysqlError(SPEC, 'setChatSetting', e)).toMatchObject({
        code: 'QUERY_FAILED',
        details: { lock: 'deadlock', constraint: false },
      });
    } finally {
      await one.query('ROLLBACK').catch(() => undefined);
      await two.query('ROLLBACK').catch(() => undefined);
      one.release();
      two.release();
    }
  });

  it('a write that met a lock wait timeout (1205) is tried once more; held past both tries it fails typed', async () => {
    await db.setChatSetting({ chatId: 8, key: 'held', value: '0' });
    const holder: PoolConnection = await admin.getConnection();
    try {
      // timeout 4 s: a lock is waited for 2 s, so the retry fits before the call's deadline.
      await holder.query('START TRANSACTION');
      await holder.query("UPDATE chat_settings SET value = 'x' WHERE chat_id = 8 AND `key` = 'held'");
      const started = performance.now();
      const write = db.setChatSetting({ chatId: 8, key: 'held', value: '1' });
      // Released after the first wait timed out (2 s), before the retry's wait ends.
      setTimeout(() => void holder.query('ROLLBACK'), 3000);
      await write;
      expect(performance.now() - started).toBeGreaterThan(2500);
      expect(await db.getChatSetting({ chatId: 8, setting: 'held' })).toBe('1');

      await holder.query('START TRANSACTION');
      await holder.query("UPDATE chat_settings SET value = 'x' WHERE chat_id = 8 AND `key` = 'held'");
      await expect(db.setChatSetting({ chatId: 8, key: 'held', value: '2' })).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        details: { lock: 'wait-timeout', mysqlErrno: 1205 },
      });
      await holder.query('ROLLBACK');
      expect(await db.getChatSetting({ chatId: 8, setting: 'held' })).toBe('1');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  }, 30_000);
  it('a deadlock inside a transaction (InnoDB rolled all of it back): the rest of it and its COMMIT are refused', async () => {
    await admin.query(
      "INSERT INTO chat_settings (chat_id, `key`, value) VALUES (9, 'a', '0'), (9, 'b', '0') ON DUPLICATE KEY UPDATE value = '0'",
    );
    const other = await admin.getConnection();
    try {
      // The other session has changed more rows, so InnoDB picks the library's (lighter) transaction as the victim.
      await other.query('START TRANSACTION');
      await other.query(
        `INSERT INTO chat_settings (chat_id, \`key\`, value) VALUES ${Array.from({ length: 50 }, (_, i) => `(10, 'k${i}', 'v')`).join(', ')}`,
      );
      await other.query("UPDATE chat_settings SET value = 'other' WHERE chat_id = 9 AND `key` = 'a'");
      const update = (k: string) => `UPDATE chat_settings SET value = 'tx' WHERE chat_id = 9 AND \`key\` = '${k}'`;
      let otherDone: Promise<unknown> = Promise.resolve();
      const outcome = db.transaction({ chatId: 9 }, async (tx) => {
        await tx.execute(update('b'));
        const waiting = tx.execute(update('a'));
        await new Promise((r) => setTimeout(r, 300));
        // Closes the cycle: the other session now waits for the library's row b.
        otherDone = other.query("UPDATE chat_settings SET value = 'other' WHERE chat_id = 9 AND `key` = 'b'");
        await expect(waiting).rejects.toMatchObject({ code: 'QUERY_FAILED', details: { lock: 'deadlock' } });
        await expect(tx.execute(update('b'))).rejects.toMatchObject({
          code: 'QUERY_FAILED',
          details: { rolledBack: true },
        });
        return 'caught';
      });
      await expect(outcome).rejects.toMatchObject({ code: 'QUERY_FAILED', details: { rolledBack: true } });
      await otherDone;
      await other.query('COMMIT');
      expect(await db.getChatSetting({ chatId: 9, setting: 'b' })).toBe('other');
      expect(await db.getChatSetting({ chatId: 9, setting: 'a' })).toBe('other');
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
  }, 30_000);
});
