import { join } from 'node:path';
import { toDate } from '@pkg/broker';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

/** What toDate did before its regex-free fast path: every result must stay the same. */
const STORED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;
function toDateBefore(value: unknown): Date {
  if (typeof value !== 'string') return new Date(Number.NaN);
  if (STORED.test(value)) return new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`);
  return new Date(value);
}

describe('rows built from raw arrays', () => {
  it('toDate gives exactly what the regex path gave, edge cases included', () => {
    const cases = [
      '2024-01-31 23:59:59',
      '2024-02-29 12:00:00',
      '2023-02-29 12:00:00',
      '2023-02-31 00:00:00',
      '2024-04-31 00:00:00',
      '2024-13-01 00:00:00',
      '2024-00-10 00:00:00',
      '2024-01-00 00:00:00',
      '2024-01-01 24:00:00',
      '2024-01-01 23:60:00',
      '2024-01-01 23:59:60',
      '2024-01-01T10:11:12',
      '0050-01-01 00:00:00',
      '1900-02-29 00:00:00',
      '2000-02-29 00:00:00',
      '2024-01-01 1a:00:00',
      '2024-01-01  10:00:0',
      '2024-01-01',
      '2024-01-01T10:11:12.345Z',
      '',
      'not a date',
    ];
    for (let i = 0; i < 2000; i++) {
      const t = new Date(Date.UTC(1970, 0, 1) + Math.floor(Math.random() * 4e12));
      cases.push(
        t
          .toISOString()
          .slice(0, 19)
          .replace('T', i % 2 === 0 ? ' ' : 'T'),
      );
    }
    for (const c of cases) expect([c, toDate(c).getTime()]).toEqual([c, toDateBefore(c).getTime()]);
    expect(toDate(null).getTime()).toBeNaN();
  });

  it('message rows equal better-sqlite3 rows with their timestamps converted, key order included', async () => {
    const dir = createTempDir('core-rows-');
    const path = join(dir.path, 'bot.db');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await db.updateChatUser({ chatId: 1, userId: 7, username: 'u', fullName: 'U' });
      for (let i = 1; i <= 5; i++) {
        await db.saveChatMessage({ chatId: 1, userId: 7, messageId: i, date: new Date(Date.UTC(2024, 1, 27 + i)) });
      }
      const got = await db.getChatMessagesByUser({ chatId: 1, userId: 7 });
      const one = await db.getChatMessageByMessageId({ chatId: 1, messageId: 3 });
      const raw = new Database(path, { readonly: true });
      const sql = `SELECT m.*, u.username, u.full_name, a.created_at AS media_created_at, a.updated_at AS media_updated_at
        FROM chat_messages m JOIN chat_users u ON u.chat_id = m.chat_id AND u.user_id = m.user_id
        LEFT JOIN media_attachments a ON a.file_unique_id = m.media_id WHERE m.chat_id = 1 ORDER BY m.date DESC`;
      const expected = (raw.prepare(sql).all() as Record<string, unknown>[]).map((r) => {
        for (const c of ['date', 'created_at', 'media_created_at', 'media_updated_at']) {
          r[c] = r[c] == null ? null : toDateBefore(r[c]);
        }
        return r;
      });
      raw.close();
      expect(got.length).toBe(5);
      for (const [i, row] of got.entries()) {
        const want = expected[i] as Record<string, unknown>;
        for (const [k, v] of Object.entries(want))
          expect([k, (row as unknown as Record<string, unknown>)[k]]).toEqual([k, v]);
      }
      expect(Object.keys(one ?? {})).toEqual(Object.keys(got[0] ?? {}));
      expect(one).toEqual(got.find((m) => m.message_id === '3'));
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});

describe('point reads of one batch answered by one statement', () => {
  it('64 concurrent getChatMessageByMessageId calls answer exactly as one at a time, misses and bad keys included', async () => {
    const dir = createTempDir('core-group-');
    const db = new DatabaseWrapper({ dbPath: join(dir.path, 'bot.db') });
    try {
      await db.updateChatUser({ chatId: 1, userId: 7, username: 'u', fullName: 'U' });
      await db.updateChatUser({ chatId: 2, userId: 7, username: 'v', fullName: 'V' });
      for (let i = 1; i <= 20; i++) {
        await db.saveChatMessage({
          chatId: 1 + (i % 2),
          userId: 7,
          messageId: i,
          date: new Date(Date.UTC(2024, 0, i)),
        });
      }
      const keys = Array.from({ length: 64 }, (_, i) => ({ chatId: 1 + (i % 3), messageId: (i * 7) % 25 }));
      keys[5] = keys[4] as (typeof keys)[number]; // the same key twice in one batch
      const one: unknown[] = [];
      for (const k of keys) one.push(await db.getChatMessageByMessageId(k));
      const acquired = async () => (await db.stats()).default?.connectionsAcquired ?? 0;
      const before = await acquired();
      const together = await Promise.all(keys.map((k) => db.getChatMessageByMessageId(k)));
      // Grouped: a few connection acquisitions (one per group), not one per call.
      expect((await acquired()) - before).toBeLessThan(16);
      expect(together).toEqual(one);
      expect(together.filter((r) => r !== null).length).toBeGreaterThan(10);
      expect(together[5]).not.toBe(together[4]); // each call its own row object
      // A bad argument in the middle fails that call alone; its neighbours still answer.
      const mixed = await Promise.allSettled(
        keys.slice(0, 8).map((k, i) => db.getChatMessageByMessageId(i === 3 ? { chatId: 1, messageId: '' } : k)),
      );
      expect(mixed.map((s) => s.status)).toEqual([
        ...Array(3).fill('fulfilled'),
        'rejected',
        ...Array(4).fill('fulfilled'),
      ]);
      expect(
        mixed.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<unknown>).value),
      ).toEqual(one.slice(0, 8).filter((_, i) => i !== 3));
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});
