/**
 * A grammY bot that keeps its chats in @pkg/core: every message with its sender, chat and photo; edits;
 * a per-chat setting; and `/history`, which reads the chat's last messages (older ones from a readonly
 * archive when the chat's own source has too few). Re-delivered updates (Telegram retries a webhook it
 * got no answer for) are stored and counted once.
 */
import type { ChatMessage, DatabaseWrapper } from '@pkg/core';
import { Bot, type BotConfig, type Context } from 'grammy';

/** The source holding chats' older messages (readonly). */
export const ARCHIVE = 'archive';
/** Chat setting: how many messages /history shows. */
const HISTORY_SIZE = 'history-size';

export function createBot(token: string, db: DatabaseWrapper, config?: BotConfig<Context>): Bot {
  const bot = new Bot(token, config);

  // Every message: its chat, its sender, its photo, then the message itself. A re-delivered update stops
  // here (saveChatMessageIfNew resolves false, counters untouched), so no command runs twice.
  bot.on('message', async (ctx, next) => {
    const { chat, from, message } = ctx;
    await db.updateChatInfo({
      chatId: chat.id,
      type: chat.type,
      title: chat.title ?? null,
      username: chat.username ?? null,
      isForum: chat.type === 'supergroup' && chat.is_forum === true,
    });
    await db.updateChatUser({
      chatId: chat.id,
      userId: from.id,
      username: from.username ?? '',
      fullName: [from.first_name, from.last_name].filter(Boolean).join(' '),
    });
    const photo = message.photo?.at(-1); // the largest size
    const isNew = await db.saveChatMessageIfNew({
      chatId: chat.id,
      userId: from.id,
      messageId: message.message_id,
      date: new Date(message.date * 1000),
      messageText: message.text ?? message.caption ?? '',
      messageType: photo === undefined ? 'text' : 'image',
      messageCategory: message.text?.startsWith('/') ? 'user-command' : 'user',
      replyId: message.reply_to_message?.message_id ?? null,
      threadId: message.message_thread_id ?? null,
      mediaId: photo?.file_unique_id ?? null,
    });
    if (!isNew) return;
    if (photo !== undefined && (await db.getMediaAttachment({ mediaId: photo.file_unique_id })) === null) {
      await db.addMediaAttachment({
        fileUniqueId: photo.file_unique_id,
        fileId: photo.file_id,
        fileSize: photo.file_size ?? null,
        mediaType: 'image',
      });
    }
    await next();
  });

  bot.on('edited_message', async (ctx) => {
    const edited = ctx.editedMessage;
    await db.updateChatMessageText({
      chatId: edited.chat.id,
      messageId: edited.message_id,
      messageText: edited.text ?? edited.caption ?? '',
    });
  });

  bot.command('historysize', async (ctx) => {
    const size = Number.parseInt(ctx.match, 10);
    if (!(size >= 1 && size <= 50)) {
      await ctx.reply('Usage: /historysize 1..50');
      return;
    }
    await db.setChatSetting({ chatId: ctx.chat.id, key: HISTORY_SIZE, value: size });
    await ctx.reply(`/history now shows ${size} messages.`);
  });

  bot.command('history', async (ctx) => {
    const chatId = ctx.chat.id;
    const size = Number((await db.getChatSetting({ chatId, setting: HISTORY_SIZE })) ?? 5);
    // Skip the /history message itself: newest first, so it is the first row.
    const recent = (await db.getChatMessagesSince({ chatId, limit: size + 1 })).slice(1);
    const older =
      recent.length < size && db.sources.includes(ARCHIVE)
        ? await db.getChatMessagesSince({ chatId, limit: size - recent.length, dataSource: ARCHIVE })
        : [];
    const me = await db.getChatUser({ chatId, userId: ctx.from?.id ?? 0 });
    const lines = [...recent, ...older].reverse().map(describe);
    lines.push(`You have sent ${me?.messages_count ?? 0} messages here.`);
    await ctx.reply(lines.join('\n'));
  });

  return bot;
}

/** One line per message, oldest first: `[12:00:01] ann: hello (photo)`. */
function describe(m: ChatMessage): string {
  const time = m.date.toISOString().slice(11, 19);
  const media = m.media_id === null ? '' : ` (photo ${m.media_file_size ?? '?'} bytes)`;
  return `[${time}] ${m.username || m.full_name}: ${m.message_text}${media}`;
}
