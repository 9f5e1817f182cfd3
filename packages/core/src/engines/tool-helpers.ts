/** Small pieces the engines' botdb tools (engines/<name>/tools.ts) share. */
import { VERSION_KEY } from '../schema/bot-schema.js';
import type { BotFigureQueries } from './tools.js';

/** The bot's figures in standard SQL, for engines that quote identifiers with double quotes (SQLite, PostgreSQL). */
export const STANDARD_FIGURE_QUERIES: BotFigureQueries = {
  version: `SELECT value FROM settings WHERE key = '${VERSION_KEY}'`,
  chats: 'SELECT count(*) AS n FROM chat_info',
  messages: 'SELECT count(*) AS n FROM chat_messages',
};

/** The version text as a number, or null when it is missing or not a whole number. */
export function parseVersion(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  const n = Number(value);
  return Number.isInteger(n) ? n : null;
}

/** An identifier in double quotes (standard SQL: SQLite and PostgreSQL). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`: every wait of the tools is bounded. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A word as it can be pasted into a shell: as is when plain, else single-quoted (`?` and `&` appear in URLs). */
export function shellWord(text: string): string {
  return /^[\w@%:/.=+,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A dump's file: the name given with its extension replaced by `.sql`, so it never looks like a SQLite copy. */
export function sqlDumpFileName(fileArg: string): string {
  return fileArg.replace(/(\.[^./\\]*)?$/, '.sql');
}
