/**
 * How the operations name their statements. Each domain file keeps its statements as named constants
 * (its part of the catalog): one text for every engine wherever one runs on all, and a text per engine,
 * built through the engines' dialects (`perEngine`), where none does. A catalog entry carries how its rows
 * convert (`dates`, `flags`), so the row conversion is written once, with the statement, and done by the
 * engine.
 */
import {
  DIALECTS,
  type Dialect,
  type Plan,
  type Query,
  SQL_ENGINE_NAMES,
  type SqlEngineName,
  type StatementText,
} from '@pkg/broker/operation';

export interface CatalogStatement {
  readonly text: StatementText;
  /** Timestamp columns: a Date (or null) in every row. */
  readonly dates?: readonly string[];
  /** Flag columns: a boolean in every row. */
  readonly flags?: readonly string[];
}

/**
 * A statement whose text differs per engine: `build` writes it with one engine's dialect, once per engine
 * of the registry (DIALECTS holds one for every engine name, so a new engine gets its text or fails to build).
 */
export function perEngine(build: (d: Dialect) => string): Readonly<Record<SqlEngineName, string>> {
  const texts: Partial<Record<SqlEngineName, string>> = {};
  for (const name of SQL_ENGINE_NAMES) texts[name] = build(DIALECTS[name]);
  return texts as Record<SqlEngineName, string>;
}

/** The columns every table of the bot stamps. */
export const STAMPS = ['created_at', 'updated_at'] as const;

export function getRow(s: CatalogStatement, params: unknown[]): Query {
  return { text: s.text, params, mode: 'get', dates: s.dates, flags: s.flags };
}

export function allRows(s: CatalogStatement, params: unknown[]): Query {
  return { text: s.text, params, mode: 'all', dates: s.dates, flags: s.flags };
}

export function runText(text: StatementText, params: unknown[]): Query {
  return { text, params, mode: 'run' };
}

/** A write of one statement; answers true whether or not a row matched (the bot's answer). */
export function* writeOne(text: StatementText, params: unknown[]): Plan<true> {
  yield runText(text, params);
  return true;
}

/** The first row, or null. */
export function* readOne<R>(s: CatalogStatement, params: unknown[]): Plan<R | null> {
  const row = yield getRow(s, params);
  return row === undefined ? null : (row as R);
}

/** Every row. */
export function* readAll<R>(s: CatalogStatement, params: unknown[]): Plan<R[]> {
  return (yield allRows(s, params)) as R[];
}
