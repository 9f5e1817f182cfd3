/**
 * The schema a PostgreSQL source gets (issue #10): the bot's v6 tables, columns, keys and indexes of
 * schema-v6.ts, with SQLite's loose types made exact —
 * - INTEGER -> BIGINT (SQLite integers are 64-bit; chat and user ids exceed 2^31),
 * - TIMESTAMP -> TIMESTAMPTZ(0): an instant, whatever the session's time zone, in whole seconds like the
 *   text SQLite's CURRENT_TIMESTAMP writes, so the same rows compare, sort and read back alike on both
 *   engines. (PostgreSQL rounds a fraction to the nearest second where SQLite cuts it: a default
 *   CURRENT_TIMESTAMP may read up to half a second later than the clock, never with a fraction.)
 * - BOOLEAN stays BOOLEAN, FLOAT -> DOUBLE PRECISION,
 * - every TEXT column COLLATE "C": SQLite compares text byte by byte (BINARY), so keys sort the same.
 * Two tables differ on purpose: SQLite lets a PRIMARY KEY column hold NULL (bayes_tokens.chat_id,
 * bayes_classes.chat_id are NULL for the global classifier), PostgreSQL does not; there the key is a
 * UNIQUE constraint named `<table>_key` (NULLs distinct, as in SQLite), and the columns stay nullable.
 * Tables read in insertion order (`ORDER BY rowid`: delayed_tasks, spam_messages, chat_summarization_cache,
 * cache_storage) get SQLite's hidden rowid as a last column `rowid BIGINT GENERATED ALWAYS AS IDENTITY`, so
 * the same statement text orders them on both engines; reads of those tables name their columns (the rows
 * keep SQLite's keys). A copy from SQLite inserts their rows in rowid order, leaving the column out.
 * The library's own table `delayed_task_claims` (claimDelayedTasks) comes last; it is not a bot table.
 */
import { DatabaseError, MigrationError, NotABotDatabaseError, SchemaTooNewError } from '@pkg/errors';
import type { Sql, TransactionSql } from 'postgres';
import { LAST_RUN_KEY, SCHEMA_VERSION, V6_TABLES, VERSION_KEY } from '../../schema/bot-schema.js';

export const PG_SCHEMA_VERSION = SCHEMA_VERSION;

const T = 'TEXT COLLATE "C"';
/** Whole seconds: see above. */
const TZ = 'TIMESTAMPTZ(0)';
const TS = `${TZ} DEFAULT CURRENT_TIMESTAMP`;
/** SQLite's rowid, for the tables read in insertion order. */
const ROWID = 'rowid BIGINT GENERATED ALWAYS AS IDENTITY';
const CACHE_COLUMNS = `key ${T} PRIMARY KEY, data ${T} NOT NULL, created_at ${TS}, updated_at ${TS}`;

/** The v6 schema, one statement per entry, in schema-v6.ts's order. */
export const POSTGRES_SCHEMA_V6: readonly string[] = [
  `CREATE TABLE settings (key ${T} PRIMARY KEY, value ${T}, created_at ${TS}, updated_at ${TS})`,
  `CREATE TABLE chat_messages (chat_id BIGINT NOT NULL, message_id ${T} NOT NULL, date ${TZ} NOT NULL,
    user_id BIGINT NOT NULL, reply_id ${T}, thread_id BIGINT NOT NULL DEFAULT 0, root_message_id ${T},
    message_text ${T} NOT NULL, message_type ${T} DEFAULT 'text' NOT NULL, message_category ${T} DEFAULT 'user' NOT NULL,
    quote_text ${T}, media_id ${T}, created_at ${TS}, PRIMARY KEY (chat_id, message_id))`,
  `CREATE TABLE chat_settings (chat_id BIGINT NOT NULL, key ${T} NOT NULL, value ${T}, created_at ${TS},
    updated_at ${TS}, PRIMARY KEY (chat_id, key))`,
  `CREATE TABLE chat_users (chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, username ${T} NOT NULL,
    full_name ${T} NOT NULL, timezone ${T}, messages_count BIGINT DEFAULT 0 NOT NULL, created_at ${TS},
    updated_at ${TS}, is_spammer BOOLEAN DEFAULT FALSE NOT NULL, metadata ${T} DEFAULT '' NOT NULL,
    PRIMARY KEY (chat_id, user_id))`,
  `CREATE TABLE chat_info (chat_id BIGINT PRIMARY KEY, title ${T}, username ${T}, type ${T} NOT NULL,
    is_forum BOOLEAN NOT NULL DEFAULT FALSE, created_at ${TS}, updated_at ${TS})`,
  `CREATE TABLE chat_stats (chat_id BIGINT NOT NULL, date ${TZ} NOT NULL, messages_count BIGINT DEFAULT 0 NOT NULL,
    created_at ${TS}, updated_at ${TS}, PRIMARY KEY (chat_id, date))`,
  `CREATE TABLE chat_user_stats (chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, date ${TZ} NOT NULL,
    messages_count BIGINT DEFAULT 0 NOT NULL, created_at ${TS}, updated_at ${TS}, PRIMARY KEY (chat_id, user_id, date))`,
  `CREATE TABLE media_attachments (file_unique_id ${T} PRIMARY KEY, file_id ${T}, file_size BIGINT,
    media_type ${T} NOT NULL, metadata ${T} NOT NULL, status ${T} NOT NULL DEFAULT 'pending', mime_type ${T},
    local_url ${T}, prompt ${T}, description ${T}, created_at ${TS}, updated_at ${TS})`,
  `CREATE TABLE delayed_tasks (id ${T} PRIMARY KEY NOT NULL, delayed_ts BIGINT NOT NULL, function ${T} NOT NULL,
    kwargs ${T} NOT NULL, is_done BOOLEAN NOT NULL DEFAULT FALSE, created_at ${TS}, updated_at ${TS}, ${ROWID})`,
  `CREATE TABLE user_data (user_id BIGINT NOT NULL, chat_id BIGINT NOT NULL, key ${T} NOT NULL, data ${T} NOT NULL,
    created_at ${TS}, updated_at ${TS}, PRIMARY KEY (user_id, chat_id, key))`,
  `CREATE TABLE spam_messages (chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, message_id ${T} NOT NULL,
    text ${T} NOT NULL, reason ${T} NOT NULL, score DOUBLE PRECISION NOT NULL, created_at ${TS}, updated_at ${TS},
    ${ROWID}, PRIMARY KEY (chat_id, user_id, message_id))`,
  `CREATE TABLE ham_messages (chat_id BIGINT NOT NULL, user_id BIGINT NOT NULL, message_id ${T} NOT NULL,
    text ${T} NOT NULL, reason ${T} NOT NULL, score DOUBLE PRECISION NOT NULL, created_at ${TS}, updated_at ${TS},
    PRIMARY KEY (chat_id, user_id, message_id))`,
  `CREATE TABLE chat_topics (chat_id BIGINT NOT NULL, topic_id BIGINT NOT NULL, icon_color BIGINT,
    icon_custom_emoji_id ${T}, name ${T}, created_at ${TS}, updated_at ${TS}, PRIMARY KEY (chat_id, topic_id))`,
  `CREATE TABLE chat_summarization_cache (csid ${T} PRIMARY KEY, chat_id BIGINT NOT NULL, topic_id BIGINT,
    first_message_id ${T} NOT NULL, last_message_id ${T} NOT NULL, prompt ${T} NOT NULL, summary ${T} NOT NULL,
    created_at ${TS}, updated_at ${TS}, ${ROWID})`,
  `CREATE INDEX chat_summarization_cache_ctfl_index
    ON chat_summarization_cache (chat_id, topic_id, first_message_id, last_message_id, prompt)`,
  `CREATE TABLE bayes_tokens (token ${T} NOT NULL, chat_id BIGINT, spam_count BIGINT DEFAULT 0,
    ham_count BIGINT DEFAULT 0, total_count BIGINT DEFAULT 0, created_at ${TS}, updated_at ${TS},
    CONSTRAINT bayes_tokens_key UNIQUE (token, chat_id))`,
  `CREATE TABLE bayes_classes (chat_id BIGINT, is_spam BOOLEAN NOT NULL, message_count BIGINT DEFAULT 0,
    token_count BIGINT DEFAULT 0, created_at ${TS}, updated_at ${TS},
    CONSTRAINT bayes_classes_key UNIQUE (chat_id, is_spam))`,
  'CREATE INDEX bayes_tokens_chat_idx ON bayes_tokens (chat_id)',
  'CREATE INDEX bayes_tokens_total_idx ON bayes_tokens (total_count)',
  'CREATE INDEX bayes_classes_chat_idx ON bayes_classes (chat_id)',
  `CREATE TABLE cache_weather (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_geocoding (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_yandex_search (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_geocode_maps_search (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_geocode_maps_reverse (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_geocode_maps_lookup (${CACHE_COLUMNS})`,
  `CREATE TABLE cache_storage (namespace ${T} NOT NULL, key ${T} NOT NULL, value ${T} NOT NULL, updated_at ${TS},
    ${ROWID}, PRIMARY KEY (namespace, key))`,
  'CREATE INDEX idx_cache_namespace ON cache_storage (namespace)',
  // The library's, not the bot's (see claimDelayedTasks in operations/system.ts).
  `CREATE TABLE delayed_task_claims (task_id ${T} PRIMARY KEY, owner ${T} NOT NULL, claimed_at ${TS})`,
];

/** Tables of the PostgreSQL schema that have the `rowid` column SQLite keeps hidden. */
export const PG_ROWID_TABLES: readonly string[] = [
  'delayed_tasks',
  'spam_messages',
  'chat_summarization_cache',
  'cache_storage',
];

/** The library's own tables in the PostgreSQL schema (not the bot's; not in V6_TABLES). */
export const PG_LIBRARY_TABLES: readonly string[] = ['delayed_task_claims'];

/** Tables whose SQLite PRIMARY KEY allows NULL: in PostgreSQL a UNIQUE constraint `<table>_key` instead. */
export const PG_NULLABLE_KEY_TABLES: readonly string[] = ['bayes_tokens', 'bayes_classes'];

/** BIGINT as exact numbers (refused beyond ±2^53-1): the broker's parser, the one every PostgreSQL client here uses. */
export { PG_INT8_EXACT } from '@pkg/broker';

/** What `migratePostgresV6` did. */
export type PgMigrationOutcome = 'created' | 'unchanged';

/** Where the schema lives, for error messages (a source name and a URL without password). */
export interface PgMigrationTarget {
  source: string;
  where: string;
}

/**
 * Creates the v6 schema in the connection's current schema (search_path), in one transaction under a
 * transaction-scoped advisory lock keyed by that schema: of several processes starting at once, the first
 * creates it and the others wait, then find version 6 and leave it alone. `db-migration-last-run` is written
 * as an ISO instant in UTC (`...Z`), not the bot's zone-less local time: the column is an instant here. A schema at another version, or
 * with some bot tables and no marker, is refused with a typed error (PostgreSQL has no older versions to
 * migrate from).
 */
export async function migratePostgresV6(
  sql: Sql,
  target: PgMigrationTarget = { source: 'postgres', where: 'postgres' },
): Promise<PgMigrationOutcome> {
  let outcome: PgMigrationOutcome = 'unchanged';
  try {
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext('botdb:schema:' || current_schema()))`;
      // Read after the lock: under READ COMMITTED each statement sees what the lock holder committed.
      const present = await botTablesIn(tx);
      if (present.size === 0) {
        for (const statement of POSTGRES_SCHEMA_V6) await tx.unsafe(statement);
        await tx`INSERT INTO settings (key, value) VALUES
          (${VERSION_KEY}, ${String(PG_SCHEMA_VERSION)}), (${LAST_RUN_KEY}, ${new Date().toISOString()})`;
        outcome = 'created';
        return;
      }
      const tooNew = await checkPostgresV6(tx, present, target);
      if (tooNew !== null) throw tooNew;
    });
  } catch (error) {
    if (error instanceof DatabaseError) throw error;
    throw new MigrationError(
      target.source,
      target.where,
      PG_SCHEMA_VERSION,
      error instanceof Error ? error.message : String(error),
    );
  }
  return outcome;
}

/** The bot's v6 tables present in the session's current schema (search_path). */
export async function botTablesIn(sql: TransactionSql): Promise<Set<string>> {
  const present = await sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_name IN ${sql(V6_TABLES as string[])}`;
  return new Set(present.map((r) => r.name));
}

/**
 * A schema holding some bot tables: NOT_A_BOT_DATABASE (thrown) when a table or the version marker is missing
 * or the version is older; the SCHEMA_TOO_NEW error (returned, the caller decides) when it is newer; null at v6.
 */
export async function checkPostgresV6(
  sql: TransactionSql,
  present: ReadonlySet<string>,
  target: PgMigrationTarget,
): Promise<SchemaTooNewError | null> {
  const missing = V6_TABLES.filter((t) => !present.has(t));
  const marker = present.has('settings')
    ? await sql<{ value: string | null }[]>`SELECT value FROM settings WHERE key = ${VERSION_KEY}`
    : [];
  const version = marker[0]?.value == null ? null : Number.parseInt(marker[0].value, 10);
  if (version !== null && version > PG_SCHEMA_VERSION) {
    return new SchemaTooNewError(target.source, target.where, version, PG_SCHEMA_VERSION);
  }
  if (version !== PG_SCHEMA_VERSION || missing.length > 0) {
    throw new NotABotDatabaseError(
      target.source,
      target.where,
      missing.length > 0 ? missing : [`settings.${VERSION_KEY} = ${PG_SCHEMA_VERSION}`],
    );
  }
  return null;
}
