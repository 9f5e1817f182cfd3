/**
 * Conversions between the bot's stored values and the API's: timestamps are TEXT
 * `YYYY-MM-DD HH:MM:SS` (UTC, what SQLite's CURRENT_TIMESTAMP writes), flags are 0/1,
 * message ids are TEXT. Runs inside the worker, so the main thread receives finished rows.
 */
import { InvalidArgumentError } from '@pkg/errors';
import type { MessageId, Timestamp } from '../types.js';

const STORED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** Stored text -> Date. Text the bot may have written in another shape still parses. */
export function toDate(value: unknown): Date {
  if (typeof value !== 'string') return new Date(Number.NaN);
  const ms = storedMs(value);
  if (!Number.isNaN(ms)) return new Date(ms);
  // Stored text is UTC; Date.parse would read a space-separated time as local time.
  if (STORED.test(value)) return new Date(`${value.slice(0, 10)}T${value.slice(11)}Z`);
  return new Date(value);
}

/**
 * The usual stored shape parsed without a regex or a string copy (runs for every timestamp of every row).
 * NaN for anything else (or a field out of range, a year below 100): those take the general path, so
 * every result equals what `new Date('YYYY-MM-DDTHH:MM:SSZ')` gives.
 */
function storedMs(s: string): number {
  if (s.length !== 19) return Number.NaN;
  const sep = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) {
    return Number.NaN;
  }
  if (sep !== 32 && sep !== 84) return Number.NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) {
    return Number.NaN;
  }
  if (d > daysInMonth(y, mo)) return Number.NaN;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/** The decimal number in s[at, at + n), or -1 when a character is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Date -> stored text, to the second, UTC. */
export function formatTimestamp(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A timestamp argument -> stored text; refuses what would sort wrongly against stored values. */
export function toStoredTimestamp(value: Timestamp, operation: string, argument: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new InvalidArgumentError(operation, argument, 'is an invalid Date');
    return formatTimestamp(value);
  }
  if (typeof value === 'string') {
    if (STORED.test(value)) return value.replace('T', ' ');
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return formatTimestamp(parsed);
  }
  throw new InvalidArgumentError(
    operation,
    argument,
    `must be a Date or text "YYYY-MM-DD HH:MM:SS" (got ${JSON.stringify(value)})`,
  );
}

export function toMessageId(value: MessageId, operation: string, argument: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new InvalidArgumentError(
    operation,
    argument,
    `must be a number or a non-empty string (got ${JSON.stringify(value)})`,
  );
}

export function toMessageIdOrNull(
  value: MessageId | null | undefined,
  operation: string,
  argument: string,
): string | null {
  return value === null || value === undefined ? null : toMessageId(value, operation, argument);
}

export function requireInteger(value: unknown, operation: string, argument: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new InvalidArgumentError(operation, argument, `must be an integer (got ${JSON.stringify(value)})`);
}

export function requireNumber(value: unknown, operation: string, argument: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new InvalidArgumentError(operation, argument, `must be a finite number (got ${JSON.stringify(value)})`);
}

export function requireString(value: unknown, operation: string, argument: string): string {
  if (typeof value === 'string') return value;
  throw new InvalidArgumentError(operation, argument, `must be a string (got ${JSON.stringify(value)})`);
}

export function requireOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  operation: string,
  argument: string,
): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(
    operation,
    argument,
    `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`,
  );
}

/** Row fixers: mutate in place (rows are fresh objects from better-sqlite3). */
type Row = Record<string, unknown>;

export function fixTimestamps<R>(row: Row, ...columns: string[]): R {
  for (const c of columns) row[c] = toDateOrNull(row[c]);
  return row as R;
}

export function fixBooleans(row: Row, ...columns: string[]): void {
  for (const c of columns) row[c] = row[c] === 1 || row[c] === true || row[c] === '1';
}
