/**
 * Values arriving in a PostgreSQL column from another engine (`botdb move`): SQLite's loose values (0/1
 * flags, zone-less UTC timestamp text, integers as text) made exact for the column's type, or refused.
 */

/** How a value is made fit for a destination column of a PostgreSQL type. */
export type Convert = (value: unknown) => unknown;

/**
 * `YYYY-MM-DD HH:MM:SS[.fff]` (or with `T`), optionally with `Z` or an offset: the bot writes UTC without a
 * zone. Read by hand as UTC: `new Date(text)` (and the driver) would read a zone-less text in the process's zone.
 */
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function utcInstant(text: string): Date | null {
  const m = TIMESTAMP_TEXT.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const ms = frac === '' ? 0 : Math.floor(Number(frac) * 1000);
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC rolls 2025-02-30 over to March: refuse it instead (checked before any offset moves the day).
  if (
    Number.isNaN(t) ||
    new Date(t).getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return null;
  }
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  return new Date(t - offsetMinutes * 60_000);
}

/** The marker a converter returns for a value the column cannot take. */
export const bad: unique symbol = Symbol('bad value');

export function converter(type: string): Convert | null {
  if (type.startsWith('timestamp') || type === 'date') {
    return (v) => (typeof v === 'string' ? (utcInstant(v) ?? bad) : v instanceof Date ? v : bad);
  }
  if (type === 'boolean') {
    return (v) => {
      if (typeof v === 'boolean') return v;
      if (v === 0 || v === 1 || v === 0n || v === 1n) return Number(v) === 1;
      if (v === '0' || v === '1') return v === '1';
      return bad;
    };
  }
  if (type === 'bigint' || type === 'integer' || type === 'smallint') {
    return (v) => {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
      return typeof n === 'number' && Number.isSafeInteger(n) ? n : bad;
    };
  }
  if (type === 'double precision' || type === 'real' || type.startsWith('numeric')) {
    return (v) =>
      typeof v === 'number'
        ? v
        : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
          ? Number(v)
          : bad;
  }
  if (type.startsWith('text') || type.startsWith('character')) {
    return (v) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : bad);
  }
  return null;
}
