/**
 * SQLite's statement dialect (see dialect.ts). Its texts are the ones the bot's own SQLite file has always
 * run: `ON CONFLICT ... DO UPDATE` (SQLite >= 3.24), `excluded.col`, timestamps as UTC text.
 */
import type { BoundSql, Dialect } from '../../dialect.js';
import { onConflictUpsert, tupleInValues } from '../../on-conflict.js';
import { isNamed } from '../../raw-sql-params.js';

/** SQLite stores booleans as 1/0 (what the bot's Python driver sends). */
function flag(value: boolean): number {
  return value ? 1 : 0;
}

function bindValue(v: unknown): unknown {
  if (typeof v === 'boolean') return flag(v);
  if (!isNamed(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = typeof x === 'boolean' ? flag(x) : x;
  return out;
}

export const sqliteDialect: Dialect = {
  upsert: onConflictUpsert,
  identifier: (name) => name,
  // datetime() gives text to the second, as stored; a fractional ttl is taken as written ('-1.5 seconds').
  secondsAgo: (seconds) => `datetime('now', '-' || ${seconds} || ' seconds')`,
  charLength: (expression) => `length(${expression})`,
  tupleIn: tupleInValues,
  catalogText: (text) => text,
  flag,
  // SQLite compares the stored timestamps as text: bind the text itself.
  timestamp: (stored) => stored,
  // Bound as INTEGER or REAL, SQLite stores its own text form in the TEXT column (what the bot gets).
  textValue: (value) => {
    if (typeof value === 'boolean') return value ? 1n : 0n;
    return Number.isSafeInteger(value) ? BigInt(value) : value;
  },
  // better-sqlite3 binds `?` and named parameters itself; booleans become 1/0.
  bindRaw: (_what, text, params): BoundSql => ({ text, values: params.map(bindValue) }),
};
