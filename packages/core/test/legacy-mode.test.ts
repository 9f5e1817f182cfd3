import { ConfigError, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

describe('legacy mode: new DatabaseWrapper({ dbPath, maxConnections, timeout })', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-legacy-');
  });
  afterEach(() => dir.cleanup());

  it('creates the bot schema in a new file and serves reads and writes as source "default"', async () => {
    const db = new DatabaseWrapper({ dbPath: dir.file('bot.db'), maxConnections: 2, timeout: 5 });
    try {
      expect(db.sources).toEqual(['default']);
      expect(db.config.sources.default).toMatchObject({ readonly: false, poolSize: 2, timeout: 5 });
      await db.updateChatUser({ chatId: 1, userId: 7, username: '@u', fullName: 'U' });
      await db.saveChatMessage({ date: '2025-01-02 03:04:05', chatId: 1, userId: 7, messageId: 10, messageText: 'hi' });
      const msg = await db.getChatMessageByMessageId({ chatId: 1, messageId: '10' });
      expect(msg).toMatchObject({ message_id: '10', message_text: 'hi', username: '@u', thread_id: 0 });
      expect(msg?.date).toEqual(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)));
      expect((await db.getChatUser({ chatId: 1, userId: 7 }))?.messages_count).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('refuses both dbPath and config, and neither, with CONFIG_INVALID', () => {
    const path = dir.file('x.db');
    expect(
      () => new DatabaseWrapper({ dbPath: path, config: { default: 'a', sources: { a: { path } } } } as never),
    ).toThrow(ConfigError);
    expect(() => new DatabaseWrapper({} as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('sends every routing decision to a given logger’s debug', async () => {
    const lines: string[] = [];
    const db = new DatabaseWrapper({
      dbPath: dir.file('log.db'),
      logger: { debug: (_f, m) => lines.push(m), warn: () => {} },
    });
    try {
      await db.getChatInfo({ chatId: 5 });
      expect(lines).toContainEqual(expect.stringMatching(/getChatInfo chat=5 -> default/));
    } finally {
      await db.close();
    }
  });

  it('queues calls made before the worker is up instead of failing them', async () => {
    const db = new DatabaseWrapper({ dbPath: dir.file('early.db') });
    try {
      const early = [db.setSetting({ key: 'a', value: '1' }), db.getSetting({ key: 'a' })];
      expect(await Promise.all(early)).toEqual([true, '1']);
    } finally {
      await db.close();
    }
  });
});

describe('db.query: read-only SQL on a routed source', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-query-');
  });
  afterEach(() => dir.cleanup());

  it('runs a read and refuses a statement that would write, before it runs', async () => {
    const db = new DatabaseWrapper({ dbPath: dir.file('q.db') });
    try {
      await db.setSetting({ key: 'a', value: '1' });
      expect(await db.query({ sql: 'SELECT value FROM settings WHERE key = ?', params: ['a'] })).toEqual([
        { value: '1' },
      ]);
      await expect(db.query({ sql: `DELETE FROM settings` })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await db.getSetting({ key: 'a' })).toBe('1');
    } finally {
      await db.close();
    }
  });
});
