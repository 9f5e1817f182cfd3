/** tx.execute: the bot's Bayes filter writes its own tables through the wrapper, on real files. */
import { DatabaseWrapper } from '@pkg/core';
import { copyReferenceDb, createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/** The shape of the Bayes filter's token upsert (named parameters, a boolean bound as 1/0). */
const UPSERT_TOKEN = `INSERT INTO bayes_tokens (token, chat_id, spam_count, ham_count, total_count)
  VALUES (:token, :chat_id, :spam_inc, :ham_inc, :inc)
  ON CONFLICT (token, chat_id) DO UPDATE SET spam_count = spam_count + :spam_inc,
    ham_count = ham_count + :ham_inc, total_count = total_count + :inc, updated_at = CURRENT_TIMESTAMP`;
const UPSERT_CLASS = `INSERT INTO bayes_classes (chat_id, is_spam, message_count, token_count) VALUES (?, ?, ?, ?)
  ON CONFLICT (chat_id, is_spam) DO UPDATE SET message_count = message_count + excluded.message_count`;

describe('drop-in parity: tx.execute (write SQL for the bot’s own tables)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-parity-sql-');
  });
  afterEach(() => dir.cleanup());

  it('writes bayes_tokens / bayes_classes in a transaction and reports changes and rowid', async () => {
    const path = dir.file('bot.db');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      const result = await db.transaction({ chatId: -1001 }, async (tx) => {
        const first = await tx.execute(UPSERT_TOKEN, { token: 'buy', chat_id: -1001, spam_inc: 1, ham_inc: 0, inc: 1 });
        await tx.execute(UPSERT_TOKEN, { token: 'buy', chat_id: -1001, spam_inc: 1, ham_inc: 0, inc: 1 });
        await tx.execute(UPSERT_CLASS, [-1001, true, 1, 2]);
        expect(await tx.query('SELECT spam_count, total_count FROM bayes_tokens WHERE token = ?', ['buy'])).toEqual([
          { spam_count: 2, total_count: 2 },
        ]);
        return first;
      });
      expect(result).toEqual({ changes: 1, lastInsertRowid: 1 });
      expect(await db.query({ sql: 'SELECT chat_id, is_spam, message_count FROM bayes_classes' })).toEqual([
        { chat_id: -1001, is_spam: 1, message_count: 1 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('rolls back with the transaction', async () => {
    const db = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    try {
      await expect(
        db.transaction({}, async (tx) => {
          await tx.execute(UPSERT_CLASS, [null, false, 1, 1]);
          throw new Error('classifier failed');
        }),
      ).rejects.toThrow('classifier failed');
      expect(await db.query({ sql: 'SELECT count(*) AS n FROM bayes_classes' })).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });

  it('refuses SQL that returns rows (reads stay on query)', async () => {
    const db = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    try {
      await db.transaction({}, async (tx) => {
        await expect(tx.execute('SELECT * FROM bayes_tokens')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      });
    } finally {
      await db.close();
    }
  });

  it('is refused on a readonly source with READONLY_SOURCE — and SQLite would refuse it too', async () => {
    const path = copyReferenceDb(dir.path, 'archive.db');
    const db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: { path: dir.file('primary.db') }, archive: { path, readonly: true } },
        chatMapping: { '-1001000000011': 'archive' },
      },
    });
    try {
      await db.transaction({ dataSource: 'archive' }, async (tx) => {
        await expect(tx.execute(UPSERT_CLASS, [null, false, 1, 1])).rejects.toMatchObject({
          code: 'READONLY_SOURCE',
          message: expect.stringContaining('"archive"'),
        });
      });
    } finally {
      await db.close();
    }
    // The same statement on the file opened as the worker opens a readonly source.
    const raw = new Database(path, { readonly: true, fileMustExist: true });
    raw.pragma('query_only = ON');
    try {
      expect(() => raw.prepare(UPSERT_CLASS).run(null, 0, 1, 1)).toThrow(/readonly|read-only/i);
    } finally {
      raw.close();
    }
  });

  it('is refused where domain writes are refused: a newer schema (SCHEMA_TOO_NEW)', async () => {
    const path = copyReferenceDb(dir.path, 'future.db');
    const raw = new Database(path);
    raw.prepare(`UPDATE settings SET value = '9' WHERE key = 'db-migration-version'`).run();
    raw.close();
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await db.transaction({}, async (tx) => {
        await expect(tx.execute(UPSERT_CLASS, [null, false, 1, 1])).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
      });
    } finally {
      await db.close();
    }
  });
});
