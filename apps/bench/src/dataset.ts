/**
 * The run's data: a 100k-row message table (10 chats x 10k messages) built once per run in a temp dir.
 * The schema comes from the library itself (DatabaseWrapper creates it); senders go in through the API;
 * the messages are bulk-inserted with better-sqlite3 in one transaction. Point-read keys come from a
 * seeded PRNG, so every contender reads the same keys in the same order.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, mulberry32, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { progress } from './log.js';

export const CHATS = 10;
export const MESSAGES_PER_CHAT = 10_000;
export const USERS_PER_CHAT = 20;
/** Keys per run; a power of two so contenders index with a mask. */
export const KEY_COUNT = 1 << 16;
export const KEY_MASK = KEY_COUNT - 1;

export interface Key {
  chatId: number;
  messageId: string;
}

export interface Dataset {
  dir: TempDir;
  /** The 100k-row file every read contender opens. */
  mainPath: string;
  /** An empty file with the bot's schema (copied for the small sources). */
  templatePath: string;
  chatIds: number[];
  userIds: number[];
  keys: Key[];
  /** A copy of the 100k-row file under a new name, for a contender that writes or needs its own source. */
  copyMain(name: string): string;
  copyTemplate(name: string): string;
}

export const chatIdOf = (c: number): number => -1001234500000 - c;
export const userIdOf = (u: number): number => 70000 + u;

const WORDS = 'the bot saw a new message in chat and stored it with its sender date thread and media for later'.split(
  ' ',
);

function text(rand: () => number): string {
  const n = 3 + Math.floor(rand() * 25);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)] as string);
  return words.join(' ');
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Written pages reach the disk now, not while a later measurement runs (kernel writeback stalls opens). */
function flushToDisk(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function buildDataset(): Promise<Dataset> {
  const dir = createTempDir('botdb-bench-');
  const templatePath = dir.file('template.db');
  const mainPath = dir.file('main.db');
  const chatIds = Array.from({ length: CHATS }, (_, c) => chatIdOf(c));
  const userIds = Array.from({ length: USERS_PER_CHAT }, (_, u) => userIdOf(u));

  // Schema files made by the library (legacy dbPath constructor), senders via the API.
  const template = new DatabaseWrapper({ dbPath: templatePath });
  await template.ready();
  await template.close();
  const db = new DatabaseWrapper({ dbPath: mainPath });
  await db.ready();
  await Promise.all(
    chatIds.flatMap((chatId) =>
      userIds.map((userId) =>
        db.updateChatUser({ chatId, userId, username: `user${userId}`, fullName: `User ${userId}` }),
      ),
    ),
  );
  await db.close();

  // Bulk load: one transaction, about a second.
  const rand = mulberry32(20240501);
  const raw = new Database(mainPath);
  const insertMessage = raw.prepare(
    `INSERT INTO chat_messages (chat_id, message_id, date, user_id, reply_id, thread_id, root_message_id,
      message_text, message_type, message_category, quote_text, media_id) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, 'user', NULL, ?)`,
  );
  const insertMedia = raw.prepare(
    `INSERT INTO media_attachments (file_unique_id, file_id, file_size, media_type, metadata, status, mime_type)
     VALUES (?, ?, ?, 'photo', '{}', 'done', 'image/jpeg')`,
  );
  const base = Date.UTC(2024, 0, 1);
  raw.transaction(() => {
    for (let c = 0; c < CHATS; c++) {
      const chatId = chatIdOf(c);
      for (let m = 1; m <= MESSAGES_PER_CHAT; m++) {
        const reply = m > 1 && rand() < 0.2 ? String(m - 1 - Math.floor(rand() * Math.min(m - 1, 50))) : null;
        // One message in twenty carries a photo: the LEFT JOIN then returns media columns too.
        const mediaId = rand() < 0.05 ? `media-${c}-${m}` : null;
        if (mediaId !== null) insertMedia.run(mediaId, `file-${c}-${m}`, 1000 + Math.floor(rand() * 100_000));
        insertMessage.run(
          chatId,
          String(m),
          stamp(base + m * 60_000),
          userIdOf(Math.floor(rand() * USERS_PER_CHAT)),
          reply,
          reply,
          text(rand),
          mediaId === null ? 'text' : 'photo',
          mediaId,
        );
      }
    }
  })();
  raw.pragma('wal_checkpoint(TRUNCATE)');
  const rows = (raw.prepare('SELECT count(*) AS n FROM chat_messages').get() as { n: number }).n;
  raw.close();
  flushToDisk(mainPath);
  progress(`dataset: ${rows.toLocaleString('en-US')} messages in ${mainPath}`);

  const keyRand = mulberry32(7);
  const keys: Key[] = Array.from({ length: KEY_COUNT }, () => ({
    chatId: chatIdOf(Math.floor(keyRand() * CHATS)),
    messageId: String(1 + Math.floor(keyRand() * MESSAGES_PER_CHAT)),
  }));

  const copy = (from: string, name: string): string => {
    const to = dir.file(name);
    copyFileSync(from, to);
    flushToDisk(to);
    if (existsSync(`${from}-wal`)) throw new Error(`${from} still has a WAL file; it was not closed cleanly`);
    return to;
  };
  return {
    dir,
    mainPath,
    templatePath,
    chatIds,
    userIds,
    keys,
    copyMain: (name) => copy(mainPath, name),
    copyTemplate: (name) => copy(templatePath, name),
  };
}
