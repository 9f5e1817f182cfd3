/**
 * The longest value, in characters, of each text column in a key of the bot's MySQL schema (core's
 * engines/mysql/schema.ts builds its VARCHAR columns from this table), and the error a longer one becomes.
 * Kept here, beside the driver half, so the runner can name the limit when the server refuses a value: in
 * strict sql_mode a too-long value fails with 1406 "Data too long for column 'x'" (never cut), which names the
 * column but not its limit. The same column name has the same limit in every table.
 */
import { InvalidArgumentError } from '@pkg/errors';

export const MYSQL_KEY_LENGTHS = {
  /**
   * settings, chat_settings, user_data, cache_<type>, cache_storage. Setting names are short ('summary-prompt');
   * cache keys are SHA-512 hex (128) by default, but the bot's unhashed key generators store a URL or a JSON
   * text as the key: 512 leaves room for those, and for cache_storage's namespace beside it (767 x 4 bytes).
   */
  key: 512,
  /** cache_storage: the bot's cache type names (under 40 characters). */
  namespace: 255,
  /** Telegram message ids are integers (at most 10 digits); other platforms' string ids are under 64. */
  message_id: 255,
  first_message_id: 255,
  last_message_id: 255,
  /** Telegram's file_unique_id is about 16-20 characters. */
  file_unique_id: 255,
  /** The bot's task ids: `yymmdd-HHMMSS-<uuid4>`, 50 characters. */
  id: 255,
  task_id: 255,
  /** The Bayes filter's tokens: at most 50 characters, a bigram two of them and a space. */
  token: 255,
  /**
   * The seed-date bot's summary key, `<chat>:<topic>_<first>:<last>-<prompt>`, holds the whole prompt (the
   * later bot's is a 128-character SHA-512): the whole 3072-byte key. A prompt longer than about 700
   * characters is refused (INVALID_ARGUMENT) on MySQL.
   */
  csid: 768,
} as const;

/** A key column's name. */
export type MysqlKeyColumn = keyof typeof MYSQL_KEY_LENGTHS;

/** MySQL's and MariaDB's "Data too long for column" (strict sql_mode). */
export const ER_DATA_TOO_LONG = 1406;

/**
 * The server's refusal of a too-long value as INVALID_ARGUMENT naming the column and its limit; null when
 * `error` is not that refusal. `operation` is the call (its method name, or 'tx.execute').
 */
export function tooLongError(operation: string, error: unknown): InvalidArgumentError | null {
  const e = error as { errno?: unknown; sqlMessage?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object' || e.errno !== ER_DATA_TOO_LONG) return null;
  const text = String(e.sqlMessage ?? e.message ?? '');
  const column = /column '([^']+)'/.exec(text)?.[1] ?? 'unknown';
  const limit = Object.hasOwn(MYSQL_KEY_LENGTHS, column) ? MYSQL_KEY_LENGTHS[column as MysqlKeyColumn] : null;
  const problem =
    limit === null
      ? `is longer than column "${column}" holds on MySQL (the server refused it; nothing was cut or stored)`
      : `is longer than column "${column}" holds on MySQL: at most ${limit} characters (InnoDB's 3072-byte key limit at 4 bytes a character; nothing was cut or stored)`;
  return new InvalidArgumentError(operation, column, problem);
}
