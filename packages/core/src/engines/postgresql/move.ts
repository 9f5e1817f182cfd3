/**
 * The PostgreSQL side of `botdb move`, with the `postgres` driver: one connection per side, opened by the
 * broker's `connectPostgres` (the worker's options: password-env, PGPASSWORD or ~/.pgpass, every session in
 * UTC with the source's schema as search_path, BIGINT read as exact numbers). Column lists come from the
 * server's catalog (never hard-coded): identity columns (`rowid`, filled by the server) are not copied, and
 * values are converted to the destination column's type (move-values.ts). The destination's schema and
 * tables are created by the engine's own prepare hook (preparePostgres, under its advisory lock).
 */
import { type PostgresSourceSpec, postgresLocation } from '@pkg/broker';
import { connectPostgres, isConnectionLost, pgOpenError, toPgError } from '@pkg/broker/engines';
import { DatabaseError, SourceUnavailableError } from '@pkg/errors';
import type { Sql } from 'postgres';
import { VERSION_KEY } from '../../schema/bot-schema.js';
import { quoteIdent as q, withTimeout } from '../tool-helpers.js';
import type { MoveReader, MoveWriter, Row, Scope, Statement, TableShape } from '../tools.js';
import { bad, type Convert, converter } from './move-values.js';
import { preparePostgres } from './prepare.js';

/** Beyond the server's own statement timeout: a lost network must not hang the command either. */
const CALL_GRACE_MS = 10_000;

/** SQLSTATEs and driver codes that mean the session could not be opened as configured: login, database. */
const OPEN_FAILURES = new Set(['28P01', '28000', '3D000', 'CONNECT_TIMEOUT']);

/**
 * A driver failure as the library's typed error (the broker's mapping): a login or database the server
 * refuses is SOURCE_OPEN_FAILED naming the password's origins; a server that cannot be reached
 * SOURCE_UNAVAILABLE (run the same move again); the rest as a failed call (QUERY_FAILED, QUERY_TIMEOUT...).
 */
function moveError(spec: PostgresSourceSpec, doing: string, error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (OPEN_FAILURES.has(code)) return pgOpenError(spec, error);
  if (isConnectionLost(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new SourceUnavailableError(
      spec.name,
      postgresLocation(spec.url, spec.schema),
      `${doing}: ${message}${code === '' ? '' : ` (${code})`}`,
      'check that the server is running and the URL (host, port) is right, then run the same move again.',
    );
  }
  return toPgError(spec, `move: ${doing}`, error);
}

interface CatalogColumn {
  table: string;
  column: string;
  type: string;
  generated: boolean;
}

interface CatalogKey {
  table: string;
  name: string;
  kind: 'p' | 'u';
  columns: string[];
}

function whereOf(scope: Scope, params: unknown[]): string {
  const parts: string[] = [];
  if (scope.chatId === null) parts.push('chat_id IS NULL');
  else if (scope.chatId !== undefined) {
    params.push(scope.chatId);
    parts.push(`chat_id = $${params.length}`);
  }
  if (scope.exclude !== undefined && scope.exclude.values.length > 0) {
    const marks = scope.exclude.values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    parts.push(`${q(scope.exclude.column)} NOT IN (${marks.join(', ')})`);
  }
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

/** The catalog of the connection's current schema: the tables' columns, types and keys. */
class Catalog {
  readonly shapes: TableShape[];
  readonly types = new Map<string, Map<string, string>>();
  readonly nullableKey = new Set<string>();

  constructor(columns: CatalogColumn[], keys: CatalogKey[]) {
    const byTable = new Map<string, CatalogColumn[]>();
    for (const c of columns) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
    this.shapes = [...byTable.entries()].map(([name, cols]) => {
      this.types.set(name, new Map(cols.map((c) => [c.column, c.type])));
      const own = keys.filter((k) => k.table === name);
      // The primary key; else the UNIQUE constraint that stands for a key whose columns may be NULL.
      const key =
        own.find((k) => k.kind === 'p') ?? own.find((k) => k.name === `${name}_key`) ?? own.find((k) => k.kind === 'u');
      const identity = cols.some((c) => c.column === 'rowid' && c.generated);
      if (key !== undefined && key.kind === 'u') this.nullableKey.add(name);
      return {
        name,
        columns: cols.filter((c) => !c.generated).map((c) => c.column),
        primaryKey: key?.columns ?? [],
        chatScoped: cols.some((c) => c.column === 'chat_id'),
        rowid: identity,
        insertionOrdered: identity,
      };
    });
  }
}

class PgSide {
  private catalog: Catalog | undefined;

  constructor(
    protected readonly spec: PostgresSourceSpec,
    protected readonly sql: Sql,
  ) {}

  /** Every call bounded, every failure typed. */
  protected async call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    const bound = this.spec.timeoutMs + CALL_GRACE_MS;
    try {
      return await withTimeout(
        run(),
        bound,
        () =>
          new SourceUnavailableError(
            this.spec.name,
            postgresLocation(this.spec.url, this.spec.schema),
            `${doing} did not finish within ${bound} ms`,
            'check the server and the network, then run the same move again.',
          ),
      );
    } catch (error) {
      throw moveError(this.spec, doing, error);
    }
  }

  protected async loadCatalog(): Promise<Catalog> {
    if (this.catalog !== undefined) return this.catalog;
    const columns = await this.call('reading the tables', () =>
      this.sql.unsafe<CatalogColumn[]>(`
        SELECT cl.relname AS "table", a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS type,
               (a.attidentity <> '' OR a.attgenerated <> '') AS generated
        FROM pg_class cl JOIN pg_attribute a ON a.attrelid = cl.oid
        WHERE cl.relnamespace = current_schema()::regnamespace AND cl.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY cl.relname, a.attnum`),
    );
    const keys = await this.call('reading the keys', () =>
      this.sql.unsafe<CatalogKey[]>(`
        SELECT cl.relname AS "table", con.conname AS name, con.contype AS kind,
               (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum = k.attnum) AS columns
        FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid
        WHERE cl.relnamespace = current_schema()::regnamespace AND con.contype IN ('p', 'u')
        ORDER BY cl.relname, con.contype, con.conname`),
    );
    this.catalog = new Catalog([...columns], [...keys]);
    return this.catalog;
  }

  async tables(): Promise<TableShape[]> {
    return (await this.loadCatalog()).shapes;
  }

  async schemaVersion(): Promise<number | null> {
    const shapes = await this.tables();
    if (!shapes.some((t) => t.name === 'settings')) return null;
    const rows = await this.call('reading the schema version', () =>
      this.sql.unsafe<{ value: string | null }[]>('SELECT value FROM settings WHERE key = $1', [VERSION_KEY]),
    );
    const n = Number(rows[0]?.value);
    return rows[0]?.value == null || !Number.isInteger(n) ? null : n;
  }

  async count(table: TableShape, scope: Scope): Promise<number> {
    const params: unknown[] = [];
    const where = whereOf(scope, params);
    const rows = await this.call(`counting ${table.name}`, () =>
      this.sql.unsafe<{ n: number }[]>(`SELECT count(*) AS n FROM ${q(table.name)} WHERE ${where}`, params as never[]),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 }).catch(() => {});
  }
}

class PgReader extends PgSide implements MoveReader {
  private inSnapshot = false;

  async beginSnapshot(): Promise<void> {
    // One REPEATABLE READ transaction on the one connection: every count and page sees the same data.
    await this.call('starting a read snapshot', () =>
      this.sql.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    );
    this.inSnapshot = true;
  }

  async chatIds(table: TableShape): Promise<(number | null)[]> {
    const rows = await this.call(`listing the chats of ${table.name}`, () =>
      this.sql.unsafe<{ chat_id: number | null }[]>(
        `SELECT DISTINCT chat_id FROM ${q(table.name)} ORDER BY chat_id NULLS FIRST`,
      ),
    );
    return rows.map((r) => r.chat_id);
  }

  async page(
    table: TableShape,
    scope: Scope,
    orderBy: readonly string[],
    after: Row | null,
    limit: number,
  ): Promise<Row[]> {
    const params: unknown[] = [];
    let where = whereOf(scope, params);
    if (after !== null && orderBy.length > 0) {
      // Row-value comparison on the key (text keys are COLLATE "C": the order SQLite uses too).
      const marks = after.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      where += ` AND (${orderBy.map(q).join(', ')}) > (${marks.join(', ')})`;
    }
    params.push(limit);
    const selected = [...table.columns, ...orderBy.filter((k) => !table.columns.includes(k))];
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map(q).join(', ')}` : '';
    const text = `SELECT ${selected.map(q).join(', ')} FROM ${q(table.name)} WHERE ${where}${order} LIMIT $${params.length}`;
    const rows = await this.call(`reading ${table.name}`, () => this.sql.unsafe(text, params as never[]).values());
    return rows as unknown as Row[];
  }

  override async close(): Promise<void> {
    if (this.inSnapshot) await this.sql.unsafe('COMMIT').catch(() => {});
    await super.close();
  }
}

/** Most parameters one PostgreSQL statement may carry. */
const MAX_PARAMS = 65_535;

class PgWriter extends PgSide implements MoveWriter {
  execute(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    return this.call("running the online move's statements", async () => {
      const out: Record<string, unknown>[][] = [];
      for (const { sql, params } of statements) out.push(plain(await this.sql.unsafe(sql, params as never[])));
      return out;
    });
  }
  transaction(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    return this.call("running the online move's transaction", () =>
      this.sql.begin(async (tx) => {
        const out: Record<string, unknown>[][] = [];
        for (const { sql, params } of statements) out.push(plain(await tx.unsafe(sql, params as never[])));
        return out;
      }),
    );
  }
  prepare(): Promise<unknown> {
    return this.call(`creating schema ${this.spec.schema} and the bot tables`, () =>
      preparePostgres(this.sql, this.spec),
    );
  }

  /**
   * One transaction per page: multi-row INSERT ... ON CONFLICT DO NOTHING, so a row already there is kept
   * and a re-run inserts only what is missing. A key that may hold NULL (bayes rows of the global
   * classifier) is a UNIQUE constraint on which NULLs never conflict: those tables insert only the rows no
   * row matches with IS NOT DISTINCT FROM, else every re-run would add them again.
   */
  async insertMissing(table: TableShape, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    const catalog = await this.loadCatalog();
    const types = catalog.types.get(table.name) ?? new Map<string, string>();
    const columnTypes = table.columns.map((c) => types.get(c) ?? 'text');
    const converters = columnTypes.map(converter);
    const values = rows.map((row) => this.convertRow(table, row, converters, columnTypes));
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / table.columns.length));
    const cols = table.columns.map(q).join(', ');
    const nullableKey = catalog.nullableKey.has(table.name);
    return this.call(`writing ${table.name}`, () =>
      this.sql.begin(async (tx) => {
        let inserted = 0;
        for (let start = 0; start < values.length; start += perStatement) {
          const chunk = values.slice(start, start + perStatement);
          const params: unknown[] = [];
          // Each parameter cast to its column's type: the driver then serialises Dates and booleans exactly.
          const tuples = chunk.map(
            (row) =>
              `(${row
                .map((v, i) => {
                  params.push(v);
                  return `$${params.length}::${columnTypes[i]}`;
                })
                .join(', ')})`,
          );
          let text: string;
          if (nullableKey) {
            const match = table.primaryKey.map((k) => `t.${q(k)} IS NOT DISTINCT FROM v.${q(k)}`).join(' AND ');
            text = `INSERT INTO ${q(table.name)} (${cols}) SELECT * FROM (VALUES ${tuples.join(', ')}) AS v (${cols})
              WHERE NOT EXISTS (SELECT 1 FROM ${q(table.name)} t WHERE ${match}) ON CONFLICT DO NOTHING`;
          } else {
            text = `INSERT INTO ${q(table.name)} (${cols}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`;
          }
          const result = await tx.unsafe(text, params as never[]);
          inserted += result.count;
        }
        return inserted;
      }),
    );
  }

  private convertRow(table: TableShape, row: Row, converters: (Convert | null)[], types: string[]): unknown[] {
    return row.map((value, i) => {
      const convert = converters[i];
      if (value === null || value === undefined || convert == null) return value ?? null;
      const out = convert(value);
      if (out !== bad) return out;
      const column = table.columns[i] as string;
      const key = table.primaryKey.map((k) => `${k}=${String(row[table.columns.indexOf(k)])}`).join(', ');
      throw new DatabaseError(
        'QUERY_FAILED',
        `move to "${this.spec.name}": ${table.name} (${key}) column ${column} holds ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}, which its PostgreSQL type ${types[i]} cannot take exactly. Fix: correct that value in the source, then run the same move again.`,
        { source: this.spec.name, table: table.name, column },
      );
    });
  }
}

function plain(rows: readonly object[]): Record<string, unknown>[] {
  return rows.map((r) => ({ ...r }) as Record<string, unknown>);
}

/** One connection per side: a read snapshot is one session, and the page order is the writes' order. */
async function connectOne(spec: PostgresSourceSpec): Promise<Sql> {
  try {
    // The custom int8 type narrows the client's type parameter; the catalog-driven code here needs none of it.
    return (await connectPostgres({ ...spec, poolSize: 1 })) as unknown as Sql;
  } catch (error) {
    throw moveError(spec, 'connecting', error);
  }
}

/** The source of a move, its REPEATABLE READ snapshot begun (so a source that cannot be read fails first). */
export async function openPostgresReader(spec: PostgresSourceSpec): Promise<MoveReader> {
  const reader = new PgReader(spec, await connectOne(spec));
  try {
    await reader.beginSnapshot();
    return reader;
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/**
 * The destination of a move: its schema created when missing and the bot's v6 tables in it by the engine's
 * prepare hook (the bot's own open: under the migration's advisory lock, so a bot starting at the same time
 * does not race the move), before the catalog is read. A newer schema is left as it is: the move then reports
 * the version mismatch.
 */
export async function openPostgresWriter(spec: PostgresSourceSpec): Promise<MoveWriter> {
  const sql = await connectOne(spec);
  const writer = new PgWriter(spec, sql);
  try {
    await writer.prepare();
    return writer;
  } catch (error) {
    await writer.close();
    throw error;
  }
}
