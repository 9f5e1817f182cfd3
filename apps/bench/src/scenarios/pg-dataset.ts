/**
 * The PostgreSQL run's data, written through the library into a fresh schema: 4 chats (3 groups with negative
 * ids, 1 private chat), 20 senders each (updateChatUser), 20,000 messages (saveChatMessage, 500 at a time in
 * flight, so the worker pipelines them on its writer). One chat holds 10,500 messages for the 10,000-row read.
 * Point-read keys are drawn from the saved messages with a seeded PRNG, so both contenders read the same keys.
 */
import type { DatabaseWrapper, SaveChatMessageArgs } from '@pkg/core';
import { mulberry32 } from '@pkg/testkit';
import { KEY_COUNT, type Key } from '../dataset.js';
import { fmtInt, progress } from '../log.js';

export interface PgDataset {
  chats: Array<{ chatId: number; messages: number }>;
  /** The chat with at least 10,000 messages. */
  bigChatId: number;
  userIds: number[];
  messages: number;
  keys: Key[];
}

const CHATS: PgDataset['chats'] = [
  { chatId: -1001234500001, messages: 10_500 },
  { chatId: -1001234500002, messages: 3_500 },
  { chatId: -4012345678, messages: 3_000 },
  { chatId: 123456789, messages: 3_000 },
];
const USERS = 20;
const IN_FLIGHT = 500;
const BASE = Date.UTC(2024, 0, 1);

const WORDS = 'the bot saw a new message in chat and stored it with its sender date thread and media for later'.split(
  ' ',
);

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `countMessages`: the rows of chat_messages, counted by the caller's own client (not the library). */
export async function buildPgDataset(db: DatabaseWrapper, countMessages: () => Promise<number>): Promise<PgDataset> {
  const t0 = performance.now();
  const userIds = Array.from({ length: USERS }, (_, u) => 70000 + u);
  await Promise.all(
    CHATS.flatMap(({ chatId }) =>
      userIds.map((userId) =>
        db.updateChatUser({ chatId, userId, username: `user${userId}`, fullName: `User ${userId}` }),
      ),
    ),
  );

  const rand = mulberry32(20240501);
  const all: SaveChatMessageArgs[] = [];
  for (const { chatId, messages } of CHATS) {
    for (let m = 1; m <= messages; m++) {
      const words = Array.from({ length: 3 + Math.floor(rand() * 25) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
      const reply = m > 1 && rand() < 0.2 ? String(m - 1 - Math.floor(rand() * Math.min(m - 1, 50))) : null;
      all.push({
        chatId,
        userId: userIds[Math.floor(rand() * USERS)] as number,
        messageId: String(m),
        date: stamp(BASE + m * 60_000),
        replyId: reply,
        rootMessageId: reply,
        messageText: words.join(' '),
      });
    }
  }
  for (let i = 0; i < all.length; i += IN_FLIGHT) {
    await Promise.all(all.slice(i, i + IN_FLIGHT).map((m) => db.saveChatMessage(m)));
  }
  // Counted by the caller's own client: the library's db.query reserves a connection, and the driver's reserve()
  // never resolves when it has to open a new one for it (postgres 3.4.9), as it must once the writer holds the only one.
  const messages = await countMessages();
  if (messages !== all.length) throw new Error(`dataset: ${messages} messages stored, ${all.length} saved`);
  progress(
    `dataset: ${fmtInt(messages)} messages in ${CHATS.length} chats through saveChatMessage ` +
      `(${IN_FLIGHT} in flight) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const keyRand = mulberry32(7);
  const keys: Key[] = Array.from({ length: KEY_COUNT }, () => {
    let r = Math.floor(keyRand() * all.length);
    for (const c of CHATS) {
      if (r < c.messages) return { chatId: c.chatId, messageId: String(r + 1) };
      r -= c.messages;
    }
    throw new Error('unreachable: key beyond the dataset');
  });
  return { chats: CHATS, bigChatId: (CHATS[0] as PgDataset['chats'][number]).chatId, userIds, messages, keys };
}
