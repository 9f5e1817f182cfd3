/** Messages the write scenarios save: unique ids per contender, senders that exist, stored-format dates. */
import type { SaveChatMessageArgs } from '@pkg/core';

const BASE = Date.UTC(2025, 0, 1);

/** Who may post: chats and the senders known in them (a SQLite or a PostgreSQL dataset). */
export interface Posters {
  chatIds: readonly number[];
  userIds: readonly number[];
}

export function messageFactory(data: Posters, firstId: number): () => SaveChatMessageArgs {
  let n = 0;
  return () => {
    const i = n++;
    return {
      chatId: data.chatIds[i % data.chatIds.length] as number,
      userId: data.userIds[(i * 7) % data.userIds.length] as number,
      messageId: String(firstId + i),
      // A message a second: the daily counters are upserted into the same row most of the time, as in the bot.
      date: new Date(BASE + i * 1000).toISOString().slice(0, 19).replace('T', ' '),
      messageText: `benchmark message ${i} with a few words of text`,
    };
  };
}

/**
 * The direct peers' INSERT parameters for one message, with the bot's defaults (no reply, thread 0, type text,
 * category unspecified), in the statement's column order; `date` as the engine binds it.
 */
export function directInsertParams(a: SaveChatMessageArgs, date: unknown): unknown[] {
  return [
    a.chatId,
    String(a.messageId),
    date,
    a.userId,
    null,
    0,
    null,
    a.messageText ?? '',
    'text',
    'unspecified',
    null,
    null,
  ];
}
