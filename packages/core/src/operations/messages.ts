import {
  type Dialect,
  defineOperation,
  type EngineContext,
  type Plan,
  type Query,
  type RunResult,
  type StatementText,
} from '@pkg/broker/operation';
import { BOT_PLANS } from '../engines/registry.js';
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
  type UpdateChatMessageTextArgs,
} from '../types.js';
import { COUNT_CHAT_DAY, COUNT_USER_DAY, COUNT_USER_MESSAGE, INSERT_MESSAGE } from './message-statements.js';
import { perEngine, runText, writeOne } from './statement.js';
import {
  requireInteger,
  requireOneOf,
  requireString,
  toMessageId,
  toMessageIdOrNull,
  toStoredTimestamp,
} from './values.js';

// The catalog of messages.
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

const MESSAGE_DATES = ['date', 'created_at', 'media_created_at', 'media_updated_at'] as const;

/**
 * Newest first, and newest first within one second (Telegram dates are whole seconds): ties on the date
 * break by message_id, newest first. Ids are TEXT; comparing length, then text, is numeric order for the
 * non-negative integer ids Telegram gives (999 before 1000), on both engines (PostgreSQL's TEXT columns are
 * COLLATE "C", byte order like SQLite's). Other ids still come in one fixed order: shorter first, then byte
 * order. The bot left ties in SQLite's scan order (ascending text); docs/migration-guide.md lists the
 * difference. No index serves the date order either way (v6 has only the primary key): the chat's rows are
 * found through (chat_id, message_id) and sorted, so the longer key costs the sort alone.
 */
const newestFirst = (d: Dialect) => ` ORDER BY m.date DESC, ${d.charLength('m.message_id')} DESC, m.message_id DESC`;
const oldestFirst = (d: Dialect) => ` ORDER BY m.date ASC, ${d.charLength('m.message_id')} ASC, m.message_id ASC`;
const NEWEST_FIRST = perEngine(newestFirst);
const BY_USER = perEngine((d) => `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.user_id = ?${newestFirst(d)} LIMIT ?`);
const BY_ROOT = perEngine((d) => `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.root_message_id = ?${oldestFirst(d)}`);
const BY_ROOT_IN_THREAD = perEngine(
  (d) => `${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.root_message_id = ? AND m.thread_id = ?${oldestFirst(d)}`,
);

const SET_TEXT = 'UPDATE chat_messages SET message_text = ? WHERE chat_id = ? AND message_id = ?';
const SET_CATEGORY = 'UPDATE chat_messages SET message_category = ? WHERE chat_id = ? AND message_id = ?';

function messageQuery(text: StatementText, params: unknown[]): Query {
  return { text, params, mode: 'all', dates: MESSAGE_DATES };
}

function* messageRows(text: StatementText, params: unknown[]): Plan<ChatMessage[]> {
  return (yield messageQuery(text, params)) as ChatMessage[];
}

/**
 * Several getChatMessageByMessageId calls of one batch as one statement (`(chat_id, message_id) IN (...)`,
 * the primary key's index): one round instead of one per key. The keys are padded to a power of two
 * (repeating the last) so a connection prepares at most 6 of these statements. Each call gets its own row
 * object, or null, exactly as the single form; a bad argument throws and each call runs alone.
 */
function* messagesByKeys(list: GetChatMessageByMessageIdArgs[]): Plan<Array<ChatMessage | null>> {
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
  const rows = (yield messageQuery(byKeysSql(size), params)) as ChatMessage[];
  const found = new Map<string, ChatMessage>();
  for (const r of rows) {
    const key = `${r.chat_id}\u0000${r.message_id}`;
    if (!found.has(key)) found.set(key, r);
  }
  const used = new Set<ChatMessage>();
  const out = new Array<ChatMessage | null>(n);
  for (let k = 0; k < n; k++) {
    const r = found.get(`${params[2 * k]}\u0000${params[2 * k + 1]}`);
    if (r === undefined) out[k] = null;
    else if (!used.has(r)) {
      used.add(r);
      out[k] = r;
    } else out[k] = copyMessage(r);
  }
  return out;
}

/** A second call for the same key gets its own row, Dates included (as if it had run alone). */
function copyMessage(r: ChatMessage): ChatMessage {
  const copy = { ...r } as Record<string, unknown>;
  for (const c of MESSAGE_DATES) {
    const v = copy[c];
    if (v instanceof Date) copy[c] = new Date(v.getTime());
  }
  return copy as unknown as ChatMessage;
}

const byKeysSqlCache = new Map<number, StatementText>();
function byKeysSql(size: number): StatementText {
  let sql = byKeysSqlCache.get(size);
  if (sql === undefined) {
    sql = perEngine((d) => `${SELECT_MESSAGE} WHERE ${d.tupleIn(['m.chat_id', 'm.message_id'], size)}`);
    byKeysSqlCache.set(size, sql);
  }
  return sql;
}

/** saveChatMessage's arguments as the message row and the counters' keys. */
function messageRow(a: SaveChatMessageArgs, e: EngineContext, op: string) {
  const chatId = requireInteger(a.chatId, op, 'chatId');
  const userId = requireInteger(a.userId, op, 'userId');
  const stored = toStoredTimestamp(a.date, op, 'date');
  const message = [
    chatId,
    toMessageId(a.messageId, op, 'messageId'),
    e.timestamp(stored),
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
  return { message, chatId, userId, day: e.timestamp(`${stored.slice(0, 10)} 00:00:00`) };
}

export const messageOperations = {
  /** The message and its counters, together or not at all (one transaction, as the bot does). */
  saveChatMessage: defineOperation('write', function* (a: SaveChatMessageArgs, e: EngineContext): Plan<true> {
    const { message, chatId, userId, day } = messageRow(a, e, 'saveChatMessage');
    yield {
      atomic: [
        runText(INSERT_MESSAGE, message),
        runText(COUNT_USER_MESSAGE, [chatId, userId]),
        runText(COUNT_CHAT_DAY, [chatId, day]),
        runText(COUNT_USER_DAY, [chatId, userId, day]),
      ],
    };
    return true;
  }),

  /**
   * saveChatMessage for a message not stored yet: true when stored, false (nothing counted) when it was.
   * Deciding "not stored yet" atomically differs per engine (one writer at a time, or row locks): the
   * engine's plan (engines/<name>/plans.ts) does it.
   */
  saveChatMessageIfNew: defineOperation('write', (a: SaveChatMessageArgs, e: EngineContext): Plan<boolean> => {
    const { message, chatId, userId, day } = messageRow(a, e, 'saveChatMessageIfNew');
    return BOT_PLANS[e.engine].saveChatMessageIfNew({ message, chatId, userId, day });
  }),

  /** An edited message's text: true when the message exists (and now has it), false when none does. */
  updateChatMessageText: defineOperation('write', function* (a: UpdateChatMessageTextArgs): Plan<boolean> {
    const op = 'updateChatMessageText';
    const params = [
      requireString(a.messageText, op, 'messageText'),
      requireInteger(a.chatId, op, 'chatId'),
      toMessageId(a.messageId, op, 'messageId'),
    ];
    return ((yield runText(SET_TEXT, params)) as RunResult).changes > 0;
  }),

  /** True when the statement ran, whether or not a message matched (the bot's answer). */
  updateChatMessageCategory: defineOperation('write', (a: UpdateChatMessageCategoryArgs) => {
    const op = 'updateChatMessageCategory';
    return writeOne(SET_CATEGORY, [
      requireOneOf(a.messageCategory, MESSAGE_CATEGORIES, op, 'messageCategory'),
      requireInteger(a.chatId, op, 'chatId'),
      toMessageId(a.messageId, op, 'messageId'),
    ]);
  }),

  getChatMessageByMessageId: defineOperation(
    'read',
    function* (a: GetChatMessageByMessageIdArgs): Plan<ChatMessage | null> {
      const op = 'getChatMessageByMessageId';
      const row = yield {
        text: BY_MESSAGE_ID,
        params: [requireInteger(a.chatId, op, 'chatId'), toMessageId(a.messageId, op, 'messageId')],
        mode: 'get',
        dates: MESSAGE_DATES,
      };
      return row === undefined ? null : (row as ChatMessage);
    },
    messagesByKeys,
  ),

  getChatMessagesByUser: defineOperation('read', (a: GetChatMessagesByUserArgs) => {
    const op = 'getChatMessagesByUser';
    return messageRows(BY_USER, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
      a.limit ?? 100,
    ]);
  }),

  getChatMessagesSince: defineOperation('read', (a: GetChatMessagesSinceArgs, e) => {
    const op = 'getChatMessagesSince';
    const where = ['m.chat_id = ?'];
    const params: unknown[] = [requireInteger(a.chatId, op, 'chatId')];
    if (a.sinceDateTime != null) {
      where.push('m.date > ?');
      params.push(e.timestamp(toStoredTimestamp(a.sinceDateTime, op, 'sinceDateTime')));
    }
    if (a.tillDateTime != null) {
      where.push('m.date < ?');
      params.push(e.timestamp(toStoredTimestamp(a.tillDateTime, op, 'tillDateTime')));
    }
    if (a.threadId != null) {
      where.push('m.thread_id = ?');
      params.push(requireInteger(a.threadId, op, 'threadId'));
    }
    // An empty list matches nothing (the bot sends `IN ()`, which only SQLite takes): FALSE on both engines.
    if (a.messageCategory != null) {
      if (a.messageCategory.length === 0) where.push('FALSE');
      else where.push(`m.message_category IN (${a.messageCategory.map(() => '?').join(', ')})`);
      for (const c of a.messageCategory) params.push(requireOneOf(c, MESSAGE_CATEGORIES, op, 'messageCategory'));
    }
    let sql = `${SELECT_MESSAGE} WHERE ${where.join(' AND ')}${NEWEST_FIRST[e.engine]}`;
    if (a.limit != null) {
      sql += ' LIMIT ?';
      params.push(requireInteger(a.limit, op, 'limit'));
    }
    return messageRows(sql, params);
  }),

  getChatMessagesByRootId: defineOperation('read', (a: GetChatMessagesByRootIdArgs) => {
    const op = 'getChatMessagesByRootId';
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const root = toMessageId(a.rootMessageId, op, 'rootMessageId');
    if (a.threadId == null) return messageRows(BY_ROOT, [chatId, root]);
    return messageRows(BY_ROOT_IN_THREAD, [chatId, root, requireInteger(a.threadId, op, 'threadId')]);
  }),
};
