/**
 * Rows and arguments of the bot's data layer. Column names are the bot's (snake_case);
 * argument names are the bot's parameter names (camelCase). Timestamps come back as `Date`,
 * 0/1 flags as booleans, message ids as strings.
 */

export const MESSAGE_TYPES = [
  'text',
  'image',
  'sticker',
  'animation',
  'video',
  'video-note',
  'audio',
  'voice',
  'document',
  'unknown',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_CATEGORIES = [
  'unspecified',
  'user',
  'user-command',
  'channel',
  'bot',
  'bot-command-reply',
  'bot-error',
  'bot-summary',
  'bot-spam-notification',
  'user-spam',
] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

export const MEDIA_STATUSES = ['new', 'pending', 'done', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const SPAM_REASONS = ['auto', 'user', 'admin', 'unban'] as const;
export type SpamReason = (typeof SPAM_REASONS)[number];

export const CACHE_TYPES = [
  'weather',
  'geocoding',
  'yandex_search',
  'geocode_maps_search',
  'geocode_maps_reverse',
  'geocode_maps_lookup',
] as const;
export type CacheType = (typeof CACHE_TYPES)[number];

export const CHAT_TYPES = ['private', 'group', 'supergroup', 'channel'] as const;
/** Telegram's chat types; other strings stored by the bot are passed through. */
export type ChatType = (typeof CHAT_TYPES)[number] | (string & {});

/** Message ids are stored as TEXT; callers may pass numbers. */
export type MessageId = number | string;
/** A timestamp argument: a Date, or text as stored (`YYYY-MM-DD HH:MM:SS`, UTC). */
export type Timestamp = Date | string;

/** Read options: every read may name the source explicitly. */
export interface ReadOptions {
  /** Source to read from, overriding chatMapping and the default. */
  dataSource?: string;
}

// ---- rows -------------------------------------------------------------------------------

export interface ChatMessage {
  chat_id: number;
  message_id: string;
  date: Date;
  user_id: number;
  reply_id: string | null;
  thread_id: number;
  root_message_id: string | null;
  message_text: string;
  message_type: MessageType;
  message_category: MessageCategory;
  quote_text: string | null;
  media_id: string | null;
  created_at: Date;
  /** The sender's chat_users row. */
  username: string;
  full_name: string;
  /** The attached media (all null when none). */
  media_file_unique_id: string | null;
  media_file_id: string | null;
  media_file_size: number | null;
  media_media_type: string | null;
  media_metadata: string | null;
  media_status: MediaStatus | null;
  media_mime_type: string | null;
  media_local_url: string | null;
  media_prompt: string | null;
  media_description: string | null;
  media_created_at: Date | null;
  media_updated_at: Date | null;
}

export interface ChatUser {
  chat_id: number;
  user_id: number;
  username: string;
  full_name: string;
  timezone: string | null;
  messages_count: number;
  is_spammer: boolean;
  metadata: string;
  created_at: Date;
  updated_at: Date;
}

export interface ChatInfo {
  chat_id: number;
  title: string | null;
  username: string | null;
  type: ChatType;
  is_forum: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ChatTopic {
  chat_id: number;
  topic_id: number;
  icon_color: number | null;
  icon_custom_emoji_id: string | null;
  name: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ChatSummarization {
  csid: string;
  chat_id: number;
  topic_id: number | null;
  first_message_id: string;
  last_message_id: string;
  prompt: string;
  summary: string;
  created_at: Date;
  updated_at: Date;
}

export interface SpamMessage {
  chat_id: number;
  user_id: number;
  message_id: string;
  text: string;
  reason: SpamReason;
  score: number;
  created_at: Date;
  updated_at: Date;
}

export interface MediaAttachment {
  file_unique_id: string;
  file_id: string | null;
  file_size: number | null;
  media_type: string;
  metadata: string;
  status: MediaStatus;
  mime_type: string | null;
  local_url: string | null;
  prompt: string | null;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface DelayedTask {
  id: string;
  delayed_ts: number;
  function: string;
  kwargs: string;
  is_done: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface CacheStorageEntry {
  namespace: string;
  key: string;
  value: string;
  updated_at: Date;
}

export interface CacheEntry {
  key: string;
  data: string;
  created_at: Date;
  updated_at: Date;
}

// ---- arguments --------------------------------------------------------------------------

export interface SaveChatMessageArgs {
  date: Timestamp;
  chatId: number;
  userId: number;
  messageId: MessageId;
  replyId?: MessageId | null;
  threadId?: number | null;
  messageText?: string;
  messageType?: MessageType;
  messageCategory?: MessageCategory;
  rootMessageId?: MessageId | null;
  quoteText?: string | null;
  mediaId?: string | null;
}
export interface UpdateChatMessageCategoryArgs {
  chatId: number;
  messageId: MessageId;
  messageCategory: MessageCategory;
}
export interface UpdateChatMessageTextArgs {
  chatId: number;
  messageId: MessageId;
  /** The edited text (Telegram's `edited_message.text` or `.caption`). */
  messageText: string;
}
export interface GetChatMessageByMessageIdArgs {
  chatId: number;
  messageId: MessageId;
}
export interface GetChatMessagesByUserArgs {
  chatId: number;
  userId: number;
  limit?: number;
}
export interface GetChatMessagesSinceArgs {
  chatId: number;
  sinceDateTime?: Timestamp | null;
  tillDateTime?: Timestamp | null;
  threadId?: number | null;
  limit?: number | null;
  messageCategory?: readonly MessageCategory[] | null;
}
export interface GetChatMessagesByRootIdArgs {
  chatId: number;
  rootMessageId: MessageId;
  threadId?: number | null;
}

export interface UpdateChatUserArgs {
  chatId: number;
  userId: number;
  username: string;
  fullName: string;
}
export interface ChatUserKey {
  chatId: number;
  userId: number;
}
export interface MarkUserIsSpammerArgs extends ChatUserKey {
  isSpammer: boolean;
}
export interface UpdateUserMetadataArgs extends ChatUserKey {
  metadata: string;
}
export interface GetChatUserByUsernameArgs {
  chatId: number;
  username: string;
}
export interface GetChatUsersArgs {
  chatId: number;
  limit?: number;
  seenSince?: Timestamp | null;
}

export interface UserDataKey {
  userId: number;
  chatId: number;
}
export interface AddUserDataArgs extends UserDataKey {
  key: string;
  data: string;
}
export interface DeleteUserDataArgs extends UserDataKey {
  key: string;
}

export interface ChatKey {
  chatId: number;
}
/**
 * A chat setting's value as the bot accepts it. Stored the way SQLite stores the bot's Python
 * value in the TEXT column: `true`/`false` as "1"/"0", integers as "5", other numbers in SQLite's
 * text form ("0.1"), null as NULL. Read back as that text.
 */
export type ChatSettingValue = string | number | boolean | null;
export interface SetChatSettingArgs {
  chatId: number;
  key: string;
  value: ChatSettingValue;
}
export interface UnsetChatSettingArgs {
  chatId: number;
  key: string;
}
export interface GetChatSettingArgs {
  chatId: number;
  setting: string;
}

export interface UpdateChatInfoArgs {
  chatId: number;
  type: ChatType;
  title?: string | null;
  username?: string | null;
  isForum?: boolean;
}
export interface UpdateChatTopicInfoArgs {
  chatId: number;
  topicId: number;
  iconColor?: number | null;
  customEmojiId?: string | null;
  topicName?: string | null;
}

export interface ChatSummarizationKey {
  chatId: number;
  topicId?: number | null;
  firstMessageId: MessageId;
  lastMessageId: MessageId;
  prompt: string;
}
export interface AddChatSummarizationArgs extends ChatSummarizationKey {
  summary: string;
}

export interface AddSpamMessageArgs {
  chatId: number;
  userId: number;
  messageId: MessageId;
  messageText: string;
  spamReason: SpamReason;
  score: number;
}
export interface GetSpamMessagesArgs {
  limit?: number;
}
export interface GetSpamMessagesByTextArgs {
  text: string;
}

export interface SetSettingArgs {
  key: string;
  value: string;
}
export interface GetSettingArgs {
  key: string;
  /** Returned when the key is missing (the bot's `default`; null when not given). */
  default?: string | null;
}

export interface SetCacheStorageArgs {
  namespace: string;
  key: string;
  value: string;
}
export interface UnsetCacheStorageArgs {
  namespace: string;
  key: string;
}
export interface GetCacheEntryArgs {
  key: string;
  cacheType: CacheType;
  /**
   * Only entries updated within this many seconds (`updated_at >= now - ttl`: an entry exactly
   * ttl seconds old still counts). ttl <= 0 returns null, as in the bot; null/undefined: no limit.
   */
  ttl?: number | null;
}
export interface SetCacheEntryArgs {
  key: string;
  data: string;
  cacheType: CacheType;
}
export interface ClearCacheArgs {
  cacheType: CacheType;
}

export interface AddMediaAttachmentArgs {
  fileUniqueId: string;
  /** Required, as in the bot. */
  fileId: string;
  fileSize?: number | null;
  /** Default 'image', as in the bot. */
  mediaType?: string;
  mimeType?: string | null;
  metadata?: string;
  /** Default 'new', as in the bot. */
  status?: MediaStatus;
  localUrl?: string | null;
  prompt?: string | null;
  description?: string | null;
}
/**
 * Fields to set; a field that is null or undefined leaves its column unchanged (the bot's None).
 * `fileId` is this library's addition (the bot cannot change it): same rule.
 */
export interface UpdateMediaAttachmentArgs {
  mediaId: string;
  status?: MediaStatus | null;
  metadata?: string | null;
  mimeType?: string | null;
  localUrl?: string | null;
  prompt?: string | null;
  description?: string | null;
  fileId?: string | null;
  fileSize?: number | null;
}
export interface GetMediaAttachmentArgs {
  mediaId: string;
}

export interface AddDelayedTaskArgs {
  taskId: string;
  function: string;
  kwargs: string;
  delayedTS: number;
}
export interface UpdateDelayedTaskArgs {
  id: string;
  isDone: boolean;
}
/** Several bot processes sharing one database: each claims its own tasks (see claimDelayedTasks). */
export interface ClaimDelayedTasksArgs {
  /** This process's name, stable across its restarts (e.g. host and service name): a restarted process gets its tasks back. */
  owner: string;
  /** At most this many tasks (its own claimed ones first); left out: every claimable task. */
  limit?: number;
}
export interface ReleaseDelayedTasksArgs {
  /** The `owner` whose claims are dropped. */
  owner: string;
}

export interface GetUserChatsArgs {
  userId: number;
}

/** Values for `?` placeholders (an array) or for named ones (`:name`, `@name`, `$name`). */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>;
export interface ExecuteArgs {
  sql: string;
  params?: SqlParams;
}
/** What a write statement did: rows changed, and the rowid of the last row inserted. */
export interface ExecuteResult {
  changes: number;
  lastInsertRowid: number;
}
