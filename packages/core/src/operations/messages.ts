import { defineOperation, type OperationContext } from '@pkg/broker/operation';
import type { Database, Transaction } from 'better-sqlite3';
import {
  type ChatMessage,
  type GetChatMessageByMessageIdArgs,
  type GetChatMessagesByRootIdArgs,
  type GetChatMessagesByUserArgs,
  type GetChatMessagesSinceArgs,
  MESSAGE_CATEGORIES,
  MESSAGE_TYPES,
  type SaveChatMessageArgs,
  type UpdateChatMessageCategoryArgs,
} from '../types.js';
import { shapedStatement } from './row-shape.js';
import { requireInteger, requireOneOf, toMessageId, toMessageIdOrNull, toStoredTimestamp } from './values.js';

/** Message rows carry the sender (inner join: only senders known in the chat) and the media. */
const SELECT_MESSAGE = `SELECT m.*, u.username, u.full_name,
  a.file_unique_id AS media_file_unique_id, a.file_id AS media_file_id, a.file_size AS media_file_size,
  a.media_type AS media_media_type, a.metadata AS media_metadata, a.status AS media_status,
  a.mime_type AS media_mime_type, a.local_url AS media_local_url, a.prompt AS media_prompt,
  a.description AS media_description, a.created_at AS media_created_at, a.updated_at AS media_updated_at
FROM chat_messages m
JOIN chat_users u ON u.chat_id = m.chat_id AND u.user_id = m.user_id
LEFT JOIN media_attachments a ON a.file_unique_id = m.media_id`;

/** `getChatMessageByMessageId`'s statement (apps/bench checks its text against its own copy). */
const BY_MESSAGE_ID = `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.message_id = ?`;

const saveTransactions = new WeakMap<
  Database,
  Transaction<(p: unknown[], chat: number, user: number, d: string) => void>
>();

const MESSAGE_DATES = ['date', 'created_at', 'media_created_at', 'media_updated_at'] as const;

/** A message query's rows, built from raw arrays with one shape per statement (see row-shape.ts). */
function messageRows(ctx: OperationContext, sql: string, params: unknown[]): ChatMessage[] {
  const { stmt, row } = shapedStatement(ctx, sql, MESSAGE_DATES);
  const raw = stmt.all(params) as unknown[][];
  const rows = new Array<ChatMessage>(raw.length);
  for (let i = 0; i < raw.length; i++) rows[i] = row(raw[i] as unknown[]) as unknown as ChatMessage;
  return rows;
}

/**
 * Several getChatMessageByMessageId calls of one batch as one statement (`(chat_id, message_id) IN (VALUES
 * ...)`, the primary key's index): one SQLite round instead of one per key. The keys are padded to a power
 * of two (repeating the last) so a connection prepares at most 6 of these statements. Each call gets its
 * own row object, or null, exactly as the single form; a bad argument throws and each call runs alone.
 */
function messagesByKeys(ctx: OperationContext, list: GetChatMessageByMessageIdArgs[]): Array<ChatMessage | null> {
  const op = 'getChatMessageByMessageId';
  const n = list.length;
  let size = 2;
  while (size < n) size *= 2;
  const params = new Array<unknown>(size * 2);
  for (let k = 0; k < n; k++) {
    const a = list[k] as GetChatMessageByMessageIdArgs;
    params[2 * k] = requireInteger(a.chatId, op, 'chatId');
    params[2 * k + 1] = toMessageId(a.messageId, op, 'messageId');
  }
  for (let k = n; k < size; k++) {
    params[2 * k] = params[2 * n - 2];
    params[2 * k + 1] = params[2 * n - 1];
  }
  const { stmt, row, columns } = shapedStatement(ctx, byKeysSql(size), MESSAGE_DATES);
  const chatAt = columns.indexOf('chat_id');
  const messageAt = columns.indexOf('message_id');
  const found = new Map<string, unknown[]>();
  for (const r of stmt.all(params) as unknown[][]) {
    const key = `${r[chatAt]}\u0000${r[messageAt]}`;
    if (!found.has(key)) found.set(key, r);
  }
  const out = new Array<ChatMessage | null>(n);
  for (let k = 0; k < n; k++) {
    const r = found.get(`${params[2 * k]}\u0000${params[2 * k + 1]}`);
    out[k] = r === undefined ? null : (row(r) as unknown as ChatMessage);
  }
  return out;
}

const byKeysSqlCache = new Map<number, string>();
function byKeysSql(size: number): string {
  let sql = byKeysSqlCache.get(size);
  if (sql === undefined) {
    sql = `${SELECT_MESSAGE} WHERE (m.chat_id, m.message_id) IN (VALUES ${Array.from({ length: size }, () => '(?, ?)').join(', ')})`;
    byKeysSqlCache.set(size, sql);
  }
  return sql;
}

export const messageOperations = {
  saveChatMessage: defineOperation('write', (ctx, a: SaveChatMessageArgs): true => {
    const op = 'saveChatMessage';
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const userId = requireInteger(a.userId, op, 'userId');
    const date = toStoredTimestamp(a.date, op, 'date');
    const day = `${date.slice(0, 10)} 00:00:00`;
    const insert = ctx.statement(
      `INSERT INTO chat_messages (chat_id, message_id, date, user_id, reply_id, thread_id, root_message_id,
        message_text, message_type, message_category, quote_text, media_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const countUser = ctx.statement(
      'UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?',
    );
    const chatStats = ctx.statement(
      `INSERT INTO chat_stats (chat_id, date, messages_count) VALUES (?, ?, 1)
       ON CONFLICT (chat_id, date) DO UPDATE SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP`,
    );
    const userStats = ctx.statement(
      `INSERT INTO chat_user_stats (chat_id, user_id, date, messages_count) VALUES (?, ?, ?, 1)
       ON CONFLICT (chat_id, user_id, date) DO UPDATE SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP`,
    );
    const params = [
      chatId,
      toMessageId(a.messageId, op, 'messageId'),
      date,
      userId,
      toMessageIdOrNull(a.replyId, op, 'replyId'),
      a.threadId ?? 0,
      toMessageIdOrNull(a.rootMessageId, op, 'rootMessageId'),
      a.messageText ?? '',
      requireOneOf(a.messageType ?? 'text', MESSAGE_TYPES, op, 'messageType'),
      requireOneOf(a.messageCategory ?? 'unspecified', MESSAGE_CATEGORIES, op, 'messageCategory'),
      a.quoteText ?? null,
      a.mediaId ?? null,
    ];
    // One transaction, as the bot does: the message and its counters land together or not at all.
    // (Inside db.transaction() better-sqlite3 nests this as a savepoint.) Built once per connection.
    let save = saveTransactions.get(ctx.db);
    if (save === undefined) {
      save = ctx.db.transaction((p: unknown[], chat: number, user: number, d: string) => {
        insert.run(p);
        countUser.run(chat, user);
        chatStats.run(chat, d);
        userStats.run(chat, user, d);
      });
      saveTransactions.set(ctx.db, save);
    }
    save.immediate(params, chatId, userId, day);
    return true;
  }),

  /** True when the statement ran, whether or not a message matched (the bot's answer). */
  updateChatMessageCategory: defineOperation('write', (ctx, a: UpdateChatMessageCategoryArgs): true => {
    const op = 'updateChatMessageCategory';
    ctx
      .statement('UPDATE chat_messages SET message_category = ? WHERE chat_id = ? AND message_id = ?')
      .run(
        requireOneOf(a.messageCategory, MESSAGE_CATEGORIES, op, 'messageCategory'),
        requireInteger(a.chatId, op, 'chatId'),
        toMessageId(a.messageId, op, 'messageId'),
      );
    return true;
  }),

  getChatMessageByMessageId: defineOperation(
    'read',
    (ctx, a: GetChatMessageByMessageIdArgs): ChatMessage | null => {
      const op = 'getChatMessageByMessageId';
      const { stmt, row } = shapedStatement(ctx, BY_MESSAGE_ID, MESSAGE_DATES);
      const values = stmt.get(requireInteger(a.chatId, op, 'chatId'), toMessageId(a.messageId, op, 'messageId'));
      return values === undefined ? null : (row(values as unknown[]) as unknown as ChatMessage);
    },
    messagesByKeys,
  ),

  getChatMessagesByUser: defineOperation('read', (ctx, a: GetChatMessagesByUserArgs): ChatMessage[] => {
    const op = 'getChatMessagesByUser';
    return messageRows(ctx, `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.user_id = ? ORDER BY m.date DESC LIMIT ?`, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
      a.limit ?? 100,
    ]);
  }),

  getChatMessagesSince: defineOperation('read', (ctx, a: GetChatMessagesSinceArgs): ChatMessage[] => {
    const op = 'getChatMessagesSince';
    const where = ['m.chat_id = ?'];
    const params: unknown[] = [requireInteger(a.chatId, op, 'chatId')];
    if (a.sinceDateTime != null) {
      where.push('m.date > ?');
      params.push(toStoredTimestamp(a.sinceDateTime, op, 'sinceDateTime'));
    }
    if (a.tillDateTime != null) {
      where.push('m.date < ?');
      params.push(toStoredTimestamp(a.tillDateTime, op, 'tillDateTime'));
    }
    if (a.threadId != null) {
      where.push('m.thread_id = ?');
      params.push(requireInteger(a.threadId, op, 'threadId'));
    }
    // An empty list matches nothing (the bot sends `IN ()`); only null/undefined means no filter.
    if (a.messageCategory != null) {
      where.push(`m.message_category IN (${a.messageCategory.map(() => '?').join(', ')})`);
      for (const c of a.messageCategory) params.push(requireOneOf(c, MESSAGE_CATEGORIES, op, 'messageCategory'));
    }
    let sql = `${SELECT_MESSAGE} WHERE ${where.join(' AND ')} ORDER BY m.date DESC`;
    if (a.limit != null) {
      sql += ' LIMIT ?';
      params.push(requireInteger(a.limit, op, 'limit'));
    }
    return messageRows(ctx, sql, params);
  }),

  getChatMessagesByRootId: defineOperation('read', (ctx, a: GetChatMessagesByRootIdArgs): ChatMessage[] => {
    const op = 'getChatMessagesByRootId';
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const root = toMessageId(a.rootMessageId, op, 'rootMessageId');
    if (a.threadId == null) {
      return messageRows(ctx, `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.root_message_id = ? ORDER BY m.date ASC`, [
        chatId,
        root,
      ]);
    }
    return messageRows(
      ctx,
      `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.root_message_id = ? AND m.thread_id = ? ORDER BY m.date ASC`,
      [chatId, root, requireInteger(a.threadId, op, 'threadId')],
    );
  }),
};
