/**
 * Method semantics of the bot's seed-date DatabaseWrapper (gromozeka 680b204), on real files:
 * defaults, empty filters, stored forms and the bot's `True` answer of every write.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CHAT = -1001;

describe('drop-in parity: method semantics', () => {
  let dir: TempDir;
  let path: string;
  let db: DatabaseWrapper;
  beforeEach(async () => {
    dir = createTempDir('core-parity-');
    path = dir.file('bot.db');
    db = new DatabaseWrapper({ dbPath: path });
    await db.updateChatUser({ chatId: CHAT, userId: 1, username: '@a', fullName: 'A' });
  });
  afterEach(async () => {
    await db.close();
    dir.cleanup();
  });

  const raw = <T>(sql: string, ...params: unknown[]): T => {
    const r = new Database(path, { readonly: true });
    try {
      return r.prepare(sql).all(...params) as T;
    } finally {
      r.close();
    }
  };

  it('getSetting returns `default` for a missing key, the stored value otherwise', async () => {
    expect(await db.getSetting({ key: 'nope', default: 'fallback' })).toBe('fallback');
    expect(await db.getSetting({ key: 'nope' })).toBeNull();
    await db.setSetting({ key: 'k', value: 'v' });
    expect(await db.getSetting({ key: 'k', default: 'fallback' })).toBe('v');
  });

  it('getChatMessagesSince: an empty category list matches nothing; undefined/null filter nothing', async () => {
    await db.saveChatMessage({
      date: '2024-01-01 00:00:00',
      chatId: CHAT,
      userId: 1,
      messageId: 1,
      messageCategory: 'user',
    });
    expect(await db.getChatMessagesSince({ chatId: CHAT, messageCategory: [] })).toEqual([]);
    expect(await db.getChatMessagesSince({ chatId: CHAT })).toHaveLength(1);
    expect(await db.getChatMessagesSince({ chatId: CHAT, messageCategory: null })).toHaveLength(1);
    expect(await db.getChatMessagesSince({ chatId: CHAT, messageCategory: ['user'] })).toHaveLength(1);
  });

  it('setChatSetting stores numbers and booleans as the bot’s SQLite stores them, read back as text', async () => {
    // What the bot (680b204) stores for True, False, 5, 0.1 and None in the TEXT column.
    await db.setChatSetting({ chatId: CHAT, key: 'on', value: true });
    await db.setChatSetting({ chatId: CHAT, key: 'off', value: false });
    await db.setChatSetting({ chatId: CHAT, key: 'n', value: 5 });
    await db.setChatSetting({ chatId: CHAT, key: 'f', value: 0.1 });
    await db.setChatSetting({ chatId: CHAT, key: 'none', value: null });
    expect(await db.getChatSettings({ chatId: CHAT })).toEqual({ on: '1', off: '0', n: '5', f: '0.1', none: null });
    expect(await db.getChatSetting({ chatId: CHAT, setting: 'on' })).toBe('1');
    expect(raw(`SELECT key, typeof(value) AS t FROM chat_settings WHERE key = 'n'`)).toEqual([{ key: 'n', t: 'text' }]);
  });

  it('updateChatTopicInfo without a topic name stores "Default"', async () => {
    await db.updateChatTopicInfo({ chatId: CHAT, topicId: 7 });
    expect((await db.getChatTopics({ chatId: CHAT }))[0]?.name).toBe('Default');
  });

  it('addMediaAttachment: status "new" and media type "image" by default; fileId is required', async () => {
    await db.addMediaAttachment({ fileUniqueId: 'u1', fileId: 'f1' });
    const media = await db.getMediaAttachment({ mediaId: 'u1' });
    expect(media).toMatchObject({ status: 'new', media_type: 'image', file_id: 'f1', metadata: '{}' });
    await expect(
      db.addMediaAttachment({ fileUniqueId: 'u2' } as unknown as Parameters<DatabaseWrapper['addMediaAttachment']>[0]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('fileId') });
  });

  it('updateMediaAttachment: null or undefined leaves a column as it is, like the bot’s None', async () => {
    await db.addMediaAttachment({ fileUniqueId: 'u1', fileId: 'f1', description: 'cat', prompt: 'p', fileSize: 10 });
    await db.updateMediaAttachment({
      mediaId: 'u1',
      status: 'done',
      description: null,
      prompt: undefined,
      fileId: null,
    });
    expect(await db.getMediaAttachment({ mediaId: 'u1' })).toMatchObject({
      status: 'done',
      description: 'cat',
      prompt: 'p',
      file_id: 'f1',
      file_size: 10,
    });
    await db.updateMediaAttachment({ mediaId: 'u1', fileId: 'f2' });
    expect((await db.getMediaAttachment({ mediaId: 'u1' }))?.file_id).toBe('f2');
  });

  it('getCacheEntry: ttl <= 0 gives null; an entry exactly ttl seconds old is still valid', async () => {
    await db.setCacheEntry({ key: 'k', data: 'v', cacheType: 'weather' });
    expect(await db.getCacheEntry({ key: 'k', cacheType: 'weather', ttl: 0 })).toBeNull();
    expect(await db.getCacheEntry({ key: 'k', cacheType: 'weather', ttl: -5 })).toBeNull();
    expect(await db.getCacheEntry({ key: 'k', cacheType: 'weather' })).toMatchObject({ data: 'v' });
    // Age the entry to exactly 100 s (to the second, as stored) and ask with ttl 100 and 99.
    await db.transaction({}, async (tx) => {
      await tx.execute(`UPDATE cache_weather SET updated_at = datetime('now', '-100 seconds') WHERE key = 'k'`);
      expect(await tx.getCacheEntry({ key: 'k', cacheType: 'weather', ttl: 100 })).toMatchObject({ data: 'v' });
      expect(await tx.getCacheEntry({ key: 'k', cacheType: 'weather', ttl: 99 })).toBeNull();
    });
  });

  it('getPendingDelayedTasks returns tasks in insertion order, as the bot does', async () => {
    await db.addDelayedTask({ taskId: 'late', function: 'f', kwargs: '{}', delayedTS: 300 });
    await db.addDelayedTask({ taskId: 'early', function: 'f', kwargs: '{}', delayedTS: 100 });
    await db.addDelayedTask({ taskId: 'middle', function: 'f', kwargs: '{}', delayedTS: 200 });
    await db.updateDelayedTask({ id: 'middle', isDone: true });
    expect((await db.getPendingDelayedTasks()).map((t) => t.id)).toEqual(['late', 'early']);
  });

  it('every write resolves true once its statement ran, whether or not a row matched', async () => {
    const nobody = { chatId: CHAT, userId: 999 };
    const answers = await Promise.all([
      db.updateChatMessageCategory({ chatId: CHAT, messageId: 404, messageCategory: 'bot' }),
      db.markUserIsSpammer({ ...nobody, isSpammer: true }),
      db.updateUserMetadata({ ...nobody, metadata: '{}' }),
      db.deleteUserData({ ...nobody, key: 'x' }),
      db.clearUserData(nobody),
      db.unsetChatSetting({ chatId: CHAT, key: 'x' }),
      db.clearChatSettings({ chatId: CHAT }),
      db.deleteSpamMessagesByUserId(nobody),
      db.unsetCacheStorage({ namespace: 'n', key: 'k' }),
      db.clearCache({ cacheType: 'weather' }),
      db.updateMediaAttachment({ mediaId: 'missing', status: 'done' }),
      db.updateDelayedTask({ id: 'missing', isDone: true }),
      db.setSetting({ key: 'k', value: 'v' }),
      db.saveChatMessage({ date: new Date(), chatId: CHAT, userId: 1, messageId: 2 }),
      db.updateChatUser({ chatId: CHAT, userId: 2, username: '@b', fullName: 'B' }),
      db.addUserData({ chatId: CHAT, userId: 1, key: 'k', data: 'd' }),
      db.setChatSetting({ chatId: CHAT, key: 'k', value: 'v' }),
      db.updateChatInfo({ chatId: CHAT, type: 'group' }),
      db.updateChatTopicInfo({ chatId: CHAT, topicId: 1 }),
      db.addChatSummarization({ chatId: CHAT, firstMessageId: 1, lastMessageId: 2, prompt: 'p', summary: 's' }),
      db.addSpamMessage({ chatId: CHAT, userId: 1, messageId: 9, messageText: 't', spamReason: 'auto', score: 1 }),
      db.addHamMessage({ chatId: CHAT, userId: 1, messageId: 9, messageText: 't', spamReason: 'auto', score: 0 }),
      db.setCacheStorage({ namespace: 'n', key: 'k', value: 'v' }),
      db.setCacheEntry({ key: 'k', data: 'd', cacheType: 'weather' }),
      db.addMediaAttachment({ fileUniqueId: 'm', fileId: 'f' }),
      db.addDelayedTask({ taskId: 't', function: 'f', kwargs: '{}', delayedTS: 1 }),
    ]);
    expect(answers).toEqual(answers.map(() => true));
  });
});
