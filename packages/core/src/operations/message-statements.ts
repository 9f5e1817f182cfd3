/**
 * The statements that store a message and count it, shared by saveChatMessage (messages.ts) and each
 * engine's saveChatMessageIfNew plan (engines/<name>/plans.ts). The counters are upserts: one text per
 * engine, built through its dialect.
 */
import type { Dialect } from '@pkg/broker/operation';
import { perEngine } from './statement.js';

const MESSAGE_COLUMNS = [
  'chat_id',
  'message_id',
  'date',
  'user_id',
  'reply_id',
  'thread_id',
  'root_message_id',
  'message_text',
  'message_type',
  'message_category',
  'quote_text',
  'media_id',
] as const;

/** The message row: 12 parameters in MESSAGE_COLUMNS' order (the same text on every engine). */
export const INSERT_MESSAGE = `INSERT INTO chat_messages (chat_id, message_id, date, user_id, reply_id, thread_id, root_message_id,
  message_text, message_type, message_category, quote_text, media_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The sender's count: chat_id, user_id. */
export const COUNT_USER_MESSAGE =
  'UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?';

/** True while no message has the key: its two parameters are chat_id, message_id. */
export const ABSENT = 'NOT EXISTS (SELECT 1 FROM chat_messages WHERE chat_id = ? AND message_id = ?)';

/** The message row unless one with its (chat_id, message_id) is stored (then 0 changes). */
export function insertMessageIfNew(d: Dialect): string {
  return d.upsert({
    table: 'chat_messages',
    columns: MESSAGE_COLUMNS,
    key: ['chat_id', 'message_id'],
    onConflict: 'nothing',
  });
}

/**
 * The chat's count for the day: chat_id, date (the day), then `where`'s parameters. `values`: what is
 * inserted for (chat_id, date, messages_count), `?, ?, 1` unless given.
 */
export function countChatDay(d: Dialect, where?: string): string {
  return d.upsert({
    table: 'chat_stats',
    columns: ['chat_id', 'date', 'messages_count'],
    values: ['?', '?', '1'],
    ...(where === undefined ? {} : { where }),
    key: ['chat_id', 'date'],
    onConflict: { messages_count: { add: 1 }, updated_at: 'now' },
  });
}

/** The sender's count for the day in the chat: chat_id, user_id, date, then `where`'s parameters. */
export function countUserDay(d: Dialect, where?: string): string {
  return d.upsert({
    table: 'chat_user_stats',
    columns: ['chat_id', 'user_id', 'date', 'messages_count'],
    values: ['?', '?', '?', '1'],
    ...(where === undefined ? {} : { where }),
    key: ['chat_id', 'user_id', 'date'],
    onConflict: { messages_count: { add: 1 }, updated_at: 'now' },
  });
}

export const COUNT_CHAT_DAY = perEngine((d) => countChatDay(d));
export const COUNT_USER_DAY = perEngine((d) => countUserDay(d));
