import { defineOperation, type Plan } from '@pkg/broker/operation';
import type {
  ChatUser,
  ChatUserKey,
  GetChatUserByUsernameArgs,
  GetChatUsersArgs,
  MarkUserIsSpammerArgs,
  UpdateChatUserArgs,
  UpdateUserMetadataArgs,
} from '../types.js';
import { type CatalogStatement, perEngine, readAll, readOne, STAMPS, writeOne } from './statement.js';
import { requireInteger, requireString, toStoredTimestamp } from './values.js';

// The catalog of chat users.
const UPSERT_USER = perEngine((d) =>
  d.upsert({
    table: 'chat_users',
    columns: ['chat_id', 'user_id', 'username', 'full_name'],
    key: ['chat_id', 'user_id'],
    onConflict: { username: 'inserted', full_name: 'inserted', updated_at: 'now' },
  }),
);
// The bot leaves updated_at alone here: being flagged is not activity.
const MARK_SPAMMER = 'UPDATE chat_users SET is_spammer = ? WHERE chat_id = ? AND user_id = ?';
const SET_METADATA =
  'UPDATE chat_users SET metadata = ?, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?';
const USER_ROWS = { dates: STAMPS, flags: ['is_spammer'] } as const;
const USER: CatalogStatement = { text: 'SELECT * FROM chat_users WHERE chat_id = ? AND user_id = ?', ...USER_ROWS };
const USER_BY_NAME: CatalogStatement = {
  text: 'SELECT * FROM chat_users WHERE chat_id = ? AND username = ?',
  ...USER_ROWS,
};
// Ties on updated_at (same second) come in user_id order: SQLite reads the chat's users through the primary
// key's index (chat_id, user_id) and its sort keeps that order for equal keys; the tie-breaker makes it explicit
// (same answers on SQLite, the same order on PostgreSQL).
const USERS: CatalogStatement = {
  text: 'SELECT * FROM chat_users WHERE chat_id = ? ORDER BY updated_at DESC, user_id LIMIT ?',
  ...USER_ROWS,
};
const USERS_SEEN_SINCE: CatalogStatement = {
  text: 'SELECT * FROM chat_users WHERE chat_id = ? AND updated_at > ? ORDER BY updated_at DESC, user_id LIMIT ?',
  ...USER_ROWS,
};

export const userOperations = {
  updateChatUser: defineOperation('write', (a: UpdateChatUserArgs) => {
    const op = 'updateChatUser';
    return writeOne(UPSERT_USER, [
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
      requireString(a.username, op, 'username'),
      requireString(a.fullName, op, 'fullName'),
    ]);
  }),

  markUserIsSpammer: defineOperation('write', (a: MarkUserIsSpammerArgs, e) => {
    const op = 'markUserIsSpammer';
    return writeOne(MARK_SPAMMER, [
      e.flag(a.isSpammer === true),
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
    ]);
  }),

  updateUserMetadata: defineOperation('write', (a: UpdateUserMetadataArgs) => {
    const op = 'updateUserMetadata';
    return writeOne(SET_METADATA, [
      requireString(a.metadata, op, 'metadata'),
      requireInteger(a.chatId, op, 'chatId'),
      requireInteger(a.userId, op, 'userId'),
    ]);
  }),

  getChatUser: defineOperation('read', (a: ChatUserKey) => {
    const op = 'getChatUser';
    return readOne<ChatUser>(USER, [requireInteger(a.chatId, op, 'chatId'), requireInteger(a.userId, op, 'userId')]);
  }),

  getChatUserByUsername: defineOperation('read', (a: GetChatUserByUsernameArgs) => {
    const op = 'getChatUserByUsername';
    return readOne<ChatUser>(USER_BY_NAME, [
      requireInteger(a.chatId, op, 'chatId'),
      requireString(a.username, op, 'username'),
    ]);
  }),

  getChatUsers: defineOperation('read', (a: GetChatUsersArgs, e): Plan<ChatUser[]> => {
    const op = 'getChatUsers';
    const chatId = requireInteger(a.chatId, op, 'chatId');
    const limit = requireInteger(a.limit ?? 10, op, 'limit');
    return a.seenSince == null
      ? readAll<ChatUser>(USERS, [chatId, limit])
      : readAll<ChatUser>(USERS_SEEN_SINCE, [
          chatId,
          e.timestamp(toStoredTimestamp(a.seenSince, op, 'seenSince')),
          limit,
        ]);
  }),
};
