/**
 * Raw SQL for MySQL/MariaDB: mysql2 binds `?` itself; named parameters (`:name`, `@name`, `$name`, as the bot's
 * queries write them) become `?` here, in order, each occurrence its own. Placeholders are found outside
 * string literals ('...', "...", with MySQL's backslash escapes), quoted names (`...`) and comments (`-- `,
 * `#`, `/* *\/`). `:=` is an assignment, `@@name` a system variable, never parameters. The converted texts
 * live in a bounded cache (least recently used out), as PostgreSQL's do.
 */

import { closingQuote, IDENT, IDENT_START, nameEnd } from '../../sql-scan.js';
import { StatementCache } from '../../statement-cache.js';

/** A text converted for mysql2: `names[k]` is the named parameter the k-th `?` stands for (null: positional). */
export interface MysqlText {
  readonly text: string;
  readonly names: readonly string[] | null;
}

const converted = new StatementCache<MysqlText>();

/** Named parameters -> `?` (positional texts are returned as they are). */
export function mysqlTextOf(text: string, named: boolean): MysqlText {
  if (!named) return { text, names: null };
  let out = converted.get(text);
  if (out === undefined) {
    out = convert(text);
    converted.set(text, out);
  }
  return out;
}

function convert(text: string): MysqlText {
  const names: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1] ?? '';
    let end = i + 1;
    let param = false;
    if (c === "'" || c === '"' || c === '`') {
      end = closingQuote(text, i, c, c !== '`');
    } else if ((c === '-' && next === '-' && /\s/.test(text[i + 2] ?? ' ')) || c === '#') {
      end = text.indexOf('\n', i);
      end = end < 0 ? text.length : end;
    } else if (c === '/' && next === '*') {
      end = text.indexOf('*/', i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (c === '@' && next === '@') {
      end = nameEnd(text, i + 2);
    } else if ((c === ':' || c === '@' || c === '$') && IDENT_START.test(next) && !IDENT.test(text[i - 1] ?? '')) {
      end = nameEnd(text, i + 1);
      param = true;
    }
    if (param) {
      names.push(text.slice(i + 1, end));
      out += '?';
    } else {
      out += text.slice(i, end);
    }
    i = end;
  }
  return { text: out, names };
}
