import { createHash } from 'node:crypto';
import { defineOperation } from '@pkg/broker/operation';
import {
  type AddChatSummarizationArgs,
  type AddSpamMessageArgs,
  type ChatSummarization,
  type ChatSummarizationKey,
  type ChatUserKey,
  type GetSpamMessagesArgs,
  type GetSpamMessagesByTextArgs,
  SPAM_REASONS,
  type SpamMessage,
} from '../types.js';
import { fixTimestamps, requireInteger, requireNumber, requireOneOf, requireString, toMessageId } from './values.js';

function spamRow(row: unknown): SpamMessage {
  return fixTimestamps<SpamMessage>(row as Record<string, unknown>, 'created_at', 'updated_at');
}

/** The bot's cache key: topic printed as Python's None when absent. */
export function summarizationId(a: ChatSummarizationKey): string {
  const topic = a.topicId ?? 'None';
  return `${a.chatId}:${topic}_${a.firstMessageId}:${a.lastMessageId}-${a.prompt}`;
}

/**
 * The key the later (multi-source) bot writes: the hex SHA-512 of the same text (UTF-8).
 * A file written by that bot keeps its rows under this key; we find and update them.
 */
export function hashedSummarizationId(plain: string): string {
  return createHash('sha512').update(plain, 'utf8').digest('hex');
}

function summaryKeys(a: ChatSummarizationKey, op: string): [string, string] {
  const plain = summarizationId({
    ...a,
    chatId: requireInteger(a.chatId, op, 'chatId'),
    firstMessageId: toMessageId(a.firstMessageId, op, 'firstMessageId'),
    lastMessageId: toMessageId(a.lastMessageId, op, 'lastMessageId'),
    prompt: requireString(a.prompt, op, 'prompt'),
  });
  return [plain, hashedSummarizationId(plain)];
}

function addClassified(table: 'spam_messages' | 'ham_messages', op: string) {
  return defineOperation('write', (ctx, a: AddSpamMessageArgs): true => {
    ctx
      .statement(`INSERT INTO ${table} (chat_id, user_id, message_id, text, reason, score) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(
        requireInteger(a.chatId, op, 'chatId'),
        requireInteger(a.userId, op, 'userId'),
        toMessageId(a.messageId, op, 'messageId'),
        requireString(a.messageText, op, 'messageText'),
        requireOneOf(a.spamReason, SPAM_REASONS, op, 'spamReason'),
        requireNumber(a.score, op, 'score'),
      );
    return true;
  });
}

export const summaryAndSpamOperations = {
  /**
   * Upsert by the bot's key. A row the later bot wrote (SHA-512 key) is updated in place rather
   * than duplicated under the plain key.
   */
  addChatSummarization: defineOperation('write', (ctx, a: AddChatSummarizationArgs): true => {
    const op = 'addChatSummarization';
    const [plain, hashed] = summaryKeys(a, op);
    const summary = requireString(a.summary, op, 'summary');
    const updated = ctx
      .statement('UPDATE chat_summarization_cache SET summary = ?, updated_at = CURRENT_TIMESTAMP WHERE csid IN (?, ?)')
      .run(summary, plain, hashed).changes;
    if (updated > 0) return true;
    const first = toMessageId(a.firstMessageId, op, 'firstMessageId');
    const last = toMessageId(a.lastMessageId, op, 'lastMessageId');
    ctx
      .statement(
        `INSERT INTO chat_summarization_cache (csid, chat_id, topic_id, first_message_id, last_message_id, prompt, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (csid) DO UPDATE SET summary = excluded.summary, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(plain, requireInteger(a.chatId, op, 'chatId'), a.topicId ?? null, first, last, a.prompt, summary);
    return true;
  }),

  getChatSummarization: defineOperation('read', (ctx, a: ChatSummarizationKey): ChatSummarization | null => {
    const op = 'getChatSummarization';
    // By key, as both bots look it up: the plain key (seed-date bot) or its SHA-512 (later bot).
    const row = ctx
      .statement(
        'SELECT * FROM chat_summarization_cache WHERE csid IN (?, ?) ORDER BY updated_at DESC, rowid DESC LIMIT 1',
      )
      .get(...summaryKeys(a, op));
    return row === undefined
      ? null
      : fixTimestamps<ChatSummarization>(row as Record<string, unknown>, 'created_at', 'updated_at');
  }),

  addSpamMessage: addClassified('spam_messages', 'addSpamMessage'),
  addHamMessage: addClassified('ham_messages', 'addHamMessage'),

  deleteSpamMessagesByUserId: defineOperation('write', (ctx, a: ChatUserKey): true => {
    const op = 'deleteSpamMessagesByUserId';
    ctx
      .statement('DELETE FROM spam_messages WHERE chat_id = ? AND user_id = ?')
      .run(requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId'));
    return true;
  }),

  /** In primary-key order (message ids compare as text), as the bot's query returns them. */
  getSpamMessagesByUserId: defineOperation('read', (ctx, a: ChatUserKey): SpamMessage[] => {
    const op = 'getSpamMessagesByUserId';
    return ctx
      .statement('SELECT * FROM spam_messages WHERE chat_id = ? AND user_id = ? ORDER BY message_id')
      .all(requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId'))
      .map(spamRow);
  }),

  /** In insertion order, like the bot; the wrapper merges sources in configuration order. */
  getSpamMessages: defineOperation('read', (ctx, a: GetSpamMessagesArgs): SpamMessage[] =>
    ctx
      .statement('SELECT * FROM spam_messages ORDER BY rowid LIMIT ?')
      .all(requireInteger(a.limit ?? 1000, 'getSpamMessages', 'limit'))
      .map(spamRow),
  ),

  getSpamMessagesByText: defineOperation('read', (ctx, a: GetSpamMessagesByTextArgs): SpamMessage[] =>
    ctx
      .statement('SELECT * FROM spam_messages WHERE text = ? ORDER BY rowid')
      .all(requireString(a.text, 'getSpamMessagesByText', 'text'))
      .map(spamRow),
  ),
};
