import { defineOperation } from '@pkg/broker/operation';
import type {
  ChatInfo,
  ChatKey,
  ChatTopic,
  GetUserChatsArgs,
  UpdateChatInfoArgs,
  UpdateChatTopicInfoArgs,
} from '../types.js';
import { type CatalogStatement, perEngine, readAll, readOne, STAMPS, writeOne } from './statement.js';
import { requireInteger, requireString } from './values.js';

// The catalog of chats and topics.
const UPSERT_CHAT_INFO = perEngine((d) =>
  d.upsert({
    table: 'chat_info',
    columns: ['chat_id', 'type', 'title', 'username', 'is_forum'],
    key: ['chat_id'],
    onConflict: { type: 'inserted', title: 'inserted', username: 'inserted', is_forum: 'inserted', updated_at: 'now' },
  }),
);
const CHAT_ROWS = { dates: STAMPS, flags: ['is_forum'] } as const;
const CHAT_INFO: CatalogStatement = { text: 'SELECT * FROM chat_info WHERE chat_id = ?', ...CHAT_ROWS };
const UPSERT_TOPIC = perEngine((d) =>
  d.upsert({
    table: 'chat_topics',
    columns: ['chat_id', 'topic_id', 'icon_color', 'icon_custom_emoji_id', 'name'],
    key: ['chat_id', 'topic_id'],
    onConflict: { icon_color: 'inserted', icon_custom_emoji_id: 'inserted', name: 'inserted', updated_at: 'now' },
  }),
);
const CHAT_TOPICS: CatalogStatement = {
  text: 'SELECT * FROM chat_topics WHERE chat_id = ? ORDER BY topic_id',
  dates: STAMPS,
};
const USER_CHATS: CatalogStatement = {
  text: `SELECT ci.* FROM chat_info ci JOIN chat_users cu ON cu.chat_id = ci.chat_id
  WHERE cu.user_id = ? ORDER BY ci.chat_id`,
  ...CHAT_ROWS,
};
const GROUP_CHATS: CatalogStatement = {
  text: `SELECT * FROM chat_info WHERE type IN ('group', 'supergroup') ORDER BY chat_id`,
  ...CHAT_ROWS,
};

export const chatOperations = {
  updateChatInfo: defineOperation('write', (a: UpdateChatInfoArgs, e) => {
    const op = 'updateChatInfo';
    return writeOne(UPSERT_CHAT_INFO, [
      requireInteger(a.chatId, op, 'chatId'),
      requireString(a.type, op, 'type'),
      a.title ?? null,
      a.username ?? null,
      e.flag(a.isForum === true),
    ]);
  }),

  getChatInfo: defineOperation('read', (a: ChatKey) =>
    readOne<ChatInfo>(CHAT_INFO, [requireInteger(a.chatId, 'getChatInfo', 'chatId')]),
  ),

  updateChatTopicInfo: defineOperation('write', (a: UpdateChatTopicInfoArgs) => {
    const op = 'updateChatTopicInfo';
    return writeOne(UPSERT_TOPIC, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.topicId, op, 'topicId'),
      a.iconColor ?? null,
      a.customEmojiId ?? null,
      // The bot names a topic without a name "Default".
      a.topicName ?? 'Default',
    ]);
  }),

  getChatTopics: defineOperation('read', (a: ChatKey) =>
    readAll<ChatTopic>(CHAT_TOPICS, [requireInteger(a.chatId, 'getChatTopics', 'chatId')]),
  ),

  /** One source's part of the cross-source read; the wrapper merges the parts. */
  getUserChats: defineOperation('read', (a: GetUserChatsArgs) =>
    readAll<ChatInfo>(USER_CHATS, [requireInteger(a.userId, 'getUserChats', 'userId')]),
  ),

  getAllGroupChats: defineOperation('read', (_a: Record<string, never>) => readAll<ChatInfo>(GROUP_CHATS, [])),
};
