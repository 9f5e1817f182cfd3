/**
 * The argument table of every public method: each argument's kind and whether it is required.
 * Compiled once at load; `validateArgs` walks the caller's own keys against it. This table is
 * the one place argument rules live (docs/arguments.md describes it for callers).
 */
import {
  ANY_VALUE,
  BOOLEAN,
  CACHE_TYPE,
  FINITE_NUMBER,
  type Kind,
  LIMIT_KIND,
  MEDIA_STATUS,
  MESSAGE_CATEGORY,
  MESSAGE_CATEGORY_LIST,
  MESSAGE_ID_KIND,
  MESSAGE_TYPE,
  NON_NEGATIVE_INTEGER,
  SAFE_INTEGER,
  SETTING_VALUE_KIND,
  SPAM_REASON,
  TEXT_KIND,
  TIMESTAMP_KIND,
} from './checkers.js';

export interface ArgSpec {
  readonly kind: Kind;
  readonly required: boolean;
  /** Required, but null is a value (the bot's None), e.g. setChatSetting's value stores NULL. */
  readonly nullable?: boolean;
}

/** `dataSource`: a source name; '' and null mean none (the checker drops them). */
export const DATA_SOURCE: Kind = {
  expects: 'a source name (a string; "" means none)',
  check(value, op, arg) {
    if (value === '') return undefined;
    return TEXT_KIND.check(value, op, arg);
  },
};

const req = (kind: Kind): ArgSpec => ({ kind, required: true });
const opt = (kind: Kind): ArgSpec => ({ kind, required: false });
const reqOrNull = (kind: Kind): ArgSpec => ({ kind, required: true, nullable: true });

const chatId = req(SAFE_INTEGER);
const userId = req(SAFE_INTEGER);
const dataSource = opt(DATA_SOURCE);
const text = req(TEXT_KIND);
const optText = opt(TEXT_KIND);

type Table = Record<string, Record<string, ArgSpec>>;

/** Reads: every one accepts `dataSource`. */
const READS = {
  getChatMessageByMessageId: { chatId, messageId: req(MESSAGE_ID_KIND) },
  getChatMessagesByUser: { chatId, userId, limit: opt(LIMIT_KIND) },
  getChatMessagesSince: {
    chatId,
    sinceDateTime: opt(TIMESTAMP_KIND),
    tillDateTime: opt(TIMESTAMP_KIND),
    threadId: opt(SAFE_INTEGER),
    limit: opt(LIMIT_KIND),
    messageCategory: opt(MESSAGE_CATEGORY_LIST),
  },
  getChatMessagesByRootId: { chatId, rootMessageId: req(MESSAGE_ID_KIND), threadId: opt(SAFE_INTEGER) },
  getChatUser: { chatId, userId },
  getChatUserByUsername: { chatId, username: text },
  getChatUsers: { chatId, limit: opt(LIMIT_KIND), seenSince: opt(TIMESTAMP_KIND) },
  getUserData: { userId, chatId },
  getChatSetting: { chatId, setting: text },
  getChatSettings: { chatId },
  getChatInfo: { chatId },
  getChatTopics: { chatId },
  getChatSummarization: {
    chatId,
    topicId: opt(SAFE_INTEGER),
    firstMessageId: req(MESSAGE_ID_KIND),
    lastMessageId: req(MESSAGE_ID_KIND),
    prompt: text,
  },
  getSpamMessagesByUserId: { chatId, userId },
  getUserChats: { userId },
  getAllGroupChats: {},
  getSpamMessages: { limit: opt(LIMIT_KIND) },
  getSpamMessagesByText: { text },
  getSetting: { key: text, default: opt(ANY_VALUE) },
  getSettings: {},
  getCacheStorage: {},
  getCacheEntry: { key: text, cacheType: req(CACHE_TYPE), ttl: opt(FINITE_NUMBER) },
  getMediaAttachment: { mediaId: text },
  getPendingDelayedTasks: {},
} satisfies Table;

/** System-wide writes that may name the source they write to. */
const WRITES_WITH_SOURCE = {
  setSetting: { key: text, value: text },
  setCacheStorage: { namespace: text, key: text, value: text },
  setCacheEntry: { key: text, data: text, cacheType: req(CACHE_TYPE) },
  clearCache: { cacheType: req(CACHE_TYPE) },
} satisfies Table;

/** Writes that go where their chat (or the default source) is: `dataSource` is refused. */
const WRITES = {
  saveChatMessage: messageArgs(),
  saveChatMessageIfNew: messageArgs(),
  updateChatMessageText: { chatId, messageId: req(MESSAGE_ID_KIND), messageText: text },
  updateChatMessageCategory: { chatId, messageId: req(MESSAGE_ID_KIND), messageCategory: req(MESSAGE_CATEGORY) },
  updateChatUser: { chatId, userId, username: text, fullName: text },
  markUserIsSpammer: { chatId, userId, isSpammer: req(BOOLEAN) },
  updateUserMetadata: { chatId, userId, metadata: text },
  addUserData: { userId, chatId, key: text, data: text },
  deleteUserData: { userId, chatId, key: text },
  clearUserData: { userId, chatId },
  setChatSetting: { chatId, key: text, value: reqOrNull(SETTING_VALUE_KIND) },
  unsetChatSetting: { chatId, key: text },
  clearChatSettings: { chatId },
  updateChatInfo: { chatId, type: text, title: optText, username: optText, isForum: opt(BOOLEAN) },
  updateChatTopicInfo: {
    chatId,
    topicId: req(SAFE_INTEGER),
    iconColor: opt(SAFE_INTEGER),
    customEmojiId: optText,
    topicName: optText,
  },
  addChatSummarization: {
    chatId,
    topicId: opt(SAFE_INTEGER),
    firstMessageId: req(MESSAGE_ID_KIND),
    lastMessageId: req(MESSAGE_ID_KIND),
    prompt: text,
    summary: text,
  },
  addSpamMessage: spamArgs(),
  addHamMessage: spamArgs(),
  deleteSpamMessagesByUserId: { chatId, userId },
  unsetCacheStorage: { namespace: text, key: text },
  addMediaAttachment: {
    fileUniqueId: text,
    fileId: text,
    fileSize: opt(NON_NEGATIVE_INTEGER),
    mediaType: opt(MESSAGE_TYPE),
    mimeType: optText,
    metadata: optText,
    status: opt(MEDIA_STATUS),
    localUrl: optText,
    prompt: optText,
    description: optText,
  },
  // Every field but the id may be left out or null: both mean "unchanged".
  updateMediaAttachment: {
    mediaId: text,
    status: opt(MEDIA_STATUS),
    metadata: optText,
    mimeType: optText,
    localUrl: optText,
    prompt: optText,
    description: optText,
    fileId: optText,
    fileSize: opt(NON_NEGATIVE_INTEGER),
  },
  addDelayedTask: { taskId: text, function: text, kwargs: text, delayedTS: req(FINITE_NUMBER) },
  updateDelayedTask: { id: text, isDone: req(BOOLEAN) },
  claimDelayedTasks: { owner: text, limit: opt(LIMIT_KIND) },
  releaseDelayedTasks: { owner: text },
} satisfies Table;

function messageArgs() {
  return {
    date: req(TIMESTAMP_KIND),
    chatId,
    userId,
    messageId: req(MESSAGE_ID_KIND),
    replyId: opt(MESSAGE_ID_KIND),
    threadId: opt(SAFE_INTEGER),
    messageText: optText,
    messageType: opt(MESSAGE_TYPE),
    messageCategory: opt(MESSAGE_CATEGORY),
    rootMessageId: opt(MESSAGE_ID_KIND),
    quoteText: optText,
    mediaId: optText,
  };
}

function spamArgs() {
  return {
    chatId,
    userId,
    messageId: req(MESSAGE_ID_KIND),
    messageText: text,
    spamReason: req(SPAM_REASON),
    score: req(FINITE_NUMBER),
  };
}

export type MethodName = keyof typeof READS | keyof typeof WRITES_WITH_SOURCE | keyof typeof WRITES;

export interface MethodSpec {
  /** Argument name -> spec, without a prototype (so "constructor" or "__proto__" are unknown names). */
  readonly args: Readonly<Record<string, ArgSpec>>;
  readonly names: readonly string[];
  readonly required: readonly string[];
  readonly write: boolean;
}

function compile(args: Record<string, ArgSpec>, write: boolean, withSource: boolean): MethodSpec {
  const all: Record<string, ArgSpec> = Object.assign(Object.create(null), args);
  if (withSource) all.dataSource = dataSource;
  const names = Object.keys(all);
  return { args: all, names, required: names.filter((n) => all[n]?.required), write };
}

export const METHODS: Readonly<Record<MethodName, MethodSpec>> = Object.freeze({
  ...mapValues(READS, (a) => compile(a, false, true)),
  ...mapValues(WRITES_WITH_SOURCE, (a) => compile(a, true, true)),
  ...mapValues(WRITES, (a) => compile(a, true, false)),
});

function mapValues<T extends Table>(table: T, f: (v: Record<string, ArgSpec>) => MethodSpec) {
  const out = {} as Record<keyof T, MethodSpec>;
  for (const k of Object.keys(table) as Array<keyof T>) out[k] = f(table[k] as Record<string, ArgSpec>);
  return out;
}
