/**
 * Argument checks and conversions to the bot's stored values: timestamps are `YYYY-MM-DD HH:MM:SS`
 * (UTC, what SQLite's CURRENT_TIMESTAMP writes; the engine binds that text as it needs), message ids
 * are TEXT. Rows are converted back by the engine (see the catalog's `dates` / `flags`).
 */
import { InvalidArgumentError } from '@pkg/errors';
import type { MessageId, Timestamp } from '../types.js';

const STORED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

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
