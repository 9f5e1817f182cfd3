/**
 * The schema a MySQL/MariaDB source gets: the bot's v6 tables, columns, keys and indexes of schema-v6.ts
 * (as PostgreSQL's schema.ts does), with SQLite's loose types made exact —
 * - INTEGER -> BIGINT (chat and user ids exceed 2^31); FLOAT -> DOUBLE; BOOLEAN stays BOOLEAN (TINYINT(1)
 *   on both servers; reads turn the catalog's `flags` columns back into booleans).
 * - TIMESTAMP -> DATETIME(0): whole seconds like the text SQLite's CURRENT_TIMESTAMP writes. DATETIME,
 *   not TIMESTAMP: it stores what it is given, with no conversion by the session's zone, and has no 2038
 *   limit. Every session of the library runs with time_zone '+00:00', so CURRENT_TIMESTAMP (the column
 *   defaults, `updated_at = CURRENT_TIMESTAMP`) and the bound values are UTC.
 * - text: utf8mb4 with a binary NO PAD collation (`collationFor`), so equality and order are SQLite's
 *   byte order: case and accents count, and 'a' <> 'a ' (MariaDB's utf8mb4_bin pads with spaces; its
 *   utf8mb4_nopad_bin does not; MySQL 8's utf8mb4_0900_bin is NO PAD). UTF-8's byte order is code point
 *   order, which these collations sort by.
 * - A text column in a key or an index is VARCHAR(n) (`MYSQL_KEY_LENGTHS`): InnoDB keys a TEXT column only
 *   by a prefix, which would make a unique key unique on the prefix. n fits InnoDB's 3072-byte key limit at
 *   4 bytes per character, a composite key's columns together; strict sql_mode makes a longer value an error
 *   (never cut), which the library reports as INVALID_ARGUMENT naming the column and its limit. Other text
 *   is LONGTEXT: no limit below what SQLite stores (TEXT would refuse 64 KB).
 * Two tables differ on purpose, as on PostgreSQL: bayes_tokens and bayes_classes allow NULL in SQLite's
 * PRIMARY KEY; here the key is a UNIQUE KEY named `<table>_key` (NULLs distinct, as in SQLite). Tables read in
 * insertion order (`ORDER BY rowid`: delayed_tasks, spam_messages, chat_summarization_cache, cache_storage)
 * get SQLite's hidden rowid as a last column `rowid BIGINT AUTO_INCREMENT` with a UNIQUE KEY (InnoDB wants
 * an auto-increment column first in a key; the bot's key stays the PRIMARY KEY, so an upsert's
 * ON DUPLICATE KEY meets only it). The library's own `delayed_task_claims` comes last.
 */

import { MYSQL_KEY_LENGTHS, type MysqlKeyColumn } from '@pkg/broker';

/** The key columns' limits: beside the driver half, which names them in its errors (key-lengths.ts). */
export { MYSQL_KEY_LENGTHS, type MysqlKeyColumn };

/** How many leading characters of `prompt` the summaries' lookup index keeps (the index, not the value). */
export const SUMMARY_PROMPT_PREFIX = 250;

/**
 * A binary NO PAD utf8mb4 collation of the server: MariaDB's `utf8mb4_nopad_bin` (10.2 and later), MySQL 8's
 * `utf8mb4_0900_bin`. `version` is `SELECT VERSION()`.
 */
export function collationFor(version: string): string {
  return /mariadb/i.test(version) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

/** The oldest servers whose SQL the library's statements use (`VALUES(col)` upserts, SKIP LOCKED, CTEs). */
export function unsupportedServer(version: string): string | null {
  const [major = 0, minor = 0] = version.split(/[.-]/, 2).map((n) => Number.parseInt(n, 10));
  if (/mariadb/i.test(version)) {
    return major > 10 || (major === 10 && minor >= 6) ? null : `MariaDB ${version} (10.6 or later is needed)`;
  }
  return major >= 8 ? null : `MySQL ${version} (8.0 or later is needed)`;
}

/** One table's DDL. */
export interface MysqlTableDdl {
  readonly table: string;
  readonly ddl: string;
}

/**
 * The v6 schema for a server whose binary NO PAD collation is `collation`, one table per entry in schema-v6.ts's
 * order (indexes inside their table's statement), then the library's own table.
 */
export function mysqlSchemaV6(collation: string): readonly MysqlTableDdl[] {
  const varchar = (column: MysqlKeyColumn) => `\`${column}\` VARCHAR(${MYSQL_KEY_LENGTHS[column]})`;
  const T = 'LONGTEXT';
  const TS = 'DATETIME(0) DEFAULT CURRENT_TIMESTAMP';
  const ROWID = 'rowid BIGINT NOT NULL AUTO_INCREMENT';
  const ROWID_KEY = 'UNIQUE KEY rowid_key (rowid)';
  const table = (name: string, body: string): MysqlTableDdl => ({
    table: name,
    ddl: `CREATE TABLE IF NOT EXISTS \`${name}\` (${body}) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`,
  });
  const cache = (name: string) =>
    table(name, `${varchar('key')} NOT NULL PRIMARY KEY, data ${T} NOT NULL, created_at ${TS}, updated_at ${TS}`);
  return [
    table('settings', `${varchar('key')} NOT NULL PRIMARY KEY, value ${T}, created_at ${TS}, updated_at ${TS}`),
    table(
      'chat_messages',
      `chat_id BIGINT NOT NULL, ${varchar('message_id')} NOT NULL, date DATETIME(0) NOT NULL, user_id BIGINT NOT NULL,
    reply_id ${T}, thread_id BIGINT NOT NULL DEFAULT 0, root_message_id ${T}, message_text ${T} NOT NULL,
    message_type ${T} NOT NULL DEFAULT ('text'), message_category ${T} NOT NULL DEFAULT ('user'), quote_text ${T},
    media_id ${T}, created_at ${TS}, PRIMARY KEY (chat_id, message_id)`,
    ),
    table(
      'chat_settings',
      `chat_id BIGINT NOT NULL, ${varchar('key')} NOT NULL, value ${T}, created_at ${TS}, updated_at ${TS},
    PRIMARY KEY (chat_id, \`key\`)`,
    ),
    table(
      'chat_users',
      `chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, username ${T} NOT NULL, full_name ${T} NOT NULL,
    timezone ${T}, messages_count BIGINT NOT NULL DEFAULT 0, created_at ${TS}, updated_at ${TS},
    is_spammer BOOLEAN NOT NULL DEFAULT FALSE, metadata ${T} NOT NULL DEFAULT (''), PRIMARY KEY (chat_id, user_id)`,
    ),
    table(
      'chat_info',
      `chat_id BIGINT NOT NULL PRIMARY KEY, title ${T}, username ${T}, type ${T} NOT NULL,
    is_forum BOOLEAN NOT NULL DEFAULT FALSE, created_at ${TS}, updated_at ${TS}`,
    ),
    table(
      'chat_stats',
      `chat_id BIGINT NOT NULL, date DATETIME(0) NOT NULL, messages_count BIGINT NOT NULL DEFAULT 0, created_at ${TS},
    updated_at ${TS}, PRIMARY KEY (chat_id, date)`,
    ),
    table(
      'chat_user_stats',
      `chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, date DATETIME(0) NOT NULL,
    messages_count BIGINT NOT NULL DEFAULT 0, created_at ${TS}, updated_at ${TS}, PRIMARY KEY (chat_id, user_id, date)`,
    ),
    table(
      'media_attachments',
      `${varchar('file_unique_id')} NOT NULL PRIMARY KEY, file_id ${T}, file_size BIGINT, media_type ${T} NOT NULL,
    metadata ${T} NOT NULL, status ${T} NOT NULL DEFAULT ('pending'), mime_type ${T}, local_url ${T}, prompt ${T},
    description ${T}, created_at ${TS}, updated_at ${TS}`,
    ),
    table(
      'delayed_tasks',
      `${varchar('id')} NOT NULL PRIMARY KEY, delayed_ts BIGINT NOT NULL, \`function\` ${T} NOT NULL, kwargs ${T} NOT NULL,
    is_done BOOLEAN NOT NULL DEFAULT FALSE, created_at ${TS}, updated_at ${TS}, ${ROWID}, ${ROWID_KEY}`,
    ),
    table(
      'user_data',
      `user_id BIGINT NOT NULL, chat_id BIGINT NOT NULL, ${varchar('key')} NOT NULL, data ${T} NOT NULL,
    created_at ${TS}, updated_at ${TS}, PRIMARY KEY (user_id, chat_id, \`key\`)`,
    ),
    table(
      'spam_messages',
      `chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, ${varchar('message_id')} NOT NULL, text ${T} NOT NULL,
    reason ${T} NOT NULL, score DOUBLE NOT NULL, created_at ${TS}, updated_at ${TS}, ${ROWID},
    PRIMARY KEY (chat_id, user_id, message_id), ${ROWID_KEY}`,
    ),
    table(
      'ham_messages',
      `chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, ${varchar('message_id')} NOT NULL, text ${T} NOT NULL,
    reason ${T} NOT NULL, score DOUBLE NOT NULL, created_at ${TS}, updated_at ${TS},
    PRIMARY KEY (chat_id, user_id, message_id)`,
    ),
    table(
      'chat_topics',
      `chat_id BIGINT NOT NULL, topic_id BIGINT NOT NULL, icon_color BIGINT, icon_custom_emoji_id ${T}, name ${T},
    created_at ${TS}, updated_at ${TS}, PRIMARY KEY (chat_id, topic_id)`,
    ),
    table(
      'chat_summarization_cache',
      `${varchar('csid')} NOT NULL PRIMARY KEY, chat_id BIGINT NOT NULL, topic_id BIGINT,
    ${varchar('first_message_id')} NOT NULL, ${varchar('last_message_id')} NOT NULL, prompt ${T} NOT NULL,
    summary ${T} NOT NULL, created_at ${TS}, updated_at ${TS}, ${ROWID}, ${ROWID_KEY},
    KEY chat_summarization_cache_ctfl_index
      (chat_id, topic_id, first_message_id, last_message_id, prompt(${SUMMARY_PROMPT_PREFIX}))`,
    ),
    table(
      'bayes_tokens',
      `${varchar('token')} NOT NULL, chat_id BIGINT, spam_count BIGINT DEFAULT 0, ham_count BIGINT DEFAULT 0,
    total_count BIGINT DEFAULT 0, created_at ${TS}, updated_at ${TS}, UNIQUE KEY bayes_tokens_key (token, chat_id),
    KEY bayes_tokens_chat_idx (chat_id), KEY bayes_tokens_total_idx (total_count)`,
    ),
    table(
      'bayes_classes',
      `chat_id BIGINT, is_spam BOOLEAN NOT NULL, message_count BIGINT DEFAULT 0, token_count BIGINT DEFAULT 0,
    created_at ${TS}, updated_at ${TS}, UNIQUE KEY bayes_classes_key (chat_id, is_spam),
    KEY bayes_classes_chat_idx (chat_id)`,
    ),
    cache('cache_weather'),
    cache('cache_geocoding'),
    cache('cache_yandex_search'),
    cache('cache_geocode_maps_search'),
    cache('cache_geocode_maps_reverse'),
    cache('cache_geocode_maps_lookup'),
    table(
      'cache_storage',
      `${varchar('namespace')} NOT NULL, ${varchar('key')} NOT NULL, value ${T} NOT NULL, updated_at ${TS}, ${ROWID},
    PRIMARY KEY (namespace, \`key\`), ${ROWID_KEY}, KEY idx_cache_namespace (namespace)`,
    ),
    // The library's, not the bot's (claimDelayedTasks).
    table('delayed_task_claims', `${varchar('task_id')} NOT NULL PRIMARY KEY, owner ${T} NOT NULL, claimed_at ${TS}`),
  ];
}

/** Tables of the MySQL schema that have the `rowid` column SQLite keeps hidden. */
export const MYSQL_ROWID_TABLES: readonly string[] = [
  'delayed_tasks',
  'spam_messages',
  'chat_summarization_cache',
  'cache_storage',
];

/** The library's own tables in the MySQL schema (not the bot's; not in V6_TABLES). */
export const MYSQL_LIBRARY_TABLES: readonly string[] = ['delayed_task_claims'];

/** Tables whose SQLite PRIMARY KEY allows NULL: a UNIQUE KEY `<table>_key` here. */
export const MYSQL_NULLABLE_KEY_TABLES: readonly string[] = ['bayes_tokens', 'bayes_classes'];
