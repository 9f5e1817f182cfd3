/**
 * The SQLite engine's timestamp conversion: the bot stores TEXT `YYYY-MM-DD HH:MM:SS` (UTC, what
 * SQLite's CURRENT_TIMESTAMP writes); rows leave the worker with a Date in its place.
 */

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

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** A stored flag -> boolean: SQLite keeps 0/1 (text "1" from a loosely typed write also counts). */
export function toFlag(value: unknown): boolean {
  return value === 1 || value === true || value === '1';
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
