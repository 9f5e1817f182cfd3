/**
 * Every domain method of the bot, written once. `DatabaseWrapper` runs them through the router
 * and the broker; a transaction runs them on its one reserved connection. Subclasses supply
 * only how a call reaches a source.
 */
import type { ArgsOf, ResultOf } from '@pkg/broker';
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

/** Writes never take dataSource: they go where the chat lives. (`never` makes passing it a type error.) */
type Write<A> = A & { dataSource?: never };
type Read<A> = A & ReadOptions;

export abstract class DataApi {
  /** Run a read on one source chosen by dataSource > chatMapping > default. */
  protected abstract readOne<K extends OpName>(
    op: K,
    args: Read<Args<K>>,
    chatId: number | undefined,
  ): Promise<Result<K>>;
  /** Run a write on the source that owns chatId (the default when undefined); refuses readonly sources. */
  protected abstract writeOne<K extends OpName>(op: K, args: Args<K>, chatId: number | undefined): Promise<Result<K>>;
  /** Run a read on every source (or only dataSource) and return each source's rows, in source order. */
  protected abstract readAll<K extends OpName>(
    op: K,
    args: Read<Args<K>>,
  ): Promise<Array<{ source: string; rows: Result<K> }>>;
  /**
   * A message read. Media attachments are system-wide (kept in the default source), so a
   * wrapper reading messages from another source fills the media columns from the default one.
   */
  protected readMessages<K extends OpName>(op: K, args: Read<Args<K>>, chatId: number): Promise<Result<K>> {
    return this.readOne(op, args, chatId);
  }

  /** The source that owns a chat's data, for de-duplicating merged rows. */
  protected abstract ownerOf(chatId: number): string;

  /**
   * The four entry steps every domain method takes: check the arguments against the method's
   * table (INVALID_ARGUMENT, never a TypeError), then hand the checked copy on. `by` names the
   * argument that routes the call ('chatId'), or is undefined for system-wide data.
   * None of them throws: a refusal is a rejected promise.
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

  private readEvery<K extends OpName>(op: K, args: unknown): Promise<Array<{ source: string; rows: Result<K> }>> {
    let a: Record<string, unknown>;
    try {
      a = validateArgs(op as MethodName, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.readAll(op, a as Read<Args<K>>);
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

  /** Inserts the message and bumps the sender's and the chat's counters, in one transaction. */
  saveChatMessage(args: Write<SaveChatMessageArgs>): Promise<void> {
    return this.write('saveChatMessage', args, 'chatId');
  }
  /** Returns whether a message was updated. */
  updateChatMessageCategory(args: Write<UpdateChatMessageCategoryArgs>): Promise<boolean> {
    return this.write('updateChatMessageCategory', args, 'chatId');
  }
  getChatMessageByMessageId(args: Read<GetChatMessageByMessageIdArgs>): Promise<ChatMessage | null> {
    return this.readMessageRows('getChatMessageByMessageId', args, 'chatId');
  }
  /** Newest first; `limit` defaults to 100. */
  getChatMessagesByUser(args: Read<GetChatMessagesByUserArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesByUser', args, 'chatId');
  }
  /** Newest first, strictly between the bounds given. */
  getChatMessagesSince(args: Read<GetChatMessagesSinceArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesSince', args, 'chatId');
  }
  /** Oldest first: a thread of replies. */
  getChatMessagesByRootId(args: Read<GetChatMessagesByRootIdArgs>): Promise<ChatMessage[]> {
    return this.readMessageRows('getChatMessagesByRootId', args, 'chatId');
  }

  // ---- chat users -------------------------------------------------------------------------

  /** Upsert: a known user gets the new username and full name. */
  updateChatUser(args: Write<UpdateChatUserArgs>): Promise<void> {
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

  addUserData(args: Write<AddUserDataArgs>): Promise<void> {
    return this.write('addUserData', args, 'chatId');
  }
  deleteUserData(args: Write<DeleteUserDataArgs>): Promise<boolean> {
    return this.write('deleteUserData', args, 'chatId');
  }
  /** Returns how many keys were removed. */
  clearUserData(args: Write<UserDataKey>): Promise<number> {
    return this.write('clearUserData', args, 'chatId');
  }
  /** `{ key: data }` for one user in one chat. */
  getUserData(args: Read<UserDataKey>): Promise<Record<string, string>> {
    return this.read('getUserData', args, 'chatId');
  }

  // ---- chat settings ----------------------------------------------------------------------

  setChatSetting(args: Write<SetChatSettingArgs>): Promise<void> {
    return this.write('setChatSetting', args, 'chatId');
  }
  unsetChatSetting(args: Write<UnsetChatSettingArgs>): Promise<boolean> {
    return this.write('unsetChatSetting', args, 'chatId');
  }
  clearChatSettings(args: Write<ChatKey>): Promise<number> {
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

  updateChatInfo(args: Write<UpdateChatInfoArgs>): Promise<void> {
    return this.write('updateChatInfo', args, 'chatId');
  }
  getChatInfo(args: Read<ChatKey>): Promise<ChatInfo | null> {
    return this.read('getChatInfo', args, 'chatId');
  }
  updateChatTopicInfo(args: Write<UpdateChatTopicInfoArgs>): Promise<void> {
    return this.write('updateChatTopicInfo', args, 'chatId');
  }
  getChatTopics(args: Read<ChatKey>): Promise<ChatTopic[]> {
    return this.read('getChatTopics', args, 'chatId');
  }

  // ---- summaries --------------------------------------------------------------------------

  /** Upsert keyed by chat, topic, message range and prompt. */
  addChatSummarization(args: Write<AddChatSummarizationArgs>): Promise<void> {
    return this.write('addChatSummarization', args, 'chatId');
  }
  getChatSummarization(args: Read<ChatSummarizationKey>): Promise<ChatSummarization | null> {
    return this.read('getChatSummarization', args, 'chatId');
  }

  // ---- spam and ham -----------------------------------------------------------------------

  addSpamMessage(args: Write<AddSpamMessageArgs>): Promise<void> {
    return this.write('addSpamMessage', args, 'chatId');
  }
  addHamMessage(args: Write<AddSpamMessageArgs>): Promise<void> {
    return this.write('addHamMessage', args, 'chatId');
  }
  /** Returns how many spam rows were removed. */
  deleteSpamMessagesByUserId(args: Write<ChatUserKey>): Promise<number> {
    return this.write('deleteSpamMessagesByUserId', args, 'chatId');
  }
  getSpamMessagesByUserId(args: Read<ChatUserKey>): Promise<SpamMessage[]> {
    return this.read('getSpamMessagesByUserId', args, 'chatId');
  }

  // ---- cross-chat reads: every source unless dataSource names one -------------------------

  /** Chats the user is a member of, by chat id, de-duplicated across sources. */
  async getUserChats(args: Read<GetUserChatsArgs>): Promise<ChatInfo[]> {
    return this.mergeChats(await this.readEvery('getUserChats', args));
  }
  /** Group and supergroup chats, by chat id, de-duplicated across sources. */
  async getAllGroupChats(args: ReadOptions = {}): Promise<ChatInfo[]> {
    return this.mergeChats(await this.readEvery('getAllGroupChats', args));
  }
  /** Spam rows, oldest first; `limit` (default 1000) applies after the merge. */
  async getSpamMessages(args: Read<GetSpamMessagesArgs> = {}): Promise<SpamMessage[]> {
    const parts = await this.readEvery('getSpamMessages', args);
    // Checked by readEvery: args is an object and limit a positive integer, null or absent.
    return this.mergeSpam(parts).slice(0, args.limit ?? 1000);
  }
  /** Spam rows whose text is exactly `text`. */
  async getSpamMessagesByText(args: Read<GetSpamMessagesByTextArgs>): Promise<SpamMessage[]> {
    return this.mergeSpam(await this.readEvery('getSpamMessagesByText', args));
  }

  // ---- system-wide: the default source unless a read names another ------------------------

  setSetting(args: Write<SetSettingArgs>): Promise<void> {
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
  setCacheStorage(args: Write<SetCacheStorageArgs>): Promise<void> {
    return this.write('setCacheStorage', args, undefined);
  }
  unsetCacheStorage(args: Write<UnsetCacheStorageArgs>): Promise<boolean> {
    return this.write('unsetCacheStorage', args, undefined);
  }
  /** The entry, or null when absent or (with ttl > 0) older than ttl seconds. */
  getCacheEntry(args: Read<GetCacheEntryArgs>): Promise<CacheEntry | null> {
    return this.read('getCacheEntry', args, undefined);
  }
  setCacheEntry(args: Write<SetCacheEntryArgs>): Promise<void> {
    return this.write('setCacheEntry', args, undefined);
  }
  /** Empties one cache; returns how many entries were removed. */
  clearCache(args: Write<ClearCacheArgs>): Promise<number> {
    return this.write('clearCache', args, undefined);
  }
  addMediaAttachment(args: Write<AddMediaAttachmentArgs>): Promise<void> {
    return this.write('addMediaAttachment', args, undefined);
  }
  /** Sets the fields given and touches updated_at; returns whether the attachment exists. */
  updateMediaAttachment(args: Write<UpdateMediaAttachmentArgs>): Promise<boolean> {
    return this.write('updateMediaAttachment', args, undefined);
  }
  getMediaAttachment(args: Read<GetMediaAttachmentArgs>): Promise<MediaAttachment | null> {
    return this.read('getMediaAttachment', args, undefined);
  }
  addDelayedTask(args: Write<AddDelayedTaskArgs>): Promise<void> {
    return this.write('addDelayedTask', args, undefined);
  }
  updateDelayedTask(args: Write<UpdateDelayedTaskArgs>): Promise<boolean> {
    return this.write('updateDelayedTask', args, undefined);
  }
  /** Tasks not done yet, earliest first. */
  getPendingDelayedTasks(args: ReadOptions = {}): Promise<DelayedTask[]> {
    return this.read('getPendingDelayedTasks', args, undefined);
  }

  // ---- merging ----------------------------------------------------------------------------

  /** By chat id; a chat present in several sources is taken from the source that owns it. */
  private mergeChats(parts: Array<{ source: string; rows: ChatInfo[] }>): ChatInfo[] {
    if (parts.length === 1) return parts[0]?.rows ?? [];
    const best = new Map<number, { source: string; row: ChatInfo }>();
    for (const { source, rows } of parts) {
      for (const row of rows) {
        const seen = best.get(row.chat_id);
        if (seen === undefined || (seen.source !== this.ownerOf(row.chat_id) && source === this.ownerOf(row.chat_id))) {
          best.set(row.chat_id, { source, row });
        }
      }
    }
    return [...best.values()].map((b) => b.row).sort((a, b) => a.chat_id - b.chat_id);
  }

  /** Oldest first (stable: ties keep source order), one row per chat and message id. */
  private mergeSpam(parts: Array<{ source: string; rows: SpamMessage[] }>): SpamMessage[] {
    if (parts.length === 1) return parts[0]?.rows ?? [];
    const best = new Map<string, { source: string; row: SpamMessage; order: number }>();
    let order = 0;
    for (const { source, rows } of parts) {
      for (const row of rows) {
        const key = `${row.chat_id}:${row.message_id}`;
        const seen = best.get(key);
        const owner = this.ownerOf(row.chat_id);
        if (seen === undefined) best.set(key, { source, row, order: order++ });
        else if (seen.source !== owner && source === owner) best.set(key, { source, row, order: seen.order });
      }
    }
    return [...best.values()]
      .sort((a, b) => a.row.created_at.getTime() - b.row.created_at.getTime() || a.order - b.order)
      .map((b) => b.row);
  }
}
