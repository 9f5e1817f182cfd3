/** Messages the write scenarios save: unique ids per contender, senders that exist, stored-format dates. */
import type { SaveChatMessageArgs } from '@pkg/core';
import type { Dataset } from '../dataset.js';

const BASE = Date.UTC(2025, 0, 1);

export function messageFactory(data: Dataset, firstId: number): () => SaveChatMessageArgs {
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
