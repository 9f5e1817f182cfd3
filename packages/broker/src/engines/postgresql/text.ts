/**
 * PostgreSQL numbers its parameters (`$1`, `$2`); the statement catalog writes `?` (SQLite's form), and raw
 * SQL may use `?` or named parameters (`:name`, `@name`, `$name`) as the bot's queries do. Both are turned
 * into `$n` here, once per text: the converted texts live in a bounded cache (least recently used out), so
 * any number of distinct raw texts cannot grow the worker without limit.
 *
 * Placeholders are found outside string literals ('...', E'...'), quoted names ("..."), dollar-quoted
 * bodies ($tag$...$tag$) and comments; `::` is a cast, never a parameter. Each occurrence of a named
 * parameter gets its own `$n`, and one only tested with IS [NOT] NULL is cast to text (see `untyped`).
 */

import { closingQuote, IDENT, IDENT_START, nameEnd } from '../../sql-scan.js';
import { StatementCache } from '../../statement-cache.js';

/** A text converted for PostgreSQL: `names[k]` is the named parameter `$k+1` stands for (null: positional). */
export interface PgText {
  readonly text: string;
  readonly names: readonly string[] | null;
}

const converted = new StatementCache<PgText>();

/** A catalog text (or a raw one with positional values): `?` -> `$n`. */
export function pgText(text: string): string {
  return pgTextOf(text, false).text;
}

/** Raw SQL: positional (`?` -> `$n`, unless the text already uses `$n`) or named (`:name` -> `$n`). */
export function pgTextOf(text: string, named: boolean): PgText {
  const key = named ? `n${text}` : `p${text}`;
  let out = converted.get(key);
  if (out === undefined) {
    out = convert(text, named);
    converted.set(key, out);
  }
  return out;
}

/** Converted texts dropped from the cache since the worker started. */
export function pgTextEvictions(): number {
  return converted.evictions;
}

function convert(text: string, named: boolean): PgText {
  const names: string[] = [];
  let out = '';
  let n = 0;
  // Positional `?` only when the text does not number its parameters itself (`?` is also a jsonb operator).
  const numbered = !named && /\$\d/.test(text);
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1] ?? '';
    let end = i + 1;
    let param = false;
    if (c === "'" || c === '"') {
      end = closingQuote(text, i, c, c === "'" && /[eE]/.test(text[i - 1] ?? '') && !IDENT.test(text[i - 2] ?? ''));
    } else if (c === '-' && next === '-') {
      end = text.indexOf('\n', i);
      end = end < 0 ? text.length : end;
    } else if (c === '/' && next === '*') {
      end = text.indexOf('*/', i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (c === ':' && next === ':') {
      end = i + 2;
    } else if (c === '$' && !IDENT.test(text[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag !== null) {
        // A dollar-quoted body: everything up to the same tag.
        const close = text.indexOf(tag[0], i + tag[0].length);
        end = close < 0 ? text.length : close + tag[0].length;
      } else if (named && IDENT_START.test(next)) {
        end = nameEnd(text, i + 1);
        param = true;
      }
    } else if (named && (c === ':' || c === '@') && IDENT_START.test(next)) {
      end = nameEnd(text, i + 1);
      param = true;
    } else if (!named && !numbered && c === '?') {
      out += `$${++n}${untyped(text, i + 1)}`;
      i++;
      continue;
    }
    if (param) {
      // One `$n` per occurrence, not per name: PostgreSQL gives a parameter one type, deduced where it first
      // appears, so `:id IS NULL OR chat_id = :id` as `$1 ... $1` fails (42P08); as `$1 ... $2` each is typed alone.
      out += `$${names.push(text.slice(i + 1, end))}${untyped(text, end)}`;
    } else {
      out += text.slice(i, end);
    }
    i = end;
  }
  return { text: out, names: named ? names : null };
}

/**
 * `::text` for a parameter only tested with IS [NOT] NULL (the bot's `:chat_id IS NULL AND chat_id IS NULL`):
 * nothing there tells PostgreSQL its type (42P18), and any type answers that test the same.
 */
function untyped(text: string, after: number): string {
  return /^\s+IS\s+(NOT\s+)?NULL\b/i.test(text.slice(after, after + 24)) ? '::text' : '';
}
