/**
 * The example bot, offline: realistic updates go through `bot.handleUpdate`, every Bot API call is answered
 * locally, and the data lands in three sources: a SQLite primary, a readonly SQLite archive (the hiking
 * club's older messages) and PostgreSQL (the book club). What `/history` replied is what the test checks.
 */
import { type DatabaseConfigInput, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir, testSchemaName } from '@pkg/testkit';
import { describePostgres } from '@pkg/testkit/vitest';
import type { Bot } from 'grammy';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBot } from '../src/bot.js';
import { answerLocally, type SentMessage } from '../src/offline-api.js';
import { ann, annPrivate, bob, books, hiking, UPDATES } from './updates.js';

/** The config refuses a password inside the URL: it travels in an environment variable. */
const PASSWORD_ENV = 'EXAMPLE_BOT_PG_PASSWORD';

/** The hiking club's messages from last year, in a file the bot only reads. */
async function createArchive(path: string): Promise<void> {
  const db = new DatabaseWrapper({ dbPath: path });
  try {
    await db.updateChatUser({ chatId: hiking.id, userId: ann.id, username: 'ann', fullName: 'Ann' });
    await db.saveChatMessage({
      chatId: hiking.id,
      userId: ann.id,
      messageId: 990,
      date: '2024-09-01 09:00:00',
      messageText: 'Last hike of the season: 12 km',
    });
    await db.saveChatMessage({
      chatId: hiking.id,
      userId: ann.id,
      messageId: 991,
      date: '2024-09-01 09:15:00',
      messageText: 'Photos are in the album',
    });
  } finally {
    await db.close();
  }
}

describePostgres('the example bot', (rawUrl) => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  let bot: Bot;
  let sent: SentMessage[];
  const schema = testSchemaName('example-bot');

  beforeAll(async () => {
    dir = createTempDir('example-bot-');
    await createArchive(dir.file('archive-2024.db'));
    const url = new URL(rawUrl);
    process.env[PASSWORD_ENV] = decodeURIComponent(url.password);
    url.password = '';
    const config: DatabaseConfigInput = {
      default: 'primary',
      sources: {
        primary: { path: dir.file('bot.db') },
        archive: { path: dir.file('archive-2024.db'), readonly: true },
        books: { type: 'postgresql', url: url.toString(), schema, passwordEnv: PASSWORD_ENV },
      },
      chatMapping: { [books.id]: 'books' },
    };
    db = new DatabaseWrapper({ config });
    await db.ready();
    bot = createBot('123456:offline-token', db);
    sent = answerLocally(bot);
    await bot.init(); // getMe, answered locally
    for (const update of UPDATES) await bot.handleUpdate(update);
  });

  afterAll(async () => {
    await db?.close();
    dir?.cleanup();
    const admin = postgres(rawUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end({ timeout: 5 });
  });

  const replyIn = (chatId: number) => sent.filter((m) => m.chatId === chatId).map((m) => m.text);

  it('/history in the hiking club: the edit, the photo, same-second messages in id order, then the archive', () => {
    expect(replyIn(hiking.id)).toEqual([
      [
        '[09:15:00] ann: Photos are in the album',
        "[10:00:00] ann: Morning! Who's in for Sunday?",
        '[10:00:05] bob: Me!',
        '[10:00:10] bob: The trail map (photo 48213 bytes)',
        '[10:00:10] cat_reads: +1, bringing snacks',
        'You have sent 2 messages here.',
      ].join('\n'),
    ]);
  });

  it('/history in the book club (PostgreSQL) and in a private chat with its own history size', () => {
    expect(replyIn(books.id)).toEqual([
      '[10:00:06] cat_reads: Chapter 3 done, no spoilers please\nYou have sent 2 messages here.',
    ]);
    expect(replyIn(annPrivate.id)).toEqual([
      '/history now shows 1 messages.',
      '[10:00:12] ann: hi bot\nYou have sent 3 messages here.',
    ]);
  });

  it('the re-delivered update was stored and counted once; the data is where the config puts it', async () => {
    expect((await db.getChatUser({ chatId: hiking.id, userId: bob.id }))?.messages_count).toBe(2);
    const [day] = (await db.query({
      sql: `SELECT messages_count FROM chat_stats WHERE chat_id = ${hiking.id}`,
      chatId: hiking.id,
    })) as Array<{ messages_count: number }>;
    expect(day?.messages_count).toBe(5);
    expect(db.routeFor({ chatId: books.id }).source).toBe('books');
    expect(await db.getChatInfo({ chatId: books.id })).toMatchObject({ title: 'Book club', type: 'group' });
    expect(await db.getMediaAttachment({ mediaId: 'AQADlarge' })).toMatchObject({
      file_id: 'AgACAgIAAxkBAAIBY2ZlargeQ',
      file_size: 48_213,
    });
    expect(await db.getChatSetting({ chatId: annPrivate.id, setting: 'history-size' })).toBe('1');
  });
});
