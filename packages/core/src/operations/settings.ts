import { DIALECTS, defineOperation, type EngineContext, type Plan } from '@pkg/broker/operation';
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
import { allRows, getRow, perEngine, writeOne } from './statement.js';
import { requireInteger, requireString } from './values.js';

// The catalog of key/value stores. `key` is a reserved word on some engines: written through the dialect.
// The bot writes chat settings and settings with INSERT OR REPLACE, which re-creates the row: their upserts
// reset created_at too, so a row reads back as it did.
const SET_CHAT_SETTING = perEngine((d) =>
  d.upsert({
    table: 'chat_settings',
    columns: ['chat_id', 'key', 'value'],
    key: ['chat_id', 'key'],
    onConflict: { value: 'inserted', created_at: 'now', updated_at: 'now' },
  }),
);
const UNSET_CHAT_SETTING = perEngine(
  (d) => `DELETE FROM chat_settings WHERE chat_id = ? AND ${d.identifier('key')} = ?`,
);
const CLEAR_CHAT_SETTINGS = 'DELETE FROM chat_settings WHERE chat_id = ?';
const CHAT_SETTING = {
  text: perEngine((d) => `SELECT value FROM chat_settings WHERE chat_id = ? AND ${d.identifier('key')} = ?`),
};
const CHAT_SETTINGS = {
  text: perEngine((d) => `SELECT ${d.identifier('key')}, value FROM chat_settings WHERE chat_id = ?`),
};
const UPSERT_USER_DATA = perEngine((d) =>
  d.upsert({
    table: 'user_data',
    columns: ['user_id', 'chat_id', 'key', 'data'],
    key: ['user_id', 'chat_id', 'key'],
    onConflict: { data: 'inserted', updated_at: 'now' },
  }),
);
const DELETE_USER_DATA = perEngine(
  (d) => `DELETE FROM user_data WHERE user_id = ? AND chat_id = ? AND ${d.identifier('key')} = ?`,
);
const CLEAR_USER_DATA = 'DELETE FROM user_data WHERE user_id = ? AND chat_id = ?';
const USER_DATA = {
  text: perEngine((d) => `SELECT ${d.identifier('key')}, data FROM user_data WHERE user_id = ? AND chat_id = ?`),
};
const SET_SETTING = perEngine((d) =>
  d.upsert({
    table: 'settings',
    columns: ['key', 'value'],
    key: ['key'],
    onConflict: { value: 'inserted', created_at: 'now', updated_at: 'now' },
  }),
);
const SETTING = { text: perEngine((d) => `SELECT value FROM settings WHERE ${d.identifier('key')} = ?`) };
const SETTINGS = { text: perEngine((d) => `SELECT ${d.identifier('key')}, value FROM settings`) };

/** A key/value read: the rows as one object. */
function* keyValues(query: ReturnType<typeof allRows>, key: string, value: string): Plan<Record<string, string>> {
  const rows = (yield query) as Record<string, string>[];
  const out: Record<string, string> = {};
  for (const r of rows) out[r[key] as string] = r[value] as string;
  return out;
}

/** A single value, or null when the row is missing or holds NULL. */
function* valueOrNull(query: ReturnType<typeof getRow>): Plan<string | null> {
  const row = (yield query) as { value: string | null } | undefined;
  return row?.value ?? null;
}

/**
 * A chat setting's value bound so the TEXT column reads back what SQLite stores for the bot's Python value
 * (the dialect's `textValue`): booleans "1"/"0", integers their digits, other numbers their decimal text.
 * JavaScript cannot tell 3.0 from 3: both give "3".
 */
function settingValue(value: unknown, op: string, e: EngineContext): string | number | bigint | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
    throw new InvalidArgumentError(
      op,
      'value',
      `must be a string, a finite number, a boolean or null (got ${JSON.stringify(value)})`,
    );
  }
  return DIALECTS[e.engine].textValue(value);
}

/** Chat settings, per-user data and the global settings table: key/value stores all three. */
export const settingOperations = {
  setChatSetting: defineOperation('write', (a: SetChatSettingArgs, e) => {
    const op = 'setChatSetting';
    return writeOne(SET_CHAT_SETTING, [
      requireInteger(a.chatId, op, 'chatId'),
      requireString(a.key, op, 'key'),
      settingValue(a.value, op, e),
    ]);
  }),

  unsetChatSetting: defineOperation('write', (a: UnsetChatSettingArgs) => {
    const op = 'unsetChatSetting';
    return writeOne(UNSET_CHAT_SETTING, [requireInteger(a.chatId, op, 'chatId'), requireString(a.key, op, 'key')]);
  }),

  clearChatSettings: defineOperation('write', (a: ChatKey) =>
    writeOne(CLEAR_CHAT_SETTINGS, [requireInteger(a.chatId, 'clearChatSettings', 'chatId')]),
  ),

  getChatSetting: defineOperation('read', (a: GetChatSettingArgs) => {
    const op = 'getChatSetting';
    return valueOrNull(
      getRow(CHAT_SETTING, [requireInteger(a.chatId, op, 'chatId'), requireString(a.setting, op, 'setting')]),
    );
  }),

  getChatSettings: defineOperation('read', (a: ChatKey) =>
    keyValues(allRows(CHAT_SETTINGS, [requireInteger(a.chatId, 'getChatSettings', 'chatId')]), 'key', 'value'),
  ),

  addUserData: defineOperation('write', (a: AddUserDataArgs) => {
    const op = 'addUserData';
    return writeOne(UPSERT_USER_DATA, [
      requireInteger(a.userId, op, 'userId'),
      requireInteger(a.chatId, op, 'chatId'),
      requireString(a.key, op, 'key'),
      requireString(a.data, op, 'data'),
    ]);
  }),

  deleteUserData: defineOperation('write', (a: DeleteUserDataArgs) => {
    const op = 'deleteUserData';
    return writeOne(DELETE_USER_DATA, [
      requireInteger(a.userId, op, 'userId'),
      requireInteger(a.chatId, op, 'chatId'),
      requireString(a.key, op, 'key'),
    ]);
  }),

  clearUserData: defineOperation('write', (a: UserDataKey) => {
    const op = 'clearUserData';
    return writeOne(CLEAR_USER_DATA, [requireInteger(a.userId, op, 'userId'), requireInteger(a.chatId, op, 'chatId')]);
  }),

  getUserData: defineOperation('read', (a: UserDataKey) => {
    const op = 'getUserData';
    return keyValues(
      allRows(USER_DATA, [requireInteger(a.userId, op, 'userId'), requireInteger(a.chatId, op, 'chatId')]),
      'key',
      'data',
    );
  }),

  setSetting: defineOperation('write', (a: SetSettingArgs) => {
    const op = 'setSetting';
    return writeOne(SET_SETTING, [requireString(a.key, op, 'key'), requireString(a.value, op, 'value')]);
  }),

  getSetting: defineOperation('read', function* (a: GetSettingArgs): Plan<string | null> {
    const row = (yield getRow(SETTING, [requireString(a.key, 'getSetting', 'key')])) as
      | { value: string | null }
      | undefined;
    // The bot's default applies only to a missing key; a stored NULL stays null.
    return row === undefined ? (a.default ?? null) : row.value;
  }),

  getSettings: defineOperation('read', (_a: Record<string, never>) => keyValues(allRows(SETTINGS, []), 'key', 'value')),
};
