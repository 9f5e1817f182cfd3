import { defineOperation } from '@pkg/broker/operation';
import type {
  ChatUser,
  ChatUserKey,
  GetChatUserByUsernameArgs,
  GetChatUsersArgs,
  MarkUserIsSpammerArgs,
  UpdateChatUserArgs,
  UpdateUserMetadataArgs,
} from '../types.js';
import { fixBooleans, fixTimestamps, requireInteger, requireString, toStoredTimestamp } from './values.js';

function userRow(row: unknown): ChatUser {
  const r = row as Record<string, unknown>;
  fixBooleans(r, 'is_spammer');
  return fixTimestamps<ChatUser>(r, 'created_at', 'updated_at');
}

export const userOperations = {
  updateChatUser: defineOperation('write', (ctx, a: UpdateChatUserArgs): true => {
    const op = 'updateChatUser';
    ctx
      .statement(
        `INSERT INTO chat_users (chat_id, user_id, username, full_name) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET
           username = excluded.username, full_name = excluded.full_name, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(
        requireInteger(a.chatId, op, 'chatId'),
        requireInteger(a.userId, op, 'userId'),
        requireString(a.username, op, 'username'),
        requireString(a.fullName, op, 'fullName'),
      );
    return true;
  }),

  markUserIsSpammer: defineOperation('write', (ctx, a: MarkUserIsSpammerArgs): true => {
    const op = 'markUserIsSpammer';
    // The bot leaves updated_at alone here: being flagged is not activity.
    ctx
      .statement('UPDATE chat_users SET is_spammer = ? WHERE chat_id = ? AND user_id = ?')
      .run(a.isSpammer ? 1 : 0, requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId'));
    return true;
  }),

  updateUserMetadata: defineOperation('write', (ctx, a: UpdateUserMetadataArgs): true => {
    const op = 'updateUserMetadata';
    ctx
      .statement('UPDATE chat_users SET metadata = ?, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?')
      .run(
        requireString(a.metadata, op, 'metadata'),
        requireInteger(a.chatId, op, 'chatId'),
        requireInteger(a.userId, op, 'userId'),
      );
    return true;
  }),

  getChatUser: defineOperation('read', (ctx, a: ChatUserKey): ChatUser | null => {
    const op = 'getChatUser';
    const row = ctx
      .statement('SELECT * FROM chat_users WHERE chat_id = ? AND user_id = ?')
      .get(requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId'));
    return row === undefined ? null : userRow(row);
  }),

  getChatUserByUsername: defineOperation('read', (ctx, a: GetChatUserByUsernameArgs): ChatUser | null => {
    const op = 'getChatUserByUsername';
    const row = ctx
      .statement('SELECT * FROM chat_users WHERE chat_id = ? AND username = ?')
      .get(requireInteger(a.chatId, op, 'chatId'), requireString(a.username, op, 'username'));
    return row === undefined ? null : userRow(row);
  }),

  getChatUsers: defineOperation('read', (ctx, a: GetChatUsersArgs): ChatUser[] => {
    const op = 'getChatUsers';
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const limit = requireInteger(a.limit ?? 10, op, 'limit');
    const rows =
      a.seenSince == null
        ? ctx
            .statement('SELECT * FROM chat_users WHERE chat_id = ? ORDER BY updated_at DESC LIMIT ?')
            .all(chatId, limit)
        : ctx
            .statement('SELECT * FROM chat_users WHERE chat_id = ? AND updated_at > ? ORDER BY updated_at DESC LIMIT ?')
            .all(chatId, toStoredTimestamp(a.seenSince, op, 'seenSince'), limit);
    return rows.map(userRow);
  }),
};
