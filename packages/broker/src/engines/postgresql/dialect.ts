/**
 * PostgreSQL's statement dialect (see dialect.ts): the same `ON CONFLICT` upserts as SQLite, parameters
 * numbered `$n`, timestamps bound as instants, booleans as booleans, and no NUL byte in text.
 */
import type { BoundSql, Dialect } from '../../dialect.js';
import { onConflictUpsert, tupleInValues } from '../../on-conflict.js';
import { namedValues, refuseNul, valuesByName } from '../../raw-sql-params.js';
import { toDate } from '../../stored-timestamp.js';
import { pgText, pgTextOf } from './text.js';

/** Booleans as booleans (BOOLEAN columns such as bayes_classes.is_spam); `?` and named parameters -> `$n`. */
function bindRaw(what: string, text: string, params: readonly unknown[]): BoundSql {
  refuseNul(what, 'sql', text);
  const named = namedValues(params);
  const converted = pgTextOf(text, named !== null);
  if (named === null) {
    params.forEach((v, i) => {
      refuseNul(what, `params[${i}]`, v);
    });
    return { text: converted.text, values: params as unknown[] };
  }
  const values = valuesByName(what, named, converted.names as readonly string[], (argument, value) =>
    refuseNul(what, argument, value),
  );
  return { text: converted.text, values };
}

export const postgresDialect: Dialect = {
  upsert: onConflictUpsert,
  identifier: (name) => name,
  // Cut to the second, as SQLite's datetime() does (stored timestamps have no fraction either).
  secondsAgo: (seconds) => `date_trunc('second', CURRENT_TIMESTAMP - make_interval(secs => ${seconds}))`,
  charLength: (expression) => `length(${expression})`,
  tupleIn: tupleInValues,
  catalogText: pgText,
  flag: (value) => value,
  // Stored UTC text -> an instant, by the parser the SQLite engine reads rows with.
  timestamp: toDate,
  // The TEXT column takes text only: for integers and booleans the text SQLite stores; other numbers in
  // JavaScript's shortest exact form (SQLite's own REAL text may differ in the last digits).
  textValue: (value) => (typeof value === 'boolean' ? (value ? '1' : '0') : String(value)),
  bindRaw,
};
