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

function addClassified(table: 'spam_messages' | 'ham_messages', op: string) {
  return defineOperation('write', (ctx, a: AddSpamMessageArgs): void => {
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
  });
}

export const summaryAndSpamOperations = {
  addChatSummarization: defineOperation('write', (ctx, a: AddChatSummarizationArgs): void => {
    const op = 'addChatSummarization';
    const first = toMessageId(a.firstMessageId, op, 'firstMessageId');
    const last = toMessageId(a.lastMessageId, op, 'lastMessageId');
    ctx
      .statement(
        `INSERT INTO chat_summarization_cache (csid, chat_id, topic_id, first_message_id, last_message_id, prompt, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (csid) DO UPDATE SET summary = excluded.summary, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(
        summarizationId({ ...a, firstMessageId: first, lastMessageId: last }),
        requireInteger(a.chatId, op, 'chatId'),
        a.topicId ?? null,
        first,
        last,
        requireString(a.prompt, op, 'prompt'),
        requireString(a.summary, op, 'summary'),
      );
  }),

  getChatSummarization: defineOperation('read', (ctx, a: ChatSummarizationKey): ChatSummarization | null => {
    const op = 'getChatSummarization';
    const row = ctx
      .statement(
        `SELECT * FROM chat_summarization_cache
         WHERE chat_id = ? AND topic_id IS ? AND first_message_id = ? AND last_message_id = ? AND prompt = ?`,
      )
      .get(
        requireInteger(a.chatId, op, 'chatId'),
        a.topicId ?? null,
        toMessageId(a.firstMessageId, op, 'firstMessageId'),
        toMessageId(a.lastMessageId, op, 'lastMessageId'),
        requireString(a.prompt, op, 'prompt'),
      );
    return row === undefined
      ? null
      : fixTimestamps<ChatSummarization>(row as Record<string, unknown>, 'created_at', 'updated_at');
  }),

  addSpamMessage: addClassified('spam_messages', 'addSpamMessage'),
  addHamMessage: addClassified('ham_messages', 'addHamMessage'),

  deleteSpamMessagesByUserId: defineOperation('write', (ctx, a: ChatUserKey): number => {
    const op = 'deleteSpamMessagesByUserId';
    return ctx
      .statement('DELETE FROM spam_messages WHERE chat_id = ? AND user_id = ?')
      .run(requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId')).changes;
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
