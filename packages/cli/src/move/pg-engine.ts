/**
 * The PostgreSQL side of `botdb move` (issue #10), with the `postgres` driver: one connection per side,
 * every session in UTC with the source's schema as search_path, BIGINT read as exact numbers. Column
 * lists come from the server's catalog (never hard-coded): identity columns (`rowid`, filled by the server)
 * are not copied, and values are converted to the destination column's type, so that SQLite's loose
 * values (0/1 flags, zone-less UTC timestamp text) arrive as booleans and exact instants.
 */
import {
  DatabaseError,
  migratePostgresV6,
  PG_INT8_EXACT,
  postgresLocation,
  SourceOpenError,
  SourceUnavailableError,
  VERSION_KEY,
} from '@pkg/core';
import postgres, { type Sql } from 'postgres';
import { withTimeout } from '../problems.js';
import type { MoveReader, MoveWriter, Row, Scope, TableShape } from './engine.js';

/** A PostgreSQL source as `botdb move` needs it (the shape of the broker's PostgresSourceSpec). */
export interface PgTarget {
  /** The source's name in the configuration, for messages. */
  name: string;
  /** Connection URL; a password in it is used but never printed. */
  url: string;
  /** Environment variable holding the password; null: the driver's own PGPASSWORD. */
  passwordEnv: string | null;
  /** The schema holding the bot's tables (created by the move when missing). */
  schema: string;
  /** Connect timeout and statement timeout. */
  timeoutMs: number;
  readonly: boolean;
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Beyond the server's own statement timeout: a lost network must not hang the command either. */
const CALL_GRACE_MS = 10_000;

/** Connection failures the driver reports with a Node error code: the server cannot be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'EHOSTUNREACH',
]);

/** A driver failure as a typed error naming the source, what was being done and the fix. */
function pgError(target: PgTarget, doing: string, error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = error as { code?: string; message?: string };
  const where = postgresLocation(target.url, target.schema);
  const reason = `${doing}: ${e.message ?? String(error)}${e.code === undefined ? '' : ` (${e.code})`}`;
  if (e.code !== undefined && UNREACHABLE.has(e.code)) {
    return new SourceUnavailableError(
      target.name,
      where,
      reason,
      'check that the server is running and the URL (host, port) is right, then run the same move again.',
    );
  }
  // 28P01 / 28000: authentication refused; 3D000: no such database.
  if (e.code === '28P01' || e.code === '28000' || e.code === '3D000') {
    return new SourceOpenError(
      target.name,
      where,
      reason,
      target.passwordEnv === null
        ? 'check the user and database in the URL, and the password (PGPASSWORD or ~/.pgpass).'
        : `check the user and database in the URL, and the password in ${target.passwordEnv}.`,
    );
  }
  return new DatabaseError(
    'QUERY_FAILED',
    `move on source "${target.name}" (${where}) failed in PostgreSQL: ${reason}`,
    {
      source: target.name,
      sqlState: e.code ?? null,
    },
  );
}

/** One connection (so a read snapshot is one session), refusing BIGINTs a number cannot hold exactly. */
function connect(target: PgTarget): Sql {
  let password: string | undefined;
  if (target.passwordEnv !== null) {
    password = process.env[target.passwordEnv];
    if (password === undefined || password === '') {
      throw new SourceOpenError(
        target.name,
        postgresLocation(target.url, target.schema),
        `the environment variable ${target.passwordEnv} (password-env) is not set`,
        `export ${target.passwordEnv}=<password> before running botdb, or remove password-env to use PGPASSWORD / ~/.pgpass.`,
      );
    }
  }
  const sql = postgres(target.url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: Math.max(1, Math.ceil(target.timeoutMs / 1000)),
    idle_timeout: 0,
    // Reads and writes use the catalog's types; no prepared statements to outlive a schema change.
    prepare: false,
    ...(password === undefined ? {} : { password }),
    types: { bigint: PG_INT8_EXACT },
    connection: {
      // Instants are bound as Date and read as Date; UTC keeps any text the server renders unambiguous.
      TimeZone: 'UTC',
      search_path: q(target.schema),
      statement_timeout: target.timeoutMs,
      application_name: 'botdb move',
    },
  });
  // The custom int8 type narrows the client's type parameter; the catalog-driven code here needs none of it.
  return sql as unknown as Sql;
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

/** How a value is made fit for a destination column of a PostgreSQL type. */
type Convert = (value: unknown) => unknown;

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
const bad: unique symbol = Symbol('bad value');

function converter(type: string): Convert | null {
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
  protected readonly sql: Sql;
  private catalog: Catalog | undefined;

  constructor(protected readonly target: PgTarget) {
    this.sql = connect(target);
  }

  /** Every call bounded, every failure typed. */
  protected async call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    const bound = this.target.timeoutMs + CALL_GRACE_MS;
    try {
      return await withTimeout(
        run(),
        bound,
        () =>
          new SourceUnavailableError(
            this.target.name,
            postgresLocation(this.target.url, this.target.schema),
            `${doing} did not finish within ${bound} ms`,
            'check the server and the network, then run the same move again.',
          ),
      );
    } catch (error) {
      throw pgError(this.target, doing, error);
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

export class PgReader extends PgSide implements MoveReader {
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

export class PgWriter extends PgSide implements MoveWriter {
  /**
   * Creates the schema when missing and the bot's v6 tables in it (under the migration's advisory lock,
   * so a bot starting at the same time does not race the move), before the catalog is read.
   */
  async prepare(): Promise<void> {
    await this.call(`creating schema ${this.target.schema}`, () =>
      this.sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${q(this.target.schema)}`),
    ).catch((error: unknown) => {
      // Two processes creating it at once: the loser sees a duplicate; the schema exists either way.
      if ((error as DatabaseError).details?.sqlState !== '23505') throw error;
    });
    await this.call('creating the bot tables', () =>
      migratePostgresV6(this.sql, {
        source: this.target.name,
        where: postgresLocation(this.target.url, this.target.schema),
      }),
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
        `move to "${this.target.name}": ${table.name} (${key}) column ${column} holds ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}, which its PostgreSQL type ${types[i]} cannot take exactly. Fix: correct that value in the source, then run the same move again.`,
        { source: this.target.name, table: table.name, column },
      );
    });
  }
}
