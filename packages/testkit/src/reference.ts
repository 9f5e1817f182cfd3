import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatType, JsonRow, WriteOp } from './types.js';

// Resolved relative to this module, so it works from src/ (vitest) and from dist/ (built package) alike.
const referenceFile = (name: string): string => fileURLToPath(new URL(`../reference/${name}`, import.meta.url));

/**
 * Absolute paths of the reference data shipped with the testkit (see `reference/README.md`).
 * Treat them as read-only: open a copy made with {@link copyReferenceDb}, never `db` itself.
 */
export const REFERENCE: {
  /** The existing bot's `bot.db` (schema version 6). */
  readonly db: string;
  /** What the bot's own read methods returned for `db`: {@link ReferenceExpected}. */
  readonly expected: string;
  /** Every write call that built `db`, in order: {@link ReferenceWrites}. */
  readonly writes: string;
  /** The description of the three files, the storage facts and the method list. */
  readonly readme: string;
} = Object.freeze({
  db: referenceFile('gromozeka-v6.db'),
  expected: referenceFile('gromozeka-v6.expected.json'),
  writes: referenceFile('gromozeka-v6.writes.json'),
  readme: referenceFile('README.md'),
});

/** The chats of the reference database: 3 groups, then 2 private chats (same order as `shape.chats`). */
export const REFERENCE_CHAT_IDS: readonly number[] = Object.freeze([
  -1001000000010, -1001000000011, -1001000000012, 100100, 100101,
]);

/**
 * Copies the reference database into `dir` (created if missing) as `name` and returns the copy's path.
 * The copy is made writable (0644); stale `-wal`/`-shm`/`-journal` files next to it are removed.
 * Refuses to target the shipped file itself.
 */
export function copyReferenceDb(dir: string, name = 'bot.db'): string {
  const target = resolve(dir, name);
  if (target === resolve(REFERENCE.db)) {
    throw new Error('copyReferenceDb: refusing to overwrite the shipped reference database');
  }
  if (!existsSync(REFERENCE.db)) {
    throw new Error(`copyReferenceDb: the reference database is missing at ${REFERENCE.db}`);
  }
  mkdirSync(dir, { recursive: true });
  for (const suffix of ['-wal', '-shm', '-journal']) {
    rmSync(`${target}${suffix}`, { force: true });
  }
  copyFileSync(REFERENCE.db, target);
  chmodSync(target, 0o644);
  return target;
}

// ---------------------------------------------------------------------------------------------
// gromozeka-v6.expected.json
// ---------------------------------------------------------------------------------------------

/**
 * Per-chat answers in `expected.perChat[chatId]`. Keys of the inner records are the arguments asked
 * (message ids, user ids, usernames) as strings. The "first member" is `writes.shape.members[chatId][0]`.
 */
export interface ReferenceChatExpected {
  /** `getChatInfo({chatId})`. */
  getChatInfo: JsonRow | null;
  /** `getChatMessageByMessageId({chatId, messageId})` keyed by messageId. */
  getChatMessageByMessageId: Record<string, JsonRow | null>;
  /** `getChatMessagesByRootId({chatId, rootMessageId})` keyed by rootMessageId (oldest first). */
  getChatMessagesByRootId: Record<string, JsonRow[]>;
  /** `getChatMessagesByUser({chatId, userId: firstMember, limit: 10})` (newest first). */
  'getChatMessagesByUser(limit=10)': JsonRow[];
  /** `getChatMessagesSince({chatId, limit: 20})` (newest first). */
  'getChatMessagesSince(limit=20)': JsonRow[];
  /** `getChatSetting({chatId, setting: 'model'})`. */
  'getChatSetting(model)': string | null;
  /** `getChatSettings({chatId})`. */
  getChatSettings: Record<string, string>;
  /** `getChatSummarization({chatId, ...})` for the chat's one summary. */
  getChatSummarization: JsonRow | null;
  /** `getChatTopics({chatId})`. */
  getChatTopics: JsonRow[];
  /** `getChatUser({chatId, userId})` keyed by userId. */
  getChatUser: Record<string, JsonRow | null>;
  /** `getChatUserByUsername({chatId, username})` keyed by username (with its `@`). */
  getChatUserByUsername: Record<string, JsonRow | null>;
  /** `getChatUsers({chatId, limit: 50})`. */
  'getChatUsers(limit=50)': JsonRow[];
  /** `getSpamMessagesByUserId({chatId, userId: firstMember})`. */
  getSpamMessagesByUserId: JsonRow[];
  /** `getUserData({chatId, userId})` keyed by userId. */
  getUserData: Record<string, Record<string, string>>;
}

/** Per-user answers in `expected.perUser[userId]`. */
export interface ReferenceUserExpected {
  /** `getUserChats({userId})`. */
  getUserChats: JsonRow[];
}

/** The content of `gromozeka-v6.expected.json`: what the bot's read methods returned for the reference db. */
export interface ReferenceExpected {
  /** `getAllGroupChats()`. */
  getAllGroupChats: JsonRow[];
  /** `getCacheEntry({key, cacheType})` keyed by key. */
  getCacheEntry: Record<string, JsonRow | null>;
  /** `getCacheStorage()` (newest first). */
  getCacheStorage: JsonRow[];
  /** `getMediaAttachment({mediaId})` keyed by mediaId (file unique id). */
  getMediaAttachment: Record<string, JsonRow | null>;
  /** `getPendingDelayedTasks()`. */
  getPendingDelayedTasks: JsonRow[];
  /** `getSettings()`: key -> value. */
  getSettings: Record<string, string>;
  /** `getSpamMessages()`. */
  getSpamMessages: JsonRow[];
  /** Keyed by chat id (decimal string). */
  perChat: Record<string, ReferenceChatExpected>;
  /** Keyed by user id (decimal string). */
  perUser: Record<string, ReferenceUserExpected>;
}

// ---------------------------------------------------------------------------------------------
// gromozeka-v6.writes.json
// ---------------------------------------------------------------------------------------------

/** `[userId, username without '@', fullName]`. */
export type ReferenceMember = readonly [userId: number, username: string, fullName: string];

/** How the reference data was generated. */
export interface ReferenceShape {
  seed: number;
  /** `[chatId, type]` for each chat, in creation order. */
  chats: Array<readonly [chatId: number, type: ChatType]>;
  /** Chat id (decimal string) -> members, in `updateChatUser` order. */
  members: Record<string, ReferenceMember[]>;
  /** Chat id (decimal string) -> number of messages (= highest message id). */
  ids: Record<string, number>;
}

/** The content of `gromozeka-v6.writes.json`. */
export interface ReferenceWrites {
  shape: ReferenceShape;
  /** Every write call, in order. */
  ops: WriteOp[];
}

const EXPECTED_KEYS = [
  'getAllGroupChats',
  'getCacheEntry',
  'getCacheStorage',
  'getMediaAttachment',
  'getPendingDelayedTasks',
  'getSettings',
  'getSpamMessages',
  'perChat',
  'perUser',
] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`testkit: cannot read ${path}`, { cause: err });
  }
}

/** Parses `gromozeka-v6.expected.json` (a fresh object on every call, so tests may mutate it). */
export function readReferenceExpected(): ReferenceExpected {
  const data = readJson(REFERENCE.expected);
  if (!isPlainObject(data)) throw new Error(`testkit: ${REFERENCE.expected} is not a JSON object`);
  for (const key of EXPECTED_KEYS) {
    if (!(key in data)) throw new Error(`testkit: ${REFERENCE.expected} lacks the key ${key}`);
  }
  return data as unknown as ReferenceExpected;
}

/** Parses `gromozeka-v6.writes.json` (a fresh object on every call, so tests may mutate it). */
export function readReferenceWrites(): ReferenceWrites {
  const data = readJson(REFERENCE.writes);
  if (!isPlainObject(data) || !isPlainObject(data.shape) || !Array.isArray(data.ops)) {
    throw new Error(`testkit: ${REFERENCE.writes} is not {shape, ops}`);
  }
  data.ops.forEach((op: unknown, index: number) => {
    if (!Array.isArray(op) || op.length !== 2 || typeof op[0] !== 'string' || !isPlainObject(op[1])) {
      throw new Error(`testkit: ${REFERENCE.writes} op #${index} is not [methodName, args]`);
    }
  });
  return data as unknown as ReferenceWrites;
}
