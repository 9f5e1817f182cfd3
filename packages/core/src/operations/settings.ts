import { defineOperation } from '@pkg/broker/operation';
import type {
  AddUserDataArgs,
  ChatKey,
  DeleteUserDataArgs,
  GetChatSettingArgs,
  GetSettingArgs,
  SetChatSettingArgs,
  SetSettingArgs,
  UnsetChatSettingArgs,
  UserDataKey,
} from '../types.js';
import { requireInteger, requireString } from './values.js';

function keyValues(rows: unknown[], key: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows as Record<string, string>[]) out[r[key] as string] = r[value] as string;
  return out;
}

/** Chat settings, per-user data and the global settings table: key/value stores all three. */
export const settingOperations = {
  setChatSetting: defineOperation('write', (ctx, a: SetChatSettingArgs): void => {
    const op = 'setChatSetting';
    ctx
      .statement(
        'INSERT OR REPLACE INTO chat_settings (chat_id, key, value, updated_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)',
      )
      .run(
        requireInteger(a.chatId, op, 'chatId'),
        requireString(a.key, op, 'key'),
        requireString(a.value, op, 'value'),
      );
  }),

  unsetChatSetting: defineOperation('write', (ctx, a: UnsetChatSettingArgs): boolean => {
    const op = 'unsetChatSetting';
    return (
      ctx
        .statement('DELETE FROM chat_settings WHERE chat_id = ? AND key = ?')
        .run(requireInteger(a.chatId, op, 'chatId'), requireString(a.key, op, 'key')).changes > 0
    );
  }),

  clearChatSettings: defineOperation('write', (ctx, a: ChatKey): number => {
    return ctx
      .statement('DELETE FROM chat_settings WHERE chat_id = ?')
      .run(requireInteger(a.chatId, 'clearChatSettings', 'chatId')).changes;
  }),

  getChatSetting: defineOperation('read', (ctx, a: GetChatSettingArgs): string | null => {
    const op = 'getChatSetting';
    const row = ctx
      .statement('SELECT value FROM chat_settings WHERE chat_id = ? AND key = ?')
      .get(requireInteger(a.chatId, op, 'chatId'), requireString(a.setting, op, 'setting')) as
      | { value: string | null }
      | undefined;
    return row?.value ?? null;
  }),

  getChatSettings: defineOperation(
    'read',
    (ctx, a: ChatKey): Record<string, string> =>
      keyValues(
        ctx
          .statement('SELECT key, value FROM chat_settings WHERE chat_id = ?')
          .all(requireInteger(a.chatId, 'getChatSettings', 'chatId')),
        'key',
        'value',
      ),
  ),

  addUserData: defineOperation('write', (ctx, a: AddUserDataArgs): void => {
    const op = 'addUserData';
    ctx
      .statement(
        `INSERT INTO user_data (user_id, chat_id, key, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, chat_id, key) DO UPDATE SET data = excluded.data, updated_at = CURRENT_TIMESTAMP`,
      )
      .run(
        requireInteger(a.userId, op, 'userId'),
        requireInteger(a.chatId, op, 'chatId'),
        requireString(a.key, op, 'key'),
        requireString(a.data, op, 'data'),
      );
  }),

  deleteUserData: defineOperation('write', (ctx, a: DeleteUserDataArgs): boolean => {
    const op = 'deleteUserData';
    return (
      ctx
        .statement('DELETE FROM user_data WHERE user_id = ? AND chat_id = ? AND key = ?')
        .run(
          requireInteger(a.userId, op, 'userId'),
          requireInteger(a.chatId, op, 'chatId'),
          requireString(a.key, op, 'key'),
        ).changes > 0
    );
  }),

  clearUserData: defineOperation('write', (ctx, a: UserDataKey): number => {
    const op = 'clearUserData';
    return ctx
      .statement('DELETE FROM user_data WHERE user_id = ? AND chat_id = ?')
      .run(requireInteger(a.userId, op, 'userId'), requireInteger(a.chatId, op, 'chatId')).changes;
  }),

  getUserData: defineOperation('read', (ctx, a: UserDataKey): Record<string, string> => {
    const op = 'getUserData';
    return keyValues(
      ctx
        .statement('SELECT key, data FROM user_data WHERE user_id = ? AND chat_id = ?')
        .all(requireInteger(a.userId, op, 'userId'), requireInteger(a.chatId, op, 'chatId')),
      'key',
      'data',
    );
  }),

  setSetting: defineOperation('write', (ctx, a: SetSettingArgs): void => {
    const op = 'setSetting';
    ctx
      .statement('INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP)')
      .run(requireString(a.key, op, 'key'), requireString(a.value, op, 'value'));
  }),

  getSetting: defineOperation('read', (ctx, a: GetSettingArgs): string | null => {
    const row = ctx
      .statement('SELECT value FROM settings WHERE key = ?')
      .get(requireString(a.key, 'getSetting', 'key')) as { value: string | null } | undefined;
    return row?.value ?? null;
  }),

  getSettings: defineOperation(
    'read',
    (ctx, _a: Record<string, never>): Record<string, string> =>
      keyValues(ctx.statement('SELECT key, value FROM settings').all(), 'key', 'value'),
  ),
};
