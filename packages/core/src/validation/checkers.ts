/**
 * One checker per argument kind. A checker returns the value to send to the worker (normalised:
 * -0 becomes 0, message ids become text, timestamps become the stored text) or throws
 * InvalidArgumentError naming the method, the argument, what it expects and what it got.
 * They run on the main thread for every call, so they stay allocation-free on the happy path.
 */
import { InvalidArgumentError } from '@pkg/errors';
import { CACHE_TYPES, MEDIA_STATUSES, MESSAGE_CATEGORIES, MESSAGE_TYPES, SPAM_REASONS } from '../types.js';
import { closest } from './closest.js';

/** The largest `limit` any method accepts: bigger reads are one query that holds every row in memory. */
export const MAX_LIMIT = 100_000;

export type Check = (value: unknown, op: string, arg: string) => unknown;

/** An argument kind: what it expects, in words (for errors and docs), and its checker. */
export interface Kind {
  readonly expects: string;
  readonly check: Check;
}

/** A short, bounded description of a value for error messages (never the whole 1 MB string). */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 40
        ? `a ${value.length}-character string ${JSON.stringify(value.slice(0, 40))}…`
        : JSON.stringify(value);
    case 'bigint':
      return `the bigint ${value}n`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array of ${value.length}`;
      if (value instanceof Date)
        return Number.isNaN(value.getTime()) ? 'an invalid Date' : `a Date (${value.toISOString()})`;
      if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
      return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  }
}

function refuse(op: string, arg: string, expects: string, value: unknown, hint = ''): never {
  throw new InvalidArgumentError(op, arg, `must be ${expects} (got ${describe(value)})${hint}`);
}

// ---- numbers ------------------------------------------------------------------------------

const SAFE = 'a safe integer (a whole number within ±(2**53 − 1))';

function integerHint(value: unknown): string {
  if (typeof value === 'bigint') return '. Fix: pass Number(value) when it is within that range.';
  if (typeof value === 'string') return '. Fix: pass a number, e.g. Number(value).';
  if (typeof value === 'number' && Number.isInteger(value))
    return '. Fix: a number this large has already lost digits; ids beyond 2**53 − 1 cannot be represented.';
  return '';
}

export const SAFE_INTEGER: Kind = {
  expects: SAFE,
  check(value, op, arg) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    return refuse(op, arg, SAFE, value, integerHint(value));
  },
};

const NON_NEGATIVE = 'a non-negative safe integer';
export const NON_NEGATIVE_INTEGER: Kind = {
  expects: NON_NEGATIVE,
  check(value, op, arg) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value === 0 ? 0 : value;
    return refuse(op, arg, NON_NEGATIVE, value, integerHint(value));
  },
};

const LIMIT = `a whole number from 1 to ${MAX_LIMIT}`;
export const LIMIT_KIND: Kind = {
  expects: LIMIT,
  check(value, op, arg) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_LIMIT) return value;
    const hint =
      typeof value === 'number' && value > MAX_LIMIT
        ? `. Fix: read in pages of at most ${MAX_LIMIT} rows (e.g. by date bounds).`
        : typeof value === 'number' && value < 1
          ? '. Fix: leave limit out for the default; there is no "every row" value.'
          : '';
    return refuse(op, arg, LIMIT, value, hint);
  },
};

const FINITE = 'a finite number';
export const FINITE_NUMBER: Kind = {
  expects: FINITE,
  check(value, op, arg) {
    if (typeof value === 'number' && Number.isFinite(value)) return value === 0 ? 0 : value;
    return refuse(op, arg, FINITE, value);
  },
};

// ---- booleans and texts -------------------------------------------------------------------

export const BOOLEAN: Kind = {
  expects: 'a boolean (true or false)',
  check(value, op, arg) {
    if (typeof value === 'boolean') return value;
    return refuse(
      op,
      arg,
      'a boolean (true or false)',
      value,
      typeof value === 'string' ? ': the text "false" is not false' : '',
    );
  },
};

/** String.prototype.isWellFormed (Node 20+; the TypeScript lib we target predates it). */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const TEXT = 'a string of well-formed Unicode';
/** Lone surrogates cannot be stored as UTF-8: SQLite would read back U+FFFD instead. */
function checkText(value: unknown, op: string, arg: string, expects: string): string {
  if (typeof value === 'string') {
    if (isWellFormed(value)) return value;
    throw new InvalidArgumentError(
      op,
      arg,
      `must be ${expects}: it contains a lone surrogate (half of a UTF-16 pair), which UTF-8 storage would replace with U+FFFD. Fix: value.toWellFormed(), or fix the text's source.`,
    );
  }
  return refuse(op, arg, expects, value, typeof value === 'number' ? '. Fix: pass String(value).' : '');
}

export const TEXT_KIND: Kind = { expects: TEXT, check: (value, op, arg) => checkText(value, op, arg, TEXT) };

const SETTING_VALUE = 'a string, a finite number or a boolean';
export const SETTING_VALUE_KIND: Kind = {
  expects: SETTING_VALUE,
  check(value, op, arg) {
    if (typeof value === 'string') return checkText(value, op, arg, SETTING_VALUE);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value === 0 ? 0 : value;
    return refuse(op, arg, SETTING_VALUE, value);
  },
};

const ANY = 'any value a worker can receive (not a function or a symbol)';
export const ANY_VALUE: Kind = {
  expects: ANY,
  check(value, op, arg) {
    if (typeof value === 'function' || typeof value === 'symbol') return refuse(op, arg, ANY, value);
    return value;
  },
};

// ---- message ids --------------------------------------------------------------------------

const MESSAGE_ID = 'a message id: a non-empty string, a safe integer or a bigint';
export const MESSAGE_ID_KIND: Kind = {
  expects: MESSAGE_ID,
  check(value, op, arg) {
    // Stored as TEXT: the text is what the worker receives.
    if (typeof value === 'string' && value !== '') return checkText(value, op, arg, MESSAGE_ID);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
    if (typeof value === 'bigint') return value.toString();
    const hint =
      typeof value === 'number' && Number.isInteger(value)
        ? '. Fix: a number beyond 2**53 − 1 has already lost digits; pass the id as a string or a bigint.'
        : '';
    return refuse(op, arg, MESSAGE_ID, value, hint);
  },
};

// ---- timestamps ---------------------------------------------------------------------------

const TIMESTAMP =
  'a valid Date, or text "YYYY-MM-DD HH:MM:SS" (UTC; also "YYYY-MM-DD", a "T" separator, fractions of a second and a "Z" or "+HH:MM" offset), years 1 to 9999';
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number) => String(n).padStart(4, '0');

function daysIn(year: number, month: number): number {
  return month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31;
}

/** Date -> stored text; the year is padded to 4 digits so text order stays time order. */
function stored(d: Date): string | undefined {
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  return `${pad4(year)}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Digits value.slice(at, at + n) as a number, or -1. Hand-rolled: a regex costs ~5x on the hot path. */
function digits(value: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or with "T", then optionally ".fraction" (dropped: stored
 * to the second) and "Z" or "+HH:MM" / "+HHMM" (converted to UTC) -> stored text, or undefined.
 */
function parseText(value: string): string | undefined {
  const len = value.length;
  if (len !== 10 && len < 19) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (value[4] !== '-' || value[7] !== '-' || year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysIn(year, month)) return undefined;
  if (len === 10) return `${value} 00:00:00`;
  const sep = value[10];
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if ((sep !== ' ' && sep !== 'T') || value[13] !== ':' || value[16] !== ':') return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const text = sep === ' ' ? value.slice(0, 19) : `${value.slice(0, 10)} ${value.slice(11, 19)}`;
  let i = 19;
  if (value[i] === '.') {
    i++;
    const from = i;
    while (i < len && value.charCodeAt(i) >= 48 && value.charCodeAt(i) <= 57) i++;
    if (i === from) return undefined;
  }
  if (i === len) return text;
  if (value[i] === 'Z') return i + 1 === len ? text : undefined;
  const sign = value[i] === '+' ? 1 : value[i] === '-' ? -1 : 0;
  const rest = len - i - 1;
  if (sign === 0 || (rest !== 5 && rest !== 4) || (rest === 5 && value[i + 3] !== ':')) return undefined;
  const offH = digits(value, i + 1, 2);
  const offM = digits(value, rest === 5 ? i + 4 : i + 3, 2);
  if (offH < 0 || offH > 23 || offM < 0 || offM > 59) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute - sign * (offH * 60 + offM), second, 0);
  return stored(d);
}

export const TIMESTAMP_KIND: Kind = {
  expects: TIMESTAMP,
  check(value, op, arg) {
    let text: string | undefined;
    if (value instanceof Date) text = Number.isNaN(value.getTime()) ? undefined : stored(value);
    else if (typeof value === 'string') text = parseText(value);
    else return refuse(op, arg, TIMESTAMP, value);
    if (text === undefined) {
      throw new InvalidArgumentError(
        op,
        arg,
        `must be ${TIMESTAMP} (got ${value instanceof Date ? (Number.isNaN(value.getTime()) ? 'an invalid Date' : `a Date in year ${value.getUTCFullYear()}`) : describe(value)}): not a real date and time in that range`,
      );
    }
    return text;
  },
};

// ---- enumerations -------------------------------------------------------------------------

function oneOf(values: readonly string[]): Kind {
  const set = new Set(values);
  const expects = `one of ${values.map((v) => `"${v}"`).join(', ')}`;
  return {
    expects,
    check(value, op, arg) {
      if (typeof value === 'string' && set.has(value)) return value;
      const near = typeof value === 'string' ? closest(value, values) : undefined;
      return refuse(op, arg, expects, value, near === undefined ? '' : `. Did you mean "${near}"?`);
    },
  };
}

function listOf(values: readonly string[], what: string): Kind {
  const item = oneOf(values);
  const expects = `a list (array) of ${what}, each ${item.expects}; [] means all`;
  return {
    expects,
    check(value, op, arg) {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) item.check(value[i], op, `${arg}[${i}]`);
        return value;
      }
      const hint = typeof value === 'string' ? `. Fix: wrap it in a list: [${JSON.stringify(value)}].` : '';
      return refuse(op, arg, expects, value, hint);
    },
  };
}

export const MESSAGE_TYPE = oneOf(MESSAGE_TYPES);
export const MESSAGE_CATEGORY = oneOf(MESSAGE_CATEGORIES);
export const MESSAGE_CATEGORY_LIST = listOf(MESSAGE_CATEGORIES, 'message categories');
export const MEDIA_STATUS = oneOf(MEDIA_STATUSES);
export const SPAM_REASON = oneOf(SPAM_REASONS);
export const CACHE_TYPE = oneOf(CACHE_TYPES);
