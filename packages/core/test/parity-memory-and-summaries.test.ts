/** ':memory:' sources, as the bot's own tests use them; summary rows written by the later bot. */
import { createHash } from 'node:crypto';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

describe('drop-in parity: dbPath ":memory:"', () => {
  it('works as the bot’s tests use it: schema created at open, every call sees the same database', async () => {
    const db = new DatabaseWrapper({ dbPath: ':memory:', maxConnections: 5 });
    try {
      expect(await db.getSetting({ key: 'db-migration-version' })).toBe('6');
      // Many calls in one tick: with several private in-memory databases some would miss the write.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => db.setChatSetting({ chatId: -1, key: `k${i}`, value: i })),
      );
      const reads = await Promise.all(Array.from({ length: 20 }, () => db.getChatSettings({ chatId: -1 })));
      for (const r of reads) expect(Object.keys(r)).toHaveLength(20);
      await db.transaction({ chatId: -1 }, async (tx) => {
        await tx.setChatSetting({ chatId: -1, key: 'in-tx', value: 'yes' });
      });
      expect(await db.getChatSetting({ chatId: -1, setting: 'in-tx' })).toBe('yes');
    } finally {
      await db.close();
    }
  });

  it('each source gets its own private database; a ":memory:" source in config works too', async () => {
    const db = new DatabaseWrapper({
      config: {
        default: 'a',
        sources: { a: { path: ':memory:' }, b: { path: ':memory:' } },
        chatMapping: { '-2': 'b' },
      },
    });
    try {
      await db.setChatSetting({ chatId: -1, key: 'k', value: 'in a' });
      await db.setChatSetting({ chatId: -2, key: 'k', value: 'in b' });
      expect(await db.getChatSetting({ chatId: -1, setting: 'k' })).toBe('in a');
      expect(await db.getChatSetting({ chatId: -2, setting: 'k' })).toBe('in b');
      expect(await db.getChatSetting({ chatId: -2, setting: 'k', dataSource: 'a' })).toBeNull();
      expect((await db.stats()).a?.connectionsOpen).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('drop-in parity: chat summaries keyed by the later bot (SHA-512 csid)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-parity-sum-');
  });
  afterEach(() => dir.cleanup());

  it('finds a row the later bot wrote and updates it instead of adding a duplicate', async () => {
    const path = dir.file('bot.db');
    const db = new DatabaseWrapper({ dbPath: path });
    await db.ready();
    await db.close();
    // The later bot's key: hex SHA-512 of the seed-date bot's text key.
    const csid = createHash('sha512').update('-1001:None_10:20-Summarise', 'utf8').digest('hex');
    const raw = new Database(path);
    raw
      .prepare(
        `INSERT INTO chat_summarization_cache (csid, chat_id, topic_id, first_message_id, last_message_id, prompt, summary)
         VALUES (?, -1001, NULL, '10', '20', 'Summarise', 'old summary')`,
      )
      .run(csid);
    raw.close();

    const again = new DatabaseWrapper({ dbPath: path });
    const key = { chatId: -1001, firstMessageId: 10, lastMessageId: 20, prompt: 'Summarise' };
    try {
      expect(await again.getChatSummarization(key)).toMatchObject({ csid, summary: 'old summary' });
      expect(await again.addChatSummarization({ ...key, summary: 'new summary' })).toBe(true);
      expect(await again.getChatSummarization(key)).toMatchObject({ csid, summary: 'new summary' });
      expect(await again.query({ sql: 'SELECT csid FROM chat_summarization_cache' })).toEqual([{ csid }]);
      // A key neither bot wrote yet is stored under the seed-date bot's text key.
      await again.addChatSummarization({ ...key, topicId: 3, summary: 's' });
      expect(await again.getChatSummarization({ ...key, topicId: 3 })).toMatchObject({
        csid: '-1001:3_10:20-Summarise',
      });
    } finally {
      await again.close();
    }
  });
});
