/** Runs in a child process (see active-sources.ts): paths in argv, the sample back over IPC. */
import { DatabaseWrapper } from '@pkg/core';
import Database from 'better-sqlite3';
import { settled } from './child-sample.js';

export interface ActiveSourcesSample {
  sources: number;
  memoryOpenSourceMB: number;
  memoryAfterReadsSourceMB: number;
}

const MB = 1024 * 1024;
const POINT_READS = 8_000;

async function main(): Promise<void> {
  const paths = process.argv.slice(2);
  const raw = new Database(paths[0] as string, { readonly: true });
  const keys = raw
    .prepare(
      `SELECT chat_id AS chatId, message_id AS messageId FROM chat_messages ORDER BY random() LIMIT ${POINT_READS}`,
    )
    .all() as Array<{ chatId: number; messageId: string }>;
  const chats = (raw.prepare('SELECT DISTINCT chat_id AS c FROM chat_messages').all() as Array<{ c: number }>).map(
    (r) => r.c,
  );
  const users = (
    raw.prepare('SELECT DISTINCT user_id AS u FROM chat_messages LIMIT 5').all() as Array<{ u: number }>
  ).map((r) => r.u);
  raw.close();
  const sources: Record<string, { path: string }> = {};
  for (const [i, path] of paths.entries()) sources[`s${i}`] = { path };
  await settled();
  const before = process.memoryUsage.rss();
  const db = new DatabaseWrapper({ config: { default: 's0', sources, chatMapping: {} } });
  await db.ready();
  await settled();
  const opened = process.memoryUsage.rss();
  for (const dataSource of Object.keys(sources)) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keys.length)
          await db.getChatMessageByMessageId({ ...(keys[next++] as (typeof keys)[0]), dataSource });
      }),
    );
    for (const chatId of chats) {
      await db.getChatMessagesSince({ chatId, limit: 100, dataSource });
      await db.getChatInfo({ chatId, dataSource });
      await db.getChatSettings({ chatId, dataSource });
      for (const userId of users) await db.getChatUser({ chatId, userId, dataSource });
    }
    await db.getCacheEntry({ cacheType: 'weather', key: 'bench', dataSource });
  }
  await settled();
  const worked = process.memoryUsage.rss();
  await db.close();
  const sample: ActiveSourcesSample = {
    sources: paths.length,
    memoryOpenSourceMB: (opened - before) / MB / paths.length,
    memoryAfterReadsSourceMB: (worked - before) / MB / paths.length,
  };
  process.send?.(sample);
}

await main();
