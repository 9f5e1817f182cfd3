import { createHash } from 'node:crypto';
import { defineOperation, type Plan, type RunResult } from '@pkg/broker/operation';
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
import { type CatalogStatement, perEngine, readAll, readOne, runText, STAMPS, writeOne } from './statement.js';
import { requireInteger, requireNumber, requireOneOf, requireString, toMessageId } from './values.js';

// The catalog of summaries and classified messages. Explicit column lists where the PostgreSQL table
// has a `rowid` column the SQLite one keeps hidden (see postgres-v6.ts): the rows keep SQLite's keys.
const SUMMARY_COLUMNS =
  'csid, chat_id, topic_id, first_message_id, last_message_id, prompt, summary, created_at, updated_at';
const UPDATE_SUMMARY =
  'UPDATE chat_summarization_cache SET summary = ?, updated_at = CURRENT_TIMESTAMP WHERE csid IN (?, ?)';
const INSERT_SUMMARY = perEngine((d) =>
  d.upsert({
    table: 'chat_summarization_cache',
    columns: ['csid', 'chat_id', 'topic_id', 'first_message_id', 'last_message_id', 'prompt', 'summary'],
    key: ['csid'],
    onConflict: { summary: 'inserted', updated_at: 'now' },
  }),
);
const SUMMARY: CatalogStatement = {
  text: `SELECT ${SUMMARY_COLUMNS} FROM chat_summarization_cache WHERE csid IN (?, ?) ORDER BY updated_at DESC, rowid DESC LIMIT 1`,
  dates: STAMPS,
};
const SPAM_COLUMNS = 'chat_id, user_id, message_id, text, reason, score, created_at, updated_at';
const INSERT_SPAM =
  'INSERT INTO spam_messages (chat_id, user_id, message_id, text, reason, score) VALUES (?, ?, ?, ?, ?, ?)';
const INSERT_HAM =
  'INSERT INTO ham_messages (chat_id, user_id, message_id, text, reason, score) VALUES (?, ?, ?, ?, ?, ?)';
const DELETE_USER_SPAM = 'DELETE FROM spam_messages WHERE chat_id = ? AND user_id = ?';
const USER_SPAM: CatalogStatement = {
  text: `SELECT ${SPAM_COLUMNS} FROM spam_messages WHERE chat_id = ? AND user_id = ? ORDER BY message_id`,
  dates: STAMPS,
};
const SPAM: CatalogStatement = {
  text: `SELECT ${SPAM_COLUMNS} FROM spam_messages ORDER BY rowid LIMIT ?`,
  dates: STAMPS,
};
const SPAM_BY_TEXT: CatalogStatement = {
  text: `SELECT ${SPAM_COLUMNS} FROM spam_messages WHERE text = ? ORDER BY rowid`,
  dates: STAMPS,
};

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

function addClassified(text: string, op: string) {
  return defineOperation('write', (a: AddSpamMessageArgs) =>
    writeOne(text, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
      toMessageId(a.messageId, op, 'messageId'),
      requireString(a.messageText, op, 'messageText'),
      requireOneOf(a.spamReason, SPAM_REASONS, op, 'spamReason'),
      requireNumber(a.score, op, 'score'),
    ]),
  );
}

export const summaryAndSpamOperations = {
  /**
   * Upsert by the bot's key. A row the later bot wrote (SHA-512 key) is updated in place rather
   * than duplicated under the plain key.
   */
  addChatSummarization: defineOperation('write', function* (a: AddChatSummarizationArgs): Plan<true> {
    const op = 'addChatSummarization';
    const [plain, hashed] = summaryKeys(a, op);
    const summary = requireString(a.summary, op, 'summary');
    const first = toMessageId(a.firstMessageId, op, 'firstMessageId');
    const last = toMessageId(a.lastMessageId, op, 'lastMessageId');
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const updated = (yield runText(UPDATE_SUMMARY, [summary, plain, hashed])) as RunResult;
    if (updated.changes > 0) return true;
    yield runText(INSERT_SUMMARY, [plain, chatId, a.topicId ?? null, first, last, a.prompt, summary]);
    return true;
  }),

  getChatSummarization: defineOperation('read', (a: ChatSummarizationKey) =>
    // By key, as both bots look it up: the plain key (seed-date bot) or its SHA-512 (later bot).
    readOne<ChatSummarization>(SUMMARY, summaryKeys(a, 'getChatSummarization')),
  ),

  addSpamMessage: addClassified(INSERT_SPAM, 'addSpamMessage'),
  addHamMessage: addClassified(INSERT_HAM, 'addHamMessage'),

  deleteSpamMessagesByUserId: defineOperation('write', (a: ChatUserKey) => {
    const op = 'deleteSpamMessagesByUserId';
    return writeOne(DELETE_USER_SPAM, [requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId')]);
  }),

  /** In primary-key order (message ids compare as text), as the bot's query returns them. */
  getSpamMessagesByUserId: defineOperation('read', (a: ChatUserKey) => {
    const op = 'getSpamMessagesByUserId';
    return readAll<SpamMessage>(USER_SPAM, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
    ]);
  }),

  /** In insertion order, like the bot; the wrapper merges sources in configuration order. */
  getSpamMessages: defineOperation('read', (a: GetSpamMessagesArgs) =>
    readAll<SpamMessage>(SPAM, [requireInteger(a.limit ?? 1000, 'getSpamMessages', 'limit')]),
  ),

  getSpamMessagesByText: defineOperation('read', (a: GetSpamMessagesByTextArgs) =>
    readAll<SpamMessage>(SPAM_BY_TEXT, [requireString(a.text, 'getSpamMessagesByText', 'text')]),
  ),
};
