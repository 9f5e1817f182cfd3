/**
 * What a bot database looks like, for checks on files the library does not open itself (backups,
 * copies). @pkg/core keeps the same list in its v6 schema but does not export it; the CLI test
 * checks this list against a file @pkg/core creates, so the two cannot drift apart unnoticed.
 */
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

/** The settings key the bot keeps its schema version under (text). */
export const VERSION_KEY = 'db-migration-version';

export const SQL = {
  version: `SELECT value FROM settings WHERE key = '${VERSION_KEY}'`,
  chats: 'SELECT count(*) AS n FROM chat_info',
  messages: 'SELECT count(*) AS n FROM chat_messages',
} as const;

/** The version text as a number, or null when it is missing or not a whole number. */
export function parseVersion(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}
