/**
 * The existing bot's migrations 1-6, step for step, as DDL. Built from the version-6 statements
 * (SCHEMA_V6) so the text SQLite keeps in `sqlite_master` is the bot's, byte for byte: a file
 * migrated here has the same schema as one the bot created or migrated.
 *
 * What each bot version did (NotA-Company/gromozeka, migrations 001-006):
 * 1 every base table, index and cache table (`CREATE ... IF NOT EXISTS`: files from before the
 *   migration system already have them); 2 chat_users.is_spammer; 3 chat_users.metadata;
 * 4 cache_storage and its index; 5 and 6 the cache tables of cache types added since (no-ops on
 *   a file whose step 1 created them all).
 */
import { SCHEMA_V6 } from './schema-v6.js';

const IS_SPAMMER = 'is_spammer BOOLEAN DEFAULT FALSE NOT NULL';
const METADATA = "metadata TEXT DEFAULT '' NOT NULL";

/** SQLite drops `IF NOT EXISTS` from the text it stores, so the stored schema is unchanged. */
function ifNotExists(sql: string): string {
  return sql.replace(/^CREATE (TABLE|INDEX) /, 'CREATE $1 IF NOT EXISTS ');
}

function named(name: string): string {
  const sql = SCHEMA_V6.find((s) => s.startsWith(`CREATE TABLE ${name} (`) || s.startsWith(`CREATE INDEX ${name}`));
  if (sql === undefined) throw new Error(`schema-v6 has no statement for ${name}`);
  return sql;
}

const CACHE_TABLES = SCHEMA_V6.filter((s) => s.startsWith('CREATE TABLE cache_') && !s.includes('cache_storage'));
const CACHE_STORAGE = [named('cache_storage'), named('idx_cache_namespace')];

/** chat_users as step 1 created it: the version-6 text without the two columns added later. */
const CHAT_USERS_V1 = named('chat_users').replace(`, ${IS_SPAMMER}, ${METADATA}`, '');

/** Step 1: every version-6 statement except what steps 2-4 add, in the bot's order. */
const STEP_1 = SCHEMA_V6.filter((s) => !CACHE_STORAGE.includes(s)).map((s) =>
  s === named('chat_users') ? CHAT_USERS_V1 : s,
);

export const BOT_STEPS: ReadonlyArray<{ version: number; description: string; statements: readonly string[] }> = [
  { version: 1, description: 'initial schema', statements: STEP_1.map(ifNotExists) },
  { version: 2, description: 'chat_users.is_spammer', statements: [`ALTER TABLE chat_users ADD COLUMN ${IS_SPAMMER}`] },
  { version: 3, description: 'chat_users.metadata', statements: [`ALTER TABLE chat_users ADD COLUMN ${METADATA}`] },
  { version: 4, description: 'cache_storage table', statements: CACHE_STORAGE.map(ifNotExists) },
  { version: 5, description: 'yandex_search cache', statements: CACHE_TABLES.map(ifNotExists) },
  { version: 6, description: 'geocode_maps caches', statements: CACHE_TABLES.map(ifNotExists) },
];
