import { defineOperation } from '@pkg/broker/operation';
import { InvalidArgumentError } from '@pkg/errors';
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

/**
 * A chat setting's value bound so SQLite stores what it stores for the bot's Python value:
 * booleans and integers bind as INTEGER (the TEXT column keeps "1", "0", "5"), other numbers as
 * REAL (SQLite's own text form, e.g. "0.1"). JavaScript cannot tell 3.0 from 3: both give "3".
 */
function settingValue(value: unknown, op: string): string | number | bigint | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isFinite(value)) {
    return Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  throw new InvalidArgumentError(
    op,
    'value',
    `must be a string, a finite number, a boolean or null (got ${JSON.stringify(value)})`,
  );
}

/** Chat settings, per-user data and the global settings table: key/value stores all three. */
export const settingOperations = {
  setChatSetting: defineOperation('write', (ctx, a: SetChatSettingArgs): true => {
    const op = 'setChatSetting';
    ctx
      .statement(
        'INSERT OR REPLACE INTO chat_settings (chat_id, key, value, updated_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP)',
      )
      .run(requireInteger(a.chatId, op, 'chatId'), requireString(a.key, op, 'key'), settingValue(a.value, op));
    return true;
  }),

  unsetChatSetting: defineOperation('write', (ctx, a: UnsetChatSettingArgs): true => {
    const op = 'unsetChatSetting';
    ctx
      .statement('DELETE FROM chat_settings WHERE chat_id = ? AND key = ?')
      .run(requireInteger(a.chatId, op, 'chatId'), requireString(a.key, op, 'key'));
    return true;
  }),

  clearChatSettings: defineOperation('write', (ctx, a: ChatKey): true => {
    ctx
      .statement('DELETE FROM chat_settings WHERE chat_id = ?')
      .run(requireInteger(a.chatId, 'clearChatSettings', 'chatId'));
    return true;
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

  addUserData: defineOperation('write', (ctx, a: AddUserDataArgs): true => {
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
    return true;
  }),

  deleteUserData: defineOperation('write', (ctx, a: DeleteUserDataArgs): true => {
    const op = 'deleteUserData';
    ctx
      .statement('DELETE FROM user_data WHERE user_id = ? AND chat_id = ? AND key = ?')
      .run(
        requireInteger(a.userId, op, 'userId'),
        requireInteger(a.chatId, op, 'chatId'),
        requireString(a.key, op, 'key'),
      );
    return true;
  }),

  clearUserData: defineOperation('write', (ctx, a: UserDataKey): true => {
    const op = 'clearUserData';
    ctx
      .statement('DELETE FROM user_data WHERE user_id = ? AND chat_id = ?')
      .run(requireInteger(a.userId, op, 'userId'), requireInteger(a.chatId, op, 'chatId'));
    return true;
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

  setSetting: defineOperation('write', (ctx, a: SetSettingArgs): true => {
    const op = 'setSetting';
    ctx
      .statement('INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP)')
      .run(requireString(a.key, op, 'key'), requireString(a.value, op, 'value'));
    return true;
  }),

  getSetting: defineOperation('read', (ctx, a: GetSettingArgs): string | null => {
    const row = ctx
      .statement('SELECT value FROM settings WHERE key = ?')
      .get(requireString(a.key, 'getSetting', 'key')) as { value: string | null } | undefined;
    // The bot's default applies only to a missing key; a stored NULL stays null.
    return row === undefined ? (a.default ?? null) : row.value;
  }),

  getSettings: defineOperation(
    'read',
    (ctx, _a: Record<string, never>): Record<string, string> =>
      keyValues(ctx.statement('SELECT key, value FROM settings').all(), 'key', 'value'),
  ),
};
