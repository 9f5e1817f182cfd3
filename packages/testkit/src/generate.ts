import type { ChatType, WriteOp } from './types.js';

/** Message types the bot stores (`chat_messages.message_type`). */
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

/** Message categories the bot stores (`chat_messages.message_category`). */
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

/** Reasons of spam/ham records (`spam_messages.reason`). */
export const SPAM_REASONS = ['auto', 'user', 'admin', 'unban'] as const;

/** Options of {@link generateSampleChats}. */
export interface GenerateSampleChatsOptions {
  /** PRNG seed (integer). Same options => identical output. */
  seed: number;
  /** Number of chats, default 3. Chat `i` is a group when `i % 3 === 0`, a forum supergroup when 1, private when 2. */
  chats?: number;
  /** Members of each group/supergroup, default 4 (drawn from a pool of `2 * usersPerChat` users). Private chats have 1. */
  usersPerChat?: number;
  /** Messages saved in each chat, default 50 (message ids 1..N). */
  messagesPerChat?: number;
  /**
   * Negative integer, default `-1002000000000`. Group/supergroup chat `i` gets id `chatIdBase - i`;
   * private chat `i` gets the positive id `floor(|chatIdBase| / 1e6) + i` (1002002 for the default).
   */
  chatIdBase?: number;
  /** Date of the first message, `'YYYY-MM-DD'` or `'YYYY-MM-DD HH:MM:SS'` (UTC), default `'2025-11-01 08:00:00'`. */
  startDate?: string;
  /** First user id of the generated pool, default `7_000_000 + 1000 * seed`. */
  userIdBase?: number;
  /**
   * Extra user ids that join every group/supergroup (after the generated members) and write messages
   * there: use the same id in several generated sets to get one user whose chats span several sources.
   */
  sharedUserIds?: readonly number[];
}

/** One generated chat. */
export interface SampleChat {
  chatId: number;
  type: ChatType;
  /** Member user ids, in `updateChatUser` order. */
  users: number[];
}

/** Output of {@link generateSampleChats}. */
export interface SampleChats {
  chats: SampleChat[];
  /** Write calls in the reference writes format, to pass to `replay`. */
  ops: WriteOp[];
}

/** mulberry32: a small, fast, seedable 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  'hello',
  'как дела?',
  'O\'Reilly says "hi"',
  'emoji 🎉',
  '100% done_ok',
  'path C:\\tmp\\file',
  'line one\nline two',
  'SELECT * FROM chat_messages; --',
  'ünïcödé ß',
  '',
];
const FIRST_NAMES = ['Anna', 'Boris', "O'Brien", 'Zoë', 'Дмитрий', 'Li "Lee"', 'Émile', 'Ngozi'];
const LAST_NAMES = ['Smith', 'Иванов', "D'Arcy", 'Müller', 'Tanaka', 'Nwosu'];
const CITIES = ['Moscow', 'Minsk', 'Berlin', 'Lagos', 'Tokyo'];
const MODELS = ['gpt', 'gpt-4o', 'yandexgpt'];

/** Display name of a user, derived from the id only (so a shared user has one name everywhere). */
function fullNameOf(userId: number): string {
  const first = FIRST_NAMES[userId % FIRST_NAMES.length] ?? 'User';
  const last = LAST_NAMES[Math.floor(userId / FIRST_NAMES.length) % LAST_NAMES.length] ?? 'Doe';
  return `${first} ${last} ${userId}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Formats epoch milliseconds as the bot's `YYYY-MM-DD HH:MM:SS` (UTC). */
export function formatDbDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

function parseStartDate(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$/.exec(value);
  if (!match) throw new RangeError(`generateSampleChats: startDate must be 'YYYY-MM-DD[ HH:MM:SS]', got ${value}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms) || formatDbDate(ms).slice(0, 10) !== `${y}-${mo}-${d}`) {
    throw new RangeError(`generateSampleChats: startDate is not a valid date: ${value}`);
  }
  return ms;
}

function requireInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`generateSampleChats: ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

interface SavedMessage {
  messageId: number;
  rootMessageId: number | null;
  threadId: number | null;
}

interface ChatState {
  chat: SampleChat;
  remaining: number;
  nextMessageId: number;
  saved: SavedMessage[];
  spamAt: number;
}

/**
 * Deterministically generates chats and the write calls that fill them, in exactly the format of
 * `gromozeka-v6.writes.json` (same method and parameter names): `updateChatInfo` for every chat,
 * `updateChatTopicInfo` (topics 1..3) for forum supergroups, `updateChatUser` for every member (before
 * any message), then `saveChatMessage` interleaved across chats in date order with the occasional
 * `addSpamMessage`/`addHamMessage` for the message just saved, then per chat `setChatSetting` (`model`,
 * `temperature`, sometimes `prompt`) and `addUserData` (`city`, `age`) for the first member and some others.
 *
 * Messages: ids 1..messagesPerChat per chat; ~30% reply to an earlier message of the chat (`replyId`,
 * `rootMessageId` = the thread's first message); forum messages have `threadId` 1..3 or null; `messageType`
 * and `messageCategory` come from {@link MESSAGE_TYPES}/{@link MESSAGE_CATEGORIES}. Every chat has at least one
 * spam record. Texts include quotes, `%`, `_`, backslashes, newlines and non-ASCII on purpose.
 */
export function generateSampleChats(options: GenerateSampleChatsOptions): SampleChats {
  const seed = requireInteger('seed', options.seed, Number.MIN_SAFE_INTEGER);
  const chatCount = requireInteger('chats', options.chats ?? 3, 1);
  const usersPerChat = requireInteger('usersPerChat', options.usersPerChat ?? 4, 1);
  const messagesPerChat = requireInteger('messagesPerChat', options.messagesPerChat ?? 50, 0);
  const chatIdBase = options.chatIdBase ?? -1002000000000;
  if (!Number.isSafeInteger(chatIdBase) || chatIdBase >= 0) {
    throw new RangeError(`generateSampleChats: chatIdBase must be a negative integer, got ${chatIdBase}`);
  }
  const userIdBase = requireInteger('userIdBase', options.userIdBase ?? 7_000_000 + 1000 * seed, 1);
  const sharedUserIds = [...(options.sharedUserIds ?? [])];
  for (const id of sharedUserIds) requireInteger('sharedUserIds[]', id, 1);
  let clock = parseStartDate(options.startDate ?? '2025-11-01 08:00:00');

  const rand = mulberry32(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(items.length)];
    if (item === undefined) throw new Error('generateSampleChats: pick from an empty list');
    return item;
  };

  const pool = Array.from({ length: usersPerChat * 2 }, (_, j) => userIdBase + j);
  const privateBase = Math.floor(Math.abs(chatIdBase) / 1_000_000);
  const ops: WriteOp[] = [];
  const chats: SampleChat[] = [];

  for (let i = 0; i < chatCount; i++) {
    const type: ChatType = i % 3 === 0 ? 'group' : i % 3 === 1 ? 'supergroup' : 'private';
    const chatId = type === 'private' ? privateBase + i : chatIdBase - i;
    let users: number[];
    if (type === 'private') {
      users = [pick(pool)];
    } else {
      const shuffled = [...pool];
      for (let k = shuffled.length - 1; k > 0; k--) {
        const r = int(k + 1);
        const a = shuffled[k] as number;
        shuffled[k] = shuffled[r] as number;
        shuffled[r] = a;
      }
      users = shuffled.slice(0, usersPerChat);
      for (const id of sharedUserIds) if (!users.includes(id)) users.push(id);
    }
    chats.push({ chatId, type, users });
    ops.push([
      'updateChatInfo',
      {
        chatId,
        type,
        title: type === 'private' ? null : `Chat ${i} «${seed}» 'ü"`,
        username: rand() < 0.5 ? `chat_${seed}_${i}` : null,
        isForum: type === 'supergroup',
      },
    ]);
    if (type === 'supergroup') {
      for (let topicId = 1; topicId <= 3; topicId++) {
        ops.push([
          'updateChatTopicInfo',
          {
            chatId,
            topicId,
            iconColor: 7322096 + topicId,
            customEmojiId: `emoji${topicId}`,
            topicName: `Topic ${topicId}`,
          },
        ]);
      }
    }
  }

  for (const chat of chats) {
    for (const userId of chat.users) {
      ops.push([
        'updateChatUser',
        { chatId: chat.chatId, userId, username: `@u${userId}`, fullName: fullNameOf(userId) },
      ]);
    }
  }

  const states: ChatState[] = chats.map((chat) => ({
    chat,
    remaining: messagesPerChat,
    nextMessageId: 1,
    saved: [],
    spamAt: messagesPerChat > 0 ? 1 + int(messagesPerChat) : 0,
  }));
  let serial = 0;
  for (;;) {
    const open = states.filter((s) => s.remaining > 0);
    if (open.length === 0) break;
    const state = pick(open);
    const { chatId, type, users } = state.chat;
    clock += (1 + int(90)) * 1000;
    const messageId = state.nextMessageId++;
    state.remaining--;
    const userId = pick(users);
    const replyTo = state.saved.length > 0 && rand() < 0.3 ? pick(state.saved) : null;
    let threadId: number | null = null;
    if (type === 'supergroup') threadId = replyTo ? replyTo.threadId : rand() < 0.5 ? 1 + int(3) : null;
    const rootMessageId = replyTo ? (replyTo.rootMessageId ?? replyTo.messageId) : null;
    const base = rand() < 0.05 ? 'x'.repeat(300) : pick(TEXTS);
    const messageText = `${base} #${serial++}`;
    const messageType = rand() < 0.8 ? 'text' : pick(MESSAGE_TYPES);
    const messageCategory = rand() < 0.4 ? 'user' : pick(MESSAGE_CATEGORIES);
    const quoteText = replyTo && rand() < 0.3 ? `quoted ${replyTo.messageId}` : null;
    state.saved.push({ messageId, rootMessageId, threadId });
    ops.push([
      'saveChatMessage',
      {
        date: formatDbDate(clock),
        chatId,
        userId,
        messageId,
        replyId: replyTo ? replyTo.messageId : null,
        threadId,
        messageText,
        messageType,
        messageCategory,
        rootMessageId,
        quoteText,
      },
    ]);
    const roll = rand();
    const score = Math.round(rand() * 1000) / 1000;
    if (messageId === state.spamAt || roll < 0.05) {
      ops.push(['addSpamMessage', { chatId, userId, messageId, messageText, spamReason: pick(SPAM_REASONS), score }]);
    } else if (roll < 0.08) {
      ops.push(['addHamMessage', { chatId, userId, messageId, messageText, spamReason: pick(SPAM_REASONS), score }]);
    }
  }

  for (const { chatId, users } of chats) {
    ops.push(['setChatSetting', { chatId, key: 'model', value: pick(MODELS) }]);
    ops.push(['setChatSetting', { chatId, key: 'temperature', value: (int(100) / 100).toFixed(2) }]);
    if (rand() < 0.5) ops.push(['setChatSetting', { chatId, key: 'prompt', value: "Ты -- бот 'Громозека'" }]);
    users.forEach((userId, index) => {
      if (index === 0 || rand() < 0.3) {
        ops.push(['addUserData', { userId, chatId, key: 'city', data: pick(CITIES) }]);
        ops.push(['addUserData', { userId, chatId, key: 'age', data: String(18 + int(60)) }]);
      }
    });
  }

  return { chats, ops };
}

/** Distinct `chatId`s of `ops`, in order of first appearance (ops without a numeric `chatId` are skipped). */
export function chatIdsOf(ops: readonly WriteOp[]): number[] {
  const seen = new Set<number>();
  for (const [, args] of ops) {
    const chatId = args.chatId;
    if (typeof chatId === 'number') seen.add(chatId);
  }
  return [...seen];
}
