/**
 * Per-shard figures, so an operator sees a group's balance: the chats a shard holds and their rows. They
 * cost a count over the per-chat tables, so they are measured on demand (`db.shardStats()`), or in the
 * background when `db.stats()` finds them older than a minute; `stats()` itself never waits for them.
 */

/** One shard's figures. */
export interface ShardFigures {
  /** The group the source belongs to. */
  group: string;
  /** Chats with rows on the shard (chat info, messages or users). */
  chats: number;
  /** Rows of the per-chat tables on the shard. */
  rows: number;
  /** When they were measured (ISO 8601). */
  measuredAt: string;
}

/** The bot's tables that hold one chat's data (system-wide tables are on the system source). */
export const PER_CHAT_TABLES: readonly string[] = [
  'chat_messages',
  'chat_settings',
  'chat_users',
  'chat_info',
  'chat_stats',
  'chat_user_stats',
  'user_data',
  'spam_messages',
  'ham_messages',
  'chat_topics',
  'chat_summarization_cache',
];

/** Plain SQL every engine runs as it is (no parameters, no engine syntax). */
export const SHARD_CHATS_SQL =
  'SELECT COUNT(*) AS n FROM (SELECT chat_id FROM chat_info UNION SELECT chat_id FROM chat_messages UNION SELECT chat_id FROM chat_users) AS c';
export const SHARD_ROWS_SQL = `SELECT ${PER_CHAT_TABLES.map((t) => `(SELECT COUNT(*) FROM ${t})`).join(' + ')} AS n`;

/** The one number of a COUNT row, whatever type the engine returns it as (a bigint may come as a string). */
export function countOf(rows: unknown[]): number {
  const row = rows[0] as Record<string, unknown> | undefined;
  const value = row === undefined ? 0 : (row.n ?? row.N ?? Object.values(row)[0]);
  return Number(value ?? 0);
}

/** How old the figures `stats()` reports may be before it measures again in the background. */
export const SHARD_FIGURES_MAX_AGE_MS = 60_000;
