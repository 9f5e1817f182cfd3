/**
 * The statement forms SQLite and PostgreSQL share (their dialects use these; MySQL writes its own):
 * `INSERT ... ON CONFLICT (key) DO UPDATE SET col = excluded.col` and row values against `VALUES`.
 */
import type { UpsertSet, UpsertSpec } from './dialect.js';

/** The upsert as `INSERT ... ON CONFLICT (key) DO UPDATE SET ...` (or DO NOTHING). */
export function onConflictUpsert(spec: UpsertSpec): string {
  const values = spec.values ?? spec.columns.map(() => '?');
  const rows =
    spec.where === undefined ? `VALUES (${values.join(', ')})` : `SELECT ${values.join(', ')} WHERE ${spec.where}`;
  const target = `ON CONFLICT (${spec.key.join(', ')})`;
  const action =
    spec.onConflict === 'nothing'
      ? 'DO NOTHING'
      : `DO UPDATE SET ${Object.entries(spec.onConflict)
          .map(([column, set]) => `${column} = ${conflictValue(spec.table, column, set)}`)
          .join(', ')}`;
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) ${rows} ${target} ${action}`;
}

function conflictValue(table: string, column: string, set: UpsertSet): string {
  if (set === 'inserted') return `excluded.${column}`;
  if (set === 'now') return 'CURRENT_TIMESTAMP';
  return `${table}.${column} + ${set.add}`;
}

/** `(a, b) IN (VALUES (?, ?), ...)`: SQLite takes a row value against a subquery (VALUES is one). */
export function tupleInValues(columns: readonly string[], rows: number): string {
  const row = `(${columns.map(() => '?').join(', ')})`;
  return `(${columns.join(', ')}) IN (VALUES ${Array.from({ length: rows }, () => row).join(', ')})`;
}
