/**
 * Every domain method of the bot, written once. `DatabaseWrapper` runs them through the router
 * and the broker; a transaction runs them on its one reserved connection. Subclasses supply
 * only how a call reaches a source.
 */
import type { ArgsOf, ResultOf } from '@pkg/broker';
import { ChatMerge, type CrossSourcePart, type CrossSourceRows, type SkippedSource } from './cross-source.js';
import type { CoreOperations } from './operations/index.js';
import type {
  AddChatSummarizationArgs,
  AddDelayedTaskArgs,
  AddMediaAttachmentArgs,
  AddSpamMessageArgs,
  AddUserDataArgs,
  CacheEntry,
  CacheStorageEntry,
  ChatInfo,
  ChatKey,
  ChatMessage,
  ChatSummarization,
  ChatSummarizationKey,
  ChatTopic,
  ChatUser,
  ChatUserKey,
  ClaimDelayedTasksArgs,
  ClearCacheArgs,
  DelayedTask,
  DeleteUserDataArgs,
  GetCacheEntryArgs,
  GetChatMessageByMessageIdArgs,
  GetChatMessagesByRootIdArgs,
  GetChatMessagesByUserArgs,
  GetChatMessagesSinceArgs,
  GetChatSettingArgs,
  GetChatUserByUsernameArgs,
  GetChatUsersArgs,
  GetMediaAttachmentArgs,
  GetSettingArgs,
  GetSpamMessagesArgs,
  GetSpamMessagesByTextArgs,
  GetUserChatsArgs,
  MarkUserIsSpammerArgs,
  MediaAttachment,
  ReadOptions,
  ReleaseDelayedTasksArgs,
  SaveChatMessageArgs,
  SetCacheEntryArgs,
  SetCacheStorageArgs,
  SetChatSettingArgs,
  SetSettingArgs,
  SpamMessage,
  UnsetCacheStorageArgs,
  UnsetChatSettingArgs,
  UpdateChatInfoArgs,
  UpdateChatMessageCategoryArgs,
  UpdateChatMessageTextArgs,
  UpdateChatTopicInfoArgs,
  UpdateChatUserArgs,
  UpdateDelayedTaskArgs,
  UpdateMediaAttachmentArgs,
  UpdateUserMetadataArgs,
  UserDataKey,
} from './types.js';
import { type MethodName, validateArgs } from './validation/index.js';

export type OpName = keyof CoreOperations & string;
type Args<K extends OpName> = ArgsOf<CoreOperations[K]>;
type Result<K extends OpName> = ResultOf<CoreOperations[K]>;

/** Writes take no dataSource: they go where the chat lives. (`never` makes passing it a type error.) */
type Write<A> = A & { dataSource?: never };
type Read<A> = A & ReadOptions;
/** The system-wide writes the bot lets name a source (a writable one): default source otherwise. */
type SystemWrite<A> = A & ReadOptions;

export abstract class DataApi {
  /** Run a read on one source chosen by dataSource > chatMapping > default. */
  protected abstract readOne<K extends OpName>(
    op: K,
    args: Read<Args<K>>,
    chatId: number | undefined,
  ): Promise<Result<K>>;
  /** Run a write on the source that owns chatId (the default when undefined); refuses readonly sources. */
  protected abstract writeOne<K extends OpName>(op: K, args: Args<K>, chatId: number | undefined): Promise<Result<K>>;
  /**
   * Run a read on every source (or only dataSource), handing each source's rows to `take` as they
   * arrive; resolves with the sources that could not answer.
   */
  protected abstract readAll<K extends OpName>(
    op: K,
    args: Read<Args<K>>,
    take: (part: CrossSourcePart<Result<K>>) => void,
  ): Promise<SkippedSource[]>;
  /**
   * A message read. Media attachments are system-wide (kept in the default source), so a
   * wrapper reading messages from another source fills the media columns from the default one.
   */
  protected readMessages<K extends OpName>(op: K, args: Read<Args<K>>, chatId: number): Promise<Result<K>> {
    return this.readOne(op, args, chatId);
  }

  /** The source that owns a chat's data, for de-duplicating merged rows. */
  protected abstract ownerOf(chatId: number): string;

  /** The shard group a source belongs to, for the per-group report of cross-source reads. */
  protected groupOf(_source: string): string | undefined {
    return undefined;
  }

  /**
   * The four entry steps every domain method takes: check the arguments against the method's
   * table (INVALID_ARGUMENT, never a TypeError; a dataSource only where the method takes one),
   * then hand the checked copy on. `by` names the argument that routes the call ('chatId'), or is
   * undefined for system-wide data. None of them throws: a refusal is a rejected promise.
   */
  private read<K extends OpName>(op: K, args: unknown, by: 'chatId' | undefined): Promise<Result<K>> {
    let a: Record<string, unknown>;
    try {
      a = validateArgs(op as MethodName, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.readOne(op, a as Read<Args<K>>, by === undefined ? undefined : (a.chatId as number));
  }

  private readMessageRows<K extends OpName>(op: K, args: unknown, _by: 'chatId'): Promise<Result<K>> {
    let a: Record<string, unknown>;
    try {
      a = validateArgs(op as MethodName, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.readMessages(op, a as Read<Args<K>>, a.chatId as number);
  }

  /** A cross-source read of chats, merged as the sources answer. */
  private async readEvery<K extends 'getUserChats' | 'getAllGroupChats'>(
    op: K,
    args: unknown,
  ): Promise<CrossSourceRows<ChatInfo>> {
    const a = validateArgs(op as MethodName, args);
    const merge = new ChatMerge(
      (chatId) => this.ownerOf(chatId),
      (source) => this.groupOf(source),
    );
    const skipped = await this.readAll(op, a as Read<Args<K>>, (part) =>
      merge.add(part as CrossSourcePart<ChatInfo[]>),
    );
    return merge.finish(skipped);
  }

  private write<K extends OpName>(op: K, args: unknown, by: 'chatId' | undefined): Promise<Result<K>> {
    let a: Record<string, unknown>;
    try {
      a = validateArgs(op as MethodName, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.writeOne(op, a as Args<K>, by === undefined ? undefined : (a.chatId as number));
  }

  // ---- chat messages ----------------------------------------------------------------------

  /**
   * Inserts the message and bumps the sender's and the chat's counters, in one transaction.
   * Every write resolves `true` once its statement ran (matched rows or not), as the bot's do;
   * a failure rejects with a typed DatabaseError.
   */
  saveChatMessage(args: Write<SaveChatMessageArgs>): Promise<boolean> {
    return this.write('saveChatMessage', args, 'chatId');
  }
  /**
   * saveChatMessage for a message that may be stored already (Telegram re-delivers an update its webhook
   * did not acknowledge): resolves `true` when stored, `false` when the chat already has a message with
   * this messageId, leaving it and every counter untouched. Atomic on every engine: of two concurrent
   * calls for one message, one resolves `true`.
   */
  saveChatMessageIfNew(args: Write<SaveChatMessageArgs>): Promise<boolean> {
    return this.write('saveChatMessageIfNew', args, 'chatId');
  }
  /**
   * Stores an edited message's new text (Telegram's `edited_message`): `true` when the message exists,
   * `false` when the chat has no message with this messageId. The edit date is not stored: the bot's v6
   * schema has no column for it (see docs/migration-guide.md).
   */
  updateChatMessageText(args: Write<UpdateChatMessageTextArgs>): Promise<boolean> {
    return this.write('updateChatMessageText', args, 'chatId');
  }
  /** True when the statement ran, whether or not a message matched (as the bot). */
  updateChatMessageCategory(args: Write<UpdateChatMessageCategoryArgs>): Promise<boolean> {
    return this.write('updateChatMessageCategory', args, 'chatId');
  }
  getChatMessageByMessageId(args: Read<GetChatMessageByMessageIdArgs>): Promise<ChatMessage | null> {
    return this.readMessageRows('getChatMessageByMessageId', args, 'chatId');
  }
  /**
   * Newest first (same-second messages: the higher message id first, compared as a number); `limit`
   * defaults to 100.
   */
  getChatMessagesByUser(args: Read<GetChatMessagesByUserArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesByUser', args, 'chatId');
  }
  /** Newest first (ties as getChatMessagesByUser), strictly between the bounds given. */
  getChatMessagesSince(args: Read<GetChatMessagesSinceArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesSince', args, 'chatId');
  }
  /** Oldest first: a thread of replies (same-second messages: the lower message id first, as a number). */
  getChatMessagesByRootId(args: Read<GetChatMessagesByRootIdArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesByRootId', args, 'chatId');
  }

  // ---- chat users -------------------------------------------------------------------------

  /** Upsert: a known user gets the new username and full name. */
  updateChatUser(args: Write<UpdateChatUserArgs>): Promise<boolean> {
    return this.write('updateChatUser', args, 'chatId');
  }
  markUserIsSpammer(args: Write<MarkUserIsSpammerArgs>): Promise<boolean> {
    return this.write('markUserIsSpammer', args, 'chatId');
  }
  updateUserMetadata(args: Write<UpdateUserMetadataArgs>): Promise<boolean> {
    return this.write('updateUserMetadata', args, 'chatId');
  }
  getChatUser(args: Read<ChatUserKey>): Promise<ChatUser | null> {
    return this.read('getChatUser', args, 'chatId');
  }
  getChatUserByUsername(args: Read<GetChatUserByUsernameArgs>): Promise<ChatUser | null> {
    return this.read('getChatUserByUsername', args, 'chatId');
  }
  /** Most recently updated first; `limit` defaults to 10. */
  getChatUsers(args: Read<GetChatUsersArgs>): Promise<ChatUser[]> {
    return this.read('getChatUsers', args, 'chatId');
  }

  // ---- user data --------------------------------------------------------------------------

  addUserData(args: Write<AddUserDataArgs>): Promise<boolean> {
    return this.write('addUserData', args, 'chatId');
  }
  deleteUserData(args: Write<DeleteUserDataArgs>): Promise<boolean> {
    return this.write('deleteUserData', args, 'chatId');
  }
  clearUserData(args: Write<UserDataKey>): Promise<boolean> {
    return this.write('clearUserData', args, 'chatId');
  }
  /** `{ key: data }` for one user in one chat. */
  getUserData(args: Read<UserDataKey>): Promise<Record<string, string>> {
    return this.read('getUserData', args, 'chatId');
  }

  // ---- chat settings ----------------------------------------------------------------------

  setChatSetting(args: Write<SetChatSettingArgs>): Promise<boolean> {
    return this.write('setChatSetting', args, 'chatId');
  }
  unsetChatSetting(args: Write<UnsetChatSettingArgs>): Promise<boolean> {
    return this.write('unsetChatSetting', args, 'chatId');
  }
  clearChatSettings(args: Write<ChatKey>): Promise<boolean> {
    return this.write('clearChatSettings', args, 'chatId');
  }
  /** The value, or null when unset. */
  getChatSetting(args: Read<GetChatSettingArgs>): Promise<string | null> {
    return this.read('getChatSetting', args, 'chatId');
  }
  getChatSettings(args: Read<ChatKey>): Promise<Record<string, string>> {
    return this.read('getChatSettings', args, 'chatId');
  }

  // ---- chat info and topics ---------------------------------------------------------------

  updateChatInfo(args: Write<UpdateChatInfoArgs>): Promise<boolean> {
    return this.write('updateChatInfo', args, 'chatId');
  }
  getChatInfo(args: Read<ChatKey>): Promise<ChatInfo | null> {
    return this.read('getChatInfo', args, 'chatId');
  }
  updateChatTopicInfo(args: Write<UpdateChatTopicInfoArgs>): Promise<boolean> {
    return this.write('updateChatTopicInfo', args, 'chatId');
  }
  getChatTopics(args: Read<ChatKey>): Promise<ChatTopic[]> {
    return this.read('getChatTopics', args, 'chatId');
  }

  // ---- summaries --------------------------------------------------------------------------

  /** Upsert keyed by chat, topic, message range and prompt. */
  addChatSummarization(args: Write<AddChatSummarizationArgs>): Promise<boolean> {
    return this.write('addChatSummarization', args, 'chatId');
  }
  getChatSummarization(args: Read<ChatSummarizationKey>): Promise<ChatSummarization | null> {
    return this.read('getChatSummarization', args, 'chatId');
  }

  // ---- spam and ham -----------------------------------------------------------------------

  addSpamMessage(args: Write<AddSpamMessageArgs>): Promise<boolean> {
    return this.write('addSpamMessage', args, 'chatId');
  }
  addHamMessage(args: Write<AddSpamMessageArgs>): Promise<boolean> {
    return this.write('addHamMessage', args, 'chatId');
  }
  deleteSpamMessagesByUserId(args: Write<ChatUserKey>): Promise<boolean> {
    return this.write('deleteSpamMessagesByUserId', args, 'chatId');
  }
  getSpamMessagesByUserId(args: Read<ChatUserKey>): Promise<SpamMessage[]> {
    return this.read('getSpamMessagesByUserId', args, 'chatId');
  }

  // ---- cross-chat reads: every source unless dataSource names one -------------------------

  /**
   * Chats the user is a member of, by chat id, de-duplicated across sources. A source that cannot
   * answer is skipped: `result.sources` tells which sources answered.
   */
  getUserChats(args: Read<GetUserChatsArgs>): Promise<CrossSourceRows<ChatInfo>> {
    return this.readEvery('getUserChats', args);
  }
  /** Group and supergroup chats, by chat id, de-duplicated across sources (see getUserChats). */
  getAllGroupChats(args: ReadOptions = {}): Promise<CrossSourceRows<ChatInfo>> {
    return this.readEvery('getAllGroupChats', args);
  }

  // ---- spam of every chat: one source, as the bot reads it --------------------------------

  /** Spam rows of one source (dataSource, else the default), in insertion order; `limit` defaults to 1000. */
  getSpamMessages(args: Read<GetSpamMessagesArgs> = {}): Promise<SpamMessage[]> {
    return this.read('getSpamMessages', args, undefined);
  }
  /** Spam rows of one source (dataSource, else the default) whose text is exactly `text`, in insertion order. */
  getSpamMessagesByText(args: Read<GetSpamMessagesByTextArgs>): Promise<SpamMessage[]> {
    return this.read('getSpamMessagesByText', args, undefined);
  }

  // ---- system-wide: the default source unless a read (or one of four writes) names another --

  /** Default source, or a writable `dataSource`. */
  setSetting(args: SystemWrite<SetSettingArgs>): Promise<boolean> {
    return this.write('setSetting', args, undefined);
  }
  getSetting(args: Read<GetSettingArgs>): Promise<string | null> {
    return this.read('getSetting', args, undefined);
  }
  getSettings(args: ReadOptions = {}): Promise<Record<string, string>> {
    return this.read('getSettings', args, undefined);
  }
  /** Newest first. */
  getCacheStorage(args: ReadOptions = {}): Promise<CacheStorageEntry[]> {
    return this.read('getCacheStorage', args, undefined);
  }
  /** Default source, or a writable `dataSource`. */
  setCacheStorage(args: SystemWrite<SetCacheStorageArgs>): Promise<boolean> {
    return this.write('setCacheStorage', args, undefined);
  }
  unsetCacheStorage(args: Write<UnsetCacheStorageArgs>): Promise<boolean> {
    return this.write('unsetCacheStorage', args, undefined);
  }
  /** The entry, or null when absent or (with ttl > 0) older than ttl seconds. */
  getCacheEntry(args: Read<GetCacheEntryArgs>): Promise<CacheEntry | null> {
    return this.read('getCacheEntry', args, undefined);
  }
  /** Default source, or a writable `dataSource`. */
  setCacheEntry(args: SystemWrite<SetCacheEntryArgs>): Promise<boolean> {
    return this.write('setCacheEntry', args, undefined);
  }
  /** Empties one cache (of the default source, or a writable `dataSource`). */
  clearCache(args: SystemWrite<ClearCacheArgs>): Promise<boolean> {
    return this.write('clearCache', args, undefined);
  }
  addMediaAttachment(args: Write<AddMediaAttachmentArgs>): Promise<boolean> {
    return this.write('addMediaAttachment', args, undefined);
  }
  /** Sets the fields given (null/undefined: unchanged) and touches updated_at. */
  updateMediaAttachment(args: Write<UpdateMediaAttachmentArgs>): Promise<boolean> {
    return this.write('updateMediaAttachment', args, undefined);
  }
  getMediaAttachment(args: Read<GetMediaAttachmentArgs>): Promise<MediaAttachment | null> {
    return this.read('getMediaAttachment', args, undefined);
  }
  addDelayedTask(args: Write<AddDelayedTaskArgs>): Promise<boolean> {
    return this.write('addDelayedTask', args, undefined);
  }
  updateDelayedTask(args: Write<UpdateDelayedTaskArgs>): Promise<boolean> {
    return this.write('updateDelayedTask', args, undefined);
  }
  /** Tasks not done yet, in insertion order (as the bot). */
  getPendingDelayedTasks(args: ReadOptions = {}): Promise<DelayedTask[]> {
    return this.read('getPendingDelayedTasks', args, undefined);
  }
  /**
   * For several bot processes sharing one database: atomically claims the pending tasks that are unclaimed or
   * already claimed by `owner`, in insertion order, up to `limit` (default: all; its own tasks count first),
   * and returns them like `getPendingDelayedTasks`. No two owners ever get the same task; a process restarted
   * under the same `owner` gets its tasks back. Each process calls this instead of `getPendingDelayedTasks`
   * and marks tasks done with `updateDelayedTask` as before. Claims live in the library's table
   * `delayed_task_claims` (created in a SQLite file on first use; the bot ignores it).
   */
  claimDelayedTasks(args: Write<ClaimDelayedTasksArgs>): Promise<DelayedTask[]> {
    return this.write('claimDelayedTasks', args, undefined);
  }
  /** Hands back every task `owner` claimed, for any process to claim (an operator's step for a process gone for good). Resolves true. */
  releaseDelayedTasks(args: Write<ReleaseDelayedTasksArgs>): Promise<boolean> {
    return this.write('releaseDelayedTasks', args, undefined);
  }
}
