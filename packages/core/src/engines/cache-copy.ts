/**
 * `botdb move --cache`: the caches of a SQL source (its cache_<type> tables and cache_storage, read through
 * the engine's move reader in one snapshot) written into a cache source (Redis) with their own timestamps.
 * Storage pairs go in the source's insertion order, so same-second ties keep their order. An entry the
 * destination holds already is kept; one older than its max-age is not written.
 */
import { CACHE_TYPES } from '../types.js';
import type { CacheWriter, MoveReader, Row, TableShape } from './tools.js';

/** What the copy did, per table. */
export interface CacheCopyResult {
  table: string;
  /** Rows the source holds. */
  source: number;
  written: number;
  /** Present in the destination already, or past its max-age. */
  skipped: number;
}

const PAGE = 500;

/** A stamp as the reader gives it (a Date, or SQLite's UTC text) -> whole seconds since the epoch. */
function seconds(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(`${String(value).replace(' ', 'T')}Z`);
  return Math.floor(ms / 1000);
}

export async function copyCaches(
  reader: MoveReader,
  writer: CacheWriter,
  onTable?: (result: CacheCopyResult) => void,
): Promise<CacheCopyResult[]> {
  const tables = new Map((await reader.tables()).map((t) => [t.name, t]));
  const results: CacheCopyResult[] = [];
  const copy = async (table: TableShape, put: (row: Record<string, unknown>) => Promise<boolean>) => {
    // Insertion order where the source has it (storage ties), else the key.
    const orderBy = table.rowid ? ['rowid'] : table.primaryKey;
    const at = orderBy.map((c) =>
      table.columns.includes(c)
        ? table.columns.indexOf(c)
        : table.columns.length + orderBy.filter((o) => !table.columns.includes(o)).indexOf(c),
    );
    const result: CacheCopyResult = {
      table: table.name,
      source: await reader.count(table, {}),
      written: 0,
      skipped: 0,
    };
    let after: Row | null = null;
    for (;;) {
      const rows = await reader.page(table, {}, orderBy, after, PAGE);
      for (const row of rows) {
        const named = Object.fromEntries(table.columns.map((c, i) => [c, row[i]]));
        if (await put(named)) result.written++;
        else result.skipped++;
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1] as Row;
      after = at.map((i) => last[i]);
    }
    results.push(result);
    onTable?.(result);
  };
  for (const type of CACHE_TYPES) {
    const table = tables.get(`cache_${type}`);
    if (table === undefined) continue;
    await copy(table, (r) =>
      writer.putEntry(type, String(r.key), String(r.data), seconds(r.created_at), seconds(r.updated_at)),
    );
  }
  const storage = tables.get('cache_storage');
  if (storage !== undefined) {
    await copy(storage, (r) =>
      writer.putStorage(String(r.namespace), String(r.key), String(r.value), seconds(r.updated_at)),
    );
  }
  return results;
}
