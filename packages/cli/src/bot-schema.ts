/**
 * What a bot database looks like, for checks on files the library does not open itself (backups,
 * copies): the table list and version key are @pkg/core's own.
 */
import { VERSION_KEY } from '@pkg/core';

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
