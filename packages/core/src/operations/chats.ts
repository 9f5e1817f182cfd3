import { defineOperation } from '@pkg/broker/operation';
import type {
  ChatInfo,
  ChatKey,
  ChatTopic,
  GetUserChatsArgs,
  UpdateChatInfoArgs,
  UpdateChatTopicInfoArgs,
} from '../types.js';
import { fixBooleans, fixTimestamps, requireInteger, requireString } from './values.js';

function chatRow(row: unknown): ChatInfo {
  const r = row as Record<string, unknown>;
  fixBooleans(r, 'is_forum');
  return fixTimestamps<ChatInfo>(r, 'created_at', 'updated_at');
}

export const chatOperations = {
  updateChatInfo: defineOperation('write', (ctx, a: UpdateChatInfoArgs): true => {
    const op = 'updateChatInfo';
    ctx
      .statement(
        `INSERT INTO chat_info (chat_id, type, title, username, is_forum) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET type = excluded.type, title = excluded.title,
           username = excluded.username, is_forum = excluded.is_forum, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(
        requireInteger(a.chatId, op, 'chatId'),
        requireString(a.type, op, 'type'),
        a.title ?? null,
        a.username ?? null,
        a.isForum ? 1 : 0,
      );
    return true;
  }),

  getChatInfo: defineOperation('read', (ctx, a: ChatKey): ChatInfo | null => {
    const row = ctx
      .statement('SELECT * FROM chat_info WHERE chat_id = ?')
      .get(requireInteger(a.chatId, 'getChatInfo', 'chatId'));
    return row === undefined ? null : chatRow(row);
  }),

  updateChatTopicInfo: defineOperation('write', (ctx, a: UpdateChatTopicInfoArgs): true => {
    const op = 'updateChatTopicInfo';
    ctx
      .statement(
        `INSERT INTO chat_topics (chat_id, topic_id, icon_color, icon_custom_emoji_id, name) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (chat_id, topic_id) DO UPDATE SET icon_color = excluded.icon_color,
           icon_custom_emoji_id = excluded.icon_custom_emoji_id, name = excluded.name, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(
        requireInteger(a.chatId, op, 'chatId'),
        requireInteger(a.topicId, op, 'topicId'),
        a.iconColor ?? null,
        a.customEmojiId ?? null,
        // The bot names a topic without a name "Default".
        a.topicName ?? 'Default',
      );
    return true;
  }),

  getChatTopics: defineOperation('read', (ctx, a: ChatKey): ChatTopic[] =>
    ctx
      .statement('SELECT * FROM chat_topics WHERE chat_id = ? ORDER BY topic_id')
      .all(requireInteger(a.chatId, 'getChatTopics', 'chatId'))
      .map((r) => fixTimestamps<ChatTopic>(r as Record<string, unknown>, 'created_at', 'updated_at')),
  ),

  /** One source's part of the cross-source read; the wrapper merges the parts. */
  getUserChats: defineOperation('read', (ctx, a: GetUserChatsArgs): ChatInfo[] =>
    ctx
      .statement(
        `SELECT ci.* FROM chat_info ci JOIN chat_users cu ON cu.chat_id = ci.chat_id
         WHERE cu.user_id = ? ORDER BY ci.chat_id`,
      )
      .all(requireInteger(a.userId, 'getUserChats', 'userId'))
      .map(chatRow),
  ),

  getAllGroupChats: defineOperation('read', (ctx, _a: Record<string, never>): ChatInfo[] =>
    ctx.statement(`SELECT * FROM chat_info WHERE type IN ('group', 'supergroup') ORDER BY chat_id`).all().map(chatRow),
  ),
};
