/**
 * Values arriving in a MySQL column from another engine (`botdb move`): SQLite's loose values (0/1 flags,
 * zone-less UTC timestamp text, integers as text) and PostgreSQL's exact ones (instants, booleans) made fit
 * for the column's type, or refused — never stored inexactly.
 */
import { formatTimestamp } from '../../operations/values.js';
import { utcInstant } from '../postgresql/move-values.js';

/** How a value is made fit for a destination column of a MySQL type (information_schema DATA_TYPE). */
export type Convert = (value: unknown) => unknown;

/** The marker a converter returns for a value the column cannot take. */
export const bad: unique symbol = Symbol('bad value');

/** A UTC instant as the DATETIME(0) text the schema stores: whole seconds, cut as SQLite's text is. */
function datetimeText(v: unknown): string | typeof bad {
  const instant = v instanceof Date ? v : typeof v === 'string' ? utcInstant(v) : null;
  if (instant === null || Number.isNaN(instant.getTime())) return bad;
  return formatTimestamp(instant);
}

export function converter(dataType: string, columnType: string): Convert | null {
  const type = dataType.toLowerCase();
  if (type === 'datetime' || type === 'timestamp' || type === 'date') return datetimeText;
  // BOOLEAN is TINYINT(1): a flag, stored 1/0.
  if (type === 'tinyint' && columnType.toLowerCase().startsWith('tinyint(1)')) {
    return (v) => {
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v === 0 || v === 1 || v === 0n || v === 1n) return Number(v);
      if (v === '0' || v === '1') return Number(v);
      return bad;
    };
  }
  if (type === 'bigint' || type === 'int' || type === 'smallint' || type === 'tinyint' || type === 'mediumint') {
    return (v) => {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : bad;
    };
  }
  if (type === 'double' || type === 'float' || type === 'decimal') {
    return (v) =>
      typeof v === 'number' && Number.isFinite(v)
        ? v
        : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
          ? Number(v)
          : bad;
  }
  if (type.endsWith('text') || type === 'varchar' || type === 'char') {
    return (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : bad);
  }
  return null;
}
