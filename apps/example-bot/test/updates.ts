/**
 * Telegram updates as the Bot API delivers them (getUpdates / webhook JSON): two groups, a private chat,
 * three people, a photo, an edit, a re-delivered update and commands.
 */
import type { Chat, Message, Update, User } from 'grammy/types';

export const ann: User = { id: 111_111, is_bot: false, first_name: 'Ann', username: 'ann', language_code: 'en' };
export const bob: User = { id: 222_222, is_bot: false, first_name: 'Bob', last_name: 'Stone', username: 'bob' };
export const cat: User = { id: 333_333, is_bot: false, first_name: 'Cat', username: 'cat_reads' };

/** Kept in the SQLite primary; its older messages live in the readonly archive. */
export const hiking: Chat.SupergroupChat = { id: -1_001_234_567_890, type: 'supergroup', title: 'Hiking club' };
/** Kept in PostgreSQL (chatMapping). */
export const books: Chat.GroupChat = { id: -4_009_876_543, type: 'group', title: 'Book club' };
/** Ann's private chat with the bot: its id is hers. */
export const annPrivate: Chat.PrivateChat = { id: ann.id, type: 'private', first_name: 'Ann', username: 'ann' };

/** 2025-06-07 10:00:00 UTC, Telegram's whole seconds. */
const T = 1_749_290_400;

let updateId = 500_000_000;

type GroupOrPrivate = Chat.PrivateChat | Chat.GroupChat | Chat.SupergroupChat;

function message(
  chat: GroupOrPrivate,
  from: User,
  messageId: number,
  second: number,
  fields: Partial<Message>,
): Update {
  return {
    update_id: ++updateId,
    message: { message_id: messageId, date: T + second, chat, from, ...fields } as Update['message'],
  };
}

function text(chat: GroupOrPrivate, from: User, messageId: number, second: number, body: string, more = {}): Update {
  const command = body.match(/^\/\w+/)?.[0];
  const entities = command ? [{ type: 'bot_command' as const, offset: 0, length: command.length }] : undefined;
  return message(chat, from, messageId, second, { text: body, ...(entities && { entities }), ...more });
}

const bobSaysMe = text(hiking, bob, 997, 5, 'Me!', {
  reply_to_message: { message_id: 996, date: T, chat: hiking, from: ann, text: "Morning! Who's in for Saturday?" },
});

export const UPDATES: Update[] = [
  text(hiking, ann, 996, 0, "Morning! Who's in for Saturday?"),
  bobSaysMe,
  text(books, cat, 41, 6, 'Chapter 3 done, no spoilers please'),
  message(hiking, bob, 999, 10, {
    caption: 'The trail map',
    photo: [
      { file_id: 'AgACAgIAAxkBAAIBY2ZsmallQ', file_unique_id: 'AQADsmall', file_size: 1_204, width: 90, height: 60 },
      {
        file_id: 'AgACAgIAAxkBAAIBY2ZlargeQ',
        file_unique_id: 'AQADlarge',
        file_size: 48_213,
        width: 1280,
        height: 853,
      },
    ],
  }),
  // Same second as the photo, and the next id: /history lists it after the photo.
  text(hiking, cat, 1000, 10, '+1, bringing snacks'),
  text(annPrivate, ann, 12, 11, '/historysize 1'),
  text(annPrivate, ann, 13, 12, 'hi bot'),
  {
    update_id: ++updateId,
    edited_message: {
      message_id: 996,
      date: T,
      edit_date: T + 20,
      chat: hiking,
      from: ann,
      text: "Morning! Who's in for Sunday?",
    } as Update['edited_message'],
  },
  // Telegram re-delivers an update its webhook did not acknowledge: the same update_id and message.
  bobSaysMe,
  text(hiking, ann, 1001, 30, '/history'),
  text(books, cat, 42, 31, '/history'),
  text(annPrivate, ann, 14, 32, '/history'),
];

export { T as FIRST_SECOND };
