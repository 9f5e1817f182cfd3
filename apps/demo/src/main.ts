/**
 * The demonstration the README's first command runs: a bot with four sources (its own
 * database, a readonly archive, another bot's database opened readonly, and a test database),
 * configured by configs/examples/multi-source.toml, handling simulated traffic.
 */
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatabaseError, DatabaseWrapper, loadConfig } from '@pkg/core';
import { copyReferenceDb, createTempDir, generateSampleChats, replay, type WriteOp } from '@pkg/testkit';

const EXAMPLE_CONFIG = fileURLToPath(new URL('../../../configs/examples/multi-source.toml', import.meta.url));
const ARCHIVED_CHAT = -1001000000010; // mapped to "archive" by the example config
const EXTERNAL_CHAT = -1001000000011; // mapped to "external_bot"
const TEST_CHAT = 100200; // mapped to "test"

async function fill(path: string, ops: readonly WriteOp[]): Promise<void> {
  const db = new DatabaseWrapper({ dbPath: path });
  try {
    await replay(db, ops);
  } finally {
    await db.close();
  }
}

function section(title: string): void {
  console.log(`\n== ${title}`);
}

async function main(): Promise<void> {
  const work = createTempDir('botdb-demo-');
  try {
    section(`Preparing the files in ${work.path}`);
    const configPath = work.file('botdb.config.toml');
    copyFileSync(EXAMPLE_CONFIG, configPath);
    const primary = generateSampleChats({ seed: 1, chats: 3, messagesPerChat: 40 });
    await fill(work.file('bot.db'), primary.ops);
    // The archive holds last year's copy of one chat; it is opened readonly below.
    const archived = generateSampleChats({ seed: 7, chats: 1, messagesPerChat: 30, chatIdBase: ARCHIVED_CHAT });
    await fill(work.file('archive.db'), archived.ops);
    copyReferenceDb(work.path, 'external_bot.db');
    console.log('bot.db      : primary, %d chats generated', primary.chats.length);
    console.log('archive.db  : chat %d, filled, then opened readonly', ARCHIVED_CHAT);
    console.log('external_bot.db: a database made by the existing bot (5 chats, 2000 messages)');

    section(`Loading ${EXAMPLE_CONFIG.replace(`${process.cwd()}/`, '')}`);
    // Warnings go to the logger given here (by default they become process warnings).
    const { config, filepath } = await loadConfig({
      path: configPath,
      logger: { warn: (message) => console.log('warning: %s', message) },
    });
    console.log('from %s: default "%s", sources %s', filepath, config.default, Object.keys(config.sources).join(', '));

    const db = new DatabaseWrapper({ config });
    try {
      await db.ready();

      section('Where each chat routes');
      const chats = [...primary.chats.map((c) => c.chatId), ARCHIVED_CHAT, EXTERNAL_CHAT, TEST_CHAT];
      for (const chatId of chats) {
        const read = db.routeFor({ chatId });
        let write: string;
        try {
          write = db.routeFor({ chatId, write: true }).source;
        } catch (e) {
          write = `refused (${(e as DatabaseError).code})`;
        }
        console.log(
          'chat %s  read -> %s (%s), write -> %s',
          String(chatId).padStart(15),
          read.source,
          read.reason,
          write,
        );
      }

      section('Simulated traffic: 600 calls in flight at once over all sources');
      await db.updateChatInfo({ chatId: TEST_CHAT, type: 'private', title: null, username: 'tester' });
      await db.updateChatUser({ chatId: TEST_CHAT, userId: 42, username: '@tester', fullName: 'Test User' });
      const calls: Promise<unknown>[] = [];
      const started = performance.now();
      for (let i = 0; i < 100; i++) {
        const chat = primary.chats[i % primary.chats.length];
        if (chat === undefined) continue;
        const date = new Date(Date.UTC(2026, 0, 1) + i * 60_000);
        calls.push(
          db.saveChatMessage({
            date,
            chatId: chat.chatId,
            userId: chat.users[0] ?? 0,
            messageId: 10_000 + i,
            messageText: `live ${i}`,
          }),
          db.saveChatMessage({ date, chatId: TEST_CHAT, userId: 42, messageId: i + 1, messageText: `test ${i}` }),
          db.getChatMessagesByUser({ chatId: chat.chatId, userId: chat.users[0] ?? 0, limit: 5 }),
          db.getChatInfo({ chatId: ARCHIVED_CHAT }),
          db.getChatMessageByMessageId({ chatId: EXTERNAL_CHAT, messageId: 1 + (i % 300) }),
          db.getChatSettings({ chatId: EXTERNAL_CHAT }),
        );
      }
      const results = await Promise.allSettled(calls);
      const failed = results.filter((r) => r.status === 'rejected').length;
      console.log(
        '%d calls settled in %s ms, %d failed',
        results.length,
        (performance.now() - started).toFixed(1),
        failed,
      );
      const info = await db.getChatInfo({ chatId: EXTERNAL_CHAT });
      console.log('external_bot chat %d is "%s" (%s)', EXTERNAL_CHAT, info?.title, info?.type);
      const testUser = await db.getChatUser({ chatId: TEST_CHAT, userId: 42 });
      console.log(
        'test chat %d: %s has %d messages (counted by saveChatMessage)',
        TEST_CHAT,
        testUser?.username,
        testUser?.messages_count,
      );

      section('A write to the readonly archive is refused');
      try {
        await db.saveChatMessage({
          date: new Date(),
          chatId: ARCHIVED_CHAT,
          userId: 1,
          messageId: 999_999,
          messageText: 'x',
        });
        console.log('unexpected: the write went through');
      } catch (e) {
        const err = e as DatabaseError;
        console.log('%s (%s)\n%s', err.name, err.code, err.message);
      }

      section('A cross-source aggregate: every group chat, de-duplicated');
      const foundIn = new Map<number, string[]>();
      const perSource: string[] = [];
      for (const dataSource of db.sources) {
        const rows = await db.getAllGroupChats({ dataSource });
        perSource.push(`${dataSource}: ${rows.length}`);
        for (const r of rows) foundIn.set(r.chat_id, [...(foundIn.get(r.chat_id) ?? []), dataSource]);
      }
      const groups = await db.getAllGroupChats();
      console.log('per source: %s; merged: %d', perSource.join(', '), groups.length);
      for (const g of groups) {
        const sources = foundIn.get(g.chat_id) ?? [];
        const kept = sources.length > 1 ? `, kept from ${db.routeFor({ chatId: g.chat_id }).source}` : '';
        console.log(
          '  %s  %s  in %s%s',
          String(g.chat_id).padStart(15),
          (g.title ?? '').padEnd(14),
          sources.join(' + '),
          kept,
        );
      }

      section('Per-source stats');
      const stats = await db.stats();
      console.log('source        calls errors batches  opened acquired  reuse    p50 us   p99 us');
      for (const s of Object.values(stats)) {
        console.log(
          '%s %s %s %s %s %s %s %s %s',
          s.source.padEnd(12),
          String(s.calls).padStart(6),
          String(s.errors).padStart(6),
          String(s.batches).padStart(7),
          String(s.connectionsOpened).padStart(7),
          String(s.connectionsAcquired).padStart(8),
          `${(s.reuseRate * 100).toFixed(1)}%`.padStart(6),
          String(s.latency.p50Us).padStart(8),
          String(s.latency.p99Us).padStart(8),
        );
      }
    } finally {
      await db.close();
    }
    console.log('\nDone: every worker closed.');
  } finally {
    work.cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof DatabaseError ? `${e.name} (${e.code}): ${e.message}` : e);
  process.exitCode = 1;
});
