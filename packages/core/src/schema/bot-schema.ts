/**
 * What the bot's schema is on every engine: its tables and where it records its version (the existing
 * bot's `settings` keys). Each engine's own DDL and migrations live in `engines/<name>/`.
 */

/** The schema version every engine's sources are at (the bot's migration 6). */
export const SCHEMA_VERSION = 6;

/** The settings key holding the schema version (text), as the bot writes it. */
export const VERSION_KEY = 'db-migration-version';
/** The settings key holding the time of the last migration run. */
export const LAST_RUN_KEY = 'db-migration-last-run';

/** Tables every bot database of version 6 has; a file missing one is not a bot database. */
export const V6_TABLES: readonly string[] = [
  'settings',
  'chat_messages',
  'chat_settings',
  'chat_users',
  'chat_info',
  'chat_stats',
  'chat_user_stats',
  'media_attachments',
  'delayed_tasks',
  'user_data',
  'spam_messages',
  'ham_messages',
  'chat_topics',
  'chat_summarization_cache',
  'bayes_tokens',
  'bayes_classes',
  'cache_weather',
  'cache_geocoding',
  'cache_yandex_search',
  'cache_geocode_maps_search',
  'cache_geocode_maps_reverse',
  'cache_geocode_maps_lookup',
  'cache_storage',
];
