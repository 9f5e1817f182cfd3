/**
 * The operations' one body and their catalog on both engines: the same calls, in the same order, through a
 * wrapper on a SQLite file and through a wrapper on a PostgreSQL source give the same answers (stamps
 * aside), with the same keys in the same order: every operation, its edge cases, its ordering ties.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { operations } from '../src/operations/index.js';
import { createFileSchema, describePostgres } from './pg-harness.js';

type Call = [name: keyof typeof operations, args: Record<string, unknown>];

/** Stamps written by the server's clock differ between the two runs; every other value must not. */
function withoutStamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStamps);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = /(^|_)(created_at|updated_at)$/.test(k) ? (v instanceof Date ? 'stamp' : v) : withoutStamps(v);
  }
  return out;
}

const at = (day: number, second = 0) => new Date(Date.UTC(2025, 0, day, 12, 0, second));

const CALLS: Call[] = [
  ['updateChatUser', { chatId: -1001, userId: 7, username: 'ann', fullName: 'Ann' }],
  ['updateChatUser', { chatId: -1001, userId: 8, username: 'bob', fullName: 'Bob' }],
  ['updateChatInfo', { chatId: -1001, type: 'supergroup', title: 'T', isForum: true }],
  ['updateChatInfo', { chatId: 42, type: 'private' }],
  ['updateChatTopicInfo', { chatId: -1001, topicId: 3, iconColor: 5 }],
  ['addMediaAttachment', { fileUniqueId: 'f1', fileId: 'id1', fileSize: 10 }],
  ['updateMediaAttachment', { mediaId: 'f1', status: 'done', description: 'a cat' }],
  // Equal dates: the tie-breaker orders them the same on both engines.
  ...[3, 1, 2, 10, 20].map(
    (id): Call => [
      'saveChatMessage',
      { chatId: -1001, userId: id === 20 ? 8 : 7, messageId: id, date: at(2), rootMessageId: 1, mediaId: 'f1' },
    ],
  ),
  ['saveChatMessage', { chatId: -1001, userId: 7, messageId: 30, date: at(3, 5), threadId: 3, messageCategory: 'bot' }],
  ['updateChatMessageCategory', { chatId: -1001, messageId: 2, messageCategory: 'bot' }],
  ['getChatMessageByMessageId', { chatId: -1001, messageId: 2 }],
  ['getChatMessageByMessageId', { chatId: -1001, messageId: 99 }],
  ['getChatMessagesByUser', { chatId: -1001, userId: 7, limit: 4 }],
  ['getChatMessagesSince', { chatId: -1001, sinceDateTime: at(1), tillDateTime: at(4) }],
  ['getChatMessagesSince', { chatId: -1001, messageCategory: [] }],
  ['getChatMessagesSince', { chatId: -1001, messageCategory: ['bot'], threadId: 3, limit: 5 }],
  ['getChatMessagesByRootId', { chatId: -1001, rootMessageId: 1 }],
  ['getChatMessagesByRootId', { chatId: -1001, rootMessageId: 1, threadId: 0 }],
  ['markUserIsSpammer', { chatId: -1001, userId: 8, isSpammer: true }],
  ['updateUserMetadata', { chatId: -1001, userId: 7, metadata: '{"x":1}' }],
  ['getChatUser', { chatId: -1001, userId: 8 }],
  ['getChatUserByUsername', { chatId: -1001, username: 'ann' }],
  ['getChatUsers', { chatId: -1001 }],
  ['getChatUsers', { chatId: -1001, seenSince: at(1), limit: 1 }],
  ['getChatInfo', { chatId: -1001 }],
  ['getChatTopics', { chatId: -1001 }],
  ['getUserChats', { userId: 7 }],
  ['getAllGroupChats', {}],
  ['setChatSetting', { chatId: -1001, key: 'a', value: 'text' }],
  ['setChatSetting', { chatId: -1001, key: 'b', value: 5 }],
  ['setChatSetting', { chatId: -1001, key: 'c', value: true }],
  ['setChatSetting', { chatId: -1001, key: 'd', value: null }],
  ['setChatSetting', { chatId: -1001, key: 'a', value: 'again' }],
  ['getChatSetting', { chatId: -1001, setting: 'a' }],
  ['getChatSettings', { chatId: -1001 }],
  ['unsetChatSetting', { chatId: -1001, key: 'b' }],
  ['getChatSettings', { chatId: -1001 }],
  ['clearChatSettings', { chatId: -1001 }],
  ['addUserData', { userId: 7, chatId: -1001, key: 'k', data: 'v' }],
  ['addUserData', { userId: 7, chatId: -1001, key: 'k', data: 'w' }],
  ['getUserData', { userId: 7, chatId: -1001 }],
  ['deleteUserData', { userId: 7, chatId: -1001, key: 'k' }],
  ['clearUserData', { userId: 7, chatId: -1001 }],
  ['setSetting', { key: 'x', value: '1' }],
  ['setSetting', { key: 'x', value: '2' }],
  ['getSetting', { key: 'x' }],
  ['getSetting', { key: 'missing', default: 'd' }],
  ['addChatSummarization', { chatId: -1001, firstMessageId: 1, lastMessageId: 3, prompt: 'p', summary: 's1' }],
  ['addChatSummarization', { chatId: -1001, firstMessageId: 1, lastMessageId: 3, prompt: 'p', summary: 's2' }],
  ['getChatSummarization', { chatId: -1001, firstMessageId: 1, lastMessageId: 3, prompt: 'p' }],
  ...[2, 1, 3].map(
    (id): Call => [
      'addSpamMessage',
      { chatId: -1001, userId: 8, messageId: id, messageText: 'buy', spamReason: 'auto', score: 0.5 },
    ],
  ),
  ['addHamMessage', { chatId: -1001, userId: 7, messageId: 1, messageText: 'hi', spamReason: 'user', score: 0.1 }],
  ['getSpamMessagesByUserId', { chatId: -1001, userId: 8 }],
  ['getSpamMessages', { limit: 2 }],
  ['getSpamMessagesByText', { text: 'buy' }],
  ['deleteSpamMessagesByUserId', { chatId: -1001, userId: 8 }],
  ['getSpamMessages', {}],
  ['addDelayedTask', { taskId: 'b', function: 'f', kwargs: '{}', delayedTS: 2 }],
  ['addDelayedTask', { taskId: 'a', function: 'f', kwargs: '{}', delayedTS: 1 }],
  ['addDelayedTask', { taskId: 'c', function: 'f', kwargs: '{}', delayedTS: 3 }],
  ['updateDelayedTask', { id: 'c', isDone: true }],
  ['getPendingDelayedTasks', {}],
  ['claimDelayedTasks', { owner: 'p1', limit: 1 }],
  ['claimDelayedTasks', { owner: 'p2' }],
  ['claimDelayedTasks', { owner: 'p1' }],
  ['releaseDelayedTasks', { owner: 'p2' }],
  ['claimDelayedTasks', { owner: 'p3' }],
  ['setCacheStorage', { namespace: 'n', key: 'k', value: 'v' }],
  ['setCacheStorage', { namespace: 'n', key: 'k', value: 'w' }],
  ['setCacheStorage', { namespace: 'n', key: 'j', value: 'v' }],
  ['getCacheStorage', {}],
  ['unsetCacheStorage', { namespace: 'n', key: 'k' }],
  ['setCacheEntry', { cacheType: 'weather', key: 'k', data: 'd' }],
  ['getCacheEntry', { cacheType: 'weather', key: 'k' }],
  ['getCacheEntry', { cacheType: 'weather', key: 'k', ttl: 3600 }],
  ['getCacheEntry', { cacheType: 'weather', key: 'k', ttl: 0 }],
  ['clearCache', { cacheType: 'weather' }],
  ['getCacheEntry', { cacheType: 'weather', key: 'k' }],
  ['getMediaAttachment', { mediaId: 'f1' }],
];

describePostgres('the operations on PostgreSQL answer as on SQLite', (url) => {
  let schema: { name: string; drop(): Promise<void> };
  let dir: TempDir;
  let db: DatabaseWrapper;
  let pg: DatabaseWrapper;

  beforeAll(async () => {
    schema = await createFileSchema(url, 'postgres-operations');
    pg = new DatabaseWrapper({
      config: { default: 'pg', sources: { pg: { type: 'postgresql', url, schema: schema.name } } },
    });
    dir = createTempDir('core-pg-ops-');
    db = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
  });
  afterAll(async () => {
    await db?.close();
    await pg?.close();
    dir?.cleanup();
    await schema?.drop();
  });

  it('every call, in order: same answer, same keys in the same order', async () => {
    const call = (w: DatabaseWrapper, name: string, args: unknown) =>
      (w as unknown as Record<string, (a: unknown) => Promise<unknown>>)[name]?.call(w, args);
    for (const [name, args] of CALLS) {
      const onSqlite = withoutStamps(await call(db, name, args));
      const onPostgres = withoutStamps(await call(pg, name, args));
      expect([name, args, onPostgres]).toEqual([name, args, onSqlite]);
      if (onSqlite !== null && typeof onSqlite === 'object') {
        const keys = (v: unknown) =>
          JSON.stringify(Array.isArray(v) ? v.map((r) => Object.keys(r)) : Object.keys(v as object));
        expect([name, keys(onPostgres)]).toEqual([name, keys(onSqlite)]);
      }
    }
  });
});
