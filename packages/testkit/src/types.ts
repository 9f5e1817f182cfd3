/** Shared types of the testkit: JSON values and recorded write operations. */

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;

/** Any value `JSON.parse` can return. */
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** One row as the bot's read methods return it: column name -> stored value. */
export type JsonRow = Record<string, JsonValue>;

/**
 * One recorded write call: the method name and its single named-argument object,
 * e.g. `['updateChatUser', { chatId, userId, username, fullName }]`.
 */
export type WriteOp = readonly [method: string, args: Record<string, unknown>];

/** Chat kinds used by the bot (`chat_info.type`). */
export type ChatType = 'group' | 'supergroup' | 'private';
