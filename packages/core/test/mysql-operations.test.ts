/**
 * Every per-engine statement core has for MySQL, on the real server (MariaDB): the bot's recorded writes
 * replayed through core's operations, then every reference read, equal to the bot's answers (ignoring only the
 * wall-clock columns, as the SQLite replay test does). The plans are driven statement by statement
 * (mysql-plans.ts), so the statement texts are proved before and apart from the engine's runner.
 */

import { connectMysql } from '@pkg/broker/engines';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, readReferenceExpected, readReferenceWrites, replay, withLibraryTieOrder } from '@pkg/testkit';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { prepareMysql } from '../src/engines/mysql/prepare.js';
import { asStored, collectReferenceReads, withoutWallClock } from './helpers.js';
import { createTestDatabase, describeMariaDb } from './mysql-harness.js';
import { operationsOn } from './mysql-plans.js';

describeMariaDb("core's operations on MySQL", (serverUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const password = decodeURIComponent(new URL(serverUrl).password);
  if (password !== '') process.env.BOTDB_TEST_MYSQL_OPS_PW = password;
  const target = {
    name: 'main',
    passwordEnv: password === '' ? null : 'BOTDB_TEST_MYSQL_OPS_PW',
    readonly: false,
    timeoutMs: 10_000,
  };
  const urlWithoutItsPassword = (url: string) => {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  };
  beforeAll(async () => {
    db = await createTestDatabase(serverUrl, 'mysql-operations');
    pool = connectMysql({ ...target, url: urlWithoutItsPassword(db.url) });
    await prepareMysql(pool, { name: 'main', readonly: false }, 'test');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('the bot’s writes replayed through the operations give the bot’s reads (wall-clock columns aside)', async () => {
    const api = operationsOn(pool);
    const writes = readReferenceWrites();
    await replay(api as never, writes.ops);
    const expected = withLibraryTieOrder(readReferenceExpected());
    const reads = await collectReferenceReads(api as never, expected, writes);
    expect(withoutWallClock(reads)).toEqual(withoutWallClock(expected));
  }, 120_000);

  it('answers as SQLite does beyond the reference: upserts that change values, TTL reads, edits, deletes, claims, settings as text', async () => {
    const CHAT = -1001000000099;
    const calls: [string, Record<string, unknown>][] = [
      ['updateChatInfo', { chatId: CHAT, type: 'supergroup', title: 'T', isForum: true }],
      ['updateChatInfo', { chatId: CHAT, type: 'supergroup', title: 'T2', isForum: false }],
      ['getChatInfo', { chatId: CHAT }],
      ['updateChatUser', { chatId: CHAT, userId: 7, username: '@a', fullName: 'A' }],
      ['updateChatUser', { chatId: CHAT, userId: 7, username: '@b', fullName: 'B' }],
      ['markUserIsSpammer', { chatId: CHAT, userId: 7, isSpammer: true }],
      ['getChatUser', { chatId: CHAT, userId: 7 }],
      ['setChatSetting', { chatId: CHAT, key: 'model', value: 'x' }],
      ['setChatSetting', { chatId: CHAT, key: 'model', value: 'y' }],
      ['setChatSetting', { chatId: CHAT, key: 'Model', value: 'z' }],
      ['setChatSetting', { chatId: CHAT, key: 'model ', value: 'w' }],
      ['getChatSettings', { chatId: CHAT }],
      ['unsetChatSetting', { chatId: CHAT, key: 'Model' }],
      ['getChatSetting', { chatId: CHAT, setting: 'model' }],
      ['getChatSettings', { chatId: CHAT }],
      ['setSetting', { key: 'flag', value: 'on' }],
      ['setSetting', { key: 'flag', value: 'off' }],
      ['setChatSetting', { chatId: CHAT, key: 'n', value: 42 }],
      ['setChatSetting', { chatId: CHAT, key: 'f', value: 0.1 }],
      ['setChatSetting', { chatId: CHAT, key: 'b', value: true }],
      ['getSetting', { key: 'flag' }],
      ['addUserData', { userId: 7, chatId: CHAT, key: 'city', data: 'A' }],
      ['addUserData', { userId: 7, chatId: CHAT, key: 'city', data: 'B' }],
      ['getUserData', { userId: 7, chatId: CHAT }],
      ['deleteUserData', { userId: 7, chatId: CHAT, key: 'city' }],
      ['getUserData', { userId: 7, chatId: CHAT }],
      [
        'saveChatMessageIfNew',
        { chatId: CHAT, userId: 7, messageId: 10, date: '2025-01-02 03:04:05', messageText: 'hi' },
      ],
      [
        'saveChatMessageIfNew',
        { chatId: CHAT, userId: 7, messageId: 10, date: '2025-01-02 03:04:05', messageText: 'hi' },
      ],
      ['saveChatMessage', { chatId: CHAT, userId: 7, messageId: 9, date: '2025-01-02 03:04:05', messageText: 'é' }],
      ['saveChatMessage', { chatId: CHAT, userId: 7, messageId: 11, date: '2025-01-02 03:04:05', messageText: 'x' }],
      ['updateChatMessageText', { chatId: CHAT, messageId: 10, messageText: 'hi' }],
      ['updateChatMessageText', { chatId: CHAT, messageId: 12, messageText: 'no' }],
      ['getChatMessagesByUser', { chatId: CHAT, userId: 7 }],
      ['getChatUser', { chatId: CHAT, userId: 7 }],
      ['setCacheEntry', { key: 'k', data: 'd1', cacheType: 'weather' }],
      ['setCacheEntry', { key: 'k', data: 'd2', cacheType: 'weather' }],
      ['getCacheEntry', { key: 'k', cacheType: 'weather' }],
      ['getCacheEntry', { key: 'k', cacheType: 'weather', ttl: 3600 }],
      ['getCacheEntry', { key: 'k', cacheType: 'weather', ttl: 0 }],
      ['setCacheStorage', { namespace: 'n', key: 'a', value: '1' }],
      ['setCacheStorage', { namespace: 'n', key: 'a', value: '2' }],
      ['unsetCacheStorage', { namespace: 'n', key: 'b' }],
      ['addDelayedTask', { taskId: 'z1', function: 'f', kwargs: '{}', delayedTS: 1 }],
      ['addDelayedTask', { taskId: 'a2', function: 'f', kwargs: '{}', delayedTS: 2 }],
      ['addDelayedTask', { taskId: 'm3', function: 'f', kwargs: '{}', delayedTS: 3 }],
      ['claimDelayedTasks', { owner: 'p1', limit: 2 }],
      ['claimDelayedTasks', { owner: 'p2' }],
      ['updateDelayedTask', { id: 'z1', isDone: true }],
      ['getPendingDelayedTasks', {}],
      ['releaseDelayedTasks', { owner: 'p1' }],
      ['claimDelayedTasks', { owner: 'p2' }],
      [
        'addSpamMessage',
        { chatId: CHAT, userId: 7, messageId: 5, messageText: 'spam', spamReason: 'auto', score: 0.5 },
      ],
      ['getSpamMessagesByText', { text: 'spam' }],
      ['deleteSpamMessagesByUserId', { chatId: CHAT, userId: 7 }],
      ['getSpamMessagesByText', { text: 'spam' }],
    ];
    const dir = createTempDir('core-mysql-vs-sqlite-');
    const lite = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    const other = await createTestDatabase(serverUrl, 'mysql-operations-2');
    const otherPool = connectMysql({ ...target, url: urlWithoutItsPassword(other.url) });
    await prepareMysql(otherPool, { name: 'main', readonly: false }, 'test');
    const api = operationsOn(otherPool);
    try {
      for (const [method, args] of calls) {
        const want = await (lite as unknown as Record<string, (a: unknown) => Promise<unknown>>)[method]?.(args);
        const got = await api[method]?.(args);
        expect(withoutWallClock(asStored(got)), `${method} ${JSON.stringify(args)}`).toEqual(
          withoutWallClock(asStored(want)),
        );
      }
    } finally {
      await lite.close();
      dir.cleanup();
      await otherPool.end();
      await other.drop();
    }
  }, 60_000);
});
