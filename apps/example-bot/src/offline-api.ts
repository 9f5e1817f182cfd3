/**
 * Runs a bot without Telegram: an API transformer answers every Bot API call locally (nothing reaches the
 * network) and records the messages the bot sent, so a test (or a dry run) can read its replies.
 */
import type { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';

export interface SentMessage {
  chatId: number;
  text: string;
}

export const OFFLINE_BOT: UserFromGetMe = {
  id: 7_000_000_001,
  is_bot: true,
  first_name: 'History bot',
  username: 'history_example_bot',
  can_join_groups: true,
  can_read_all_group_messages: true,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

/** Installs the transformer; returns the list the bot's sent messages are appended to. */
export function answerLocally(bot: Bot): SentMessage[] {
  const sent: SentMessage[] = [];
  let nextMessageId = 1_000_000;
  bot.api.config.use(async (_callTelegram, method, payload) => {
    const ok = (result: unknown) => ({ ok: true as const, result }) as never;
    if (method === 'getMe') return ok(OFFLINE_BOT);
    if (method === 'sendMessage') {
      const { chat_id, text } = payload as { chat_id: number; text: string };
      sent.push({ chatId: chat_id, text });
      const date = Math.floor(Date.now() / 1000);
      return ok({ message_id: nextMessageId++, date, chat: { id: chat_id, type: 'private' }, from: OFFLINE_BOT, text });
    }
    return ok(true);
  });
  return sent;
}
