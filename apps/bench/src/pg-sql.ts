/**
 * The statements the direct `postgres` peer runs, in the library's own words. @pkg/core exports no catalog,
 * so the texts are copied from packages/core/src/operations/messages.ts and message-statements.ts, and
 * `assertSamePgSqlAsCore` checks at start-up that the built core still holds them (the texts built through
 * the PostgreSQL dialect are compared with core's built ones, whitespace aside). The catalog writes `?`; the PostgreSQL worker numbers
 * them (`$1`, `$2` ...) as `toPg` does here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIALECTS } from '@pkg/broker/operation';
import { POINT_READ_SQL, SELECT_MESSAGE } from './sql.js';

/** getChatMessagesSince with only chatId and limit (the 10,000-row read). */
const NEWEST_FIRST = ' ORDER BY m.date DESC, length(m.message_id) DESC, m.message_id DESC';
const SINCE_BY_CHAT_SQL = `${SELECT_MESSAGE} WHERE m.chat_id = ?${NEWEST_FIRST} LIMIT ?`;

/** saveChatMessage's four statements (PostgreSQL needs the table name in the upserts' SET; SQLite takes it too). */
const INSERT_MESSAGE = `INSERT INTO chat_messages (chat_id, message_id, date, user_id, reply_id, thread_id, root_message_id,
  message_text, message_type, message_category, quote_text, media_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const COUNT_USER_MESSAGE =
  'UPDATE chat_users SET messages_count = messages_count + 1, updated_at = CURRENT_TIMESTAMP WHERE chat_id = ? AND user_id = ?';
const COUNT_CHAT_DAY = `INSERT INTO chat_stats (chat_id, date, messages_count) VALUES (?, ?, 1)
  ON CONFLICT (chat_id, date) DO UPDATE SET messages_count = chat_stats.messages_count + 1, updated_at = CURRENT_TIMESTAMP`;
const COUNT_USER_DAY = `INSERT INTO chat_user_stats (chat_id, user_id, date, messages_count) VALUES (?, ?, ?, 1)
  ON CONFLICT (chat_id, user_id, date) DO UPDATE SET messages_count = chat_user_stats.messages_count + 1, updated_at = CURRENT_TIMESTAMP`;

/** `?` -> `$n`, as the library's PostgreSQL worker converts a catalog text (pg-text.ts). */
export function toPg(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

export const PG = {
  pointRead: toPg(POINT_READ_SQL),
  sinceByChat: toPg(SINCE_BY_CHAT_SQL),
  insertMessage: toPg(INSERT_MESSAGE),
  countUserMessage: toPg(COUNT_USER_MESSAGE),
  countChatDay: toPg(COUNT_CHAT_DAY),
  countUserDay: toPg(COUNT_USER_DAY),
};

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Throws when the built core's message operations no longer hold the texts the direct peer runs. */
export async function assertSamePgSqlAsCore(): Promise<void> {
  const coreIndex = fileURLToPath(import.meta.resolve('@pkg/core'));
  const messagesJs = coreIndex.replace(/index\.js$/, 'operations/messages.js');
  const statementsJs = coreIndex.replace(/index\.js$/, 'operations/message-statements.js');
  const text = readFileSync(messagesJs, 'utf8');
  const needed = [
    SELECT_MESSAGE,
    `\${SELECT_MESSAGE} WHERE m.chat_id = ? AND m.message_id = ?\``,
    // The message order, through the dialect's charLength (length() on PostgreSQL).
    `\` ORDER BY m.date DESC, \${d.charLength('m.message_id')} DESC, m.message_id DESC\``,
    // getChatMessagesSince: `${SELECT_MESSAGE} WHERE ${where}${NEWEST_FIRST}` with where = ['m.chat_id = ?'], then ' LIMIT ?'.
    "['m.chat_id = ?']",
    `\${SELECT_MESSAGE} WHERE \${where.join(' AND ')}\${NEWEST_FIRST[e.engine]}\``,
    "' LIMIT ?'",
  ];
  const missing = needed.filter((s) => !text.includes(s));
  if (DIALECTS.postgresql.charLength('m.message_id') !== 'length(m.message_id)') missing.push('length(m.message_id)');
  const core = (await import(pathToFileURL(statementsJs).href)) as Record<string, string | Record<string, string>>;
  const pgOf = (t: string | Record<string, string> | undefined) =>
    oneLine(typeof t === 'string' ? t : (t?.postgresql ?? ''));
  const copies: Record<string, string> = { INSERT_MESSAGE, COUNT_USER_MESSAGE, COUNT_CHAT_DAY, COUNT_USER_DAY };
  for (const [name, copy] of Object.entries(copies)) {
    if (pgOf(core[name]) !== oneLine(copy)) missing.push(copy);
  }
  if (missing.length > 0) {
    throw new Error(
      `the SQL in ${messagesJs} (or message-statements.js) differs from apps/bench/src/pg-sql.ts (${missing.length} text(s) not found, first: ${JSON.stringify(missing[0])}); copy it again`,
    );
  }
}
