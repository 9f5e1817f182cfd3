/**
 * The MySQL/MariaDB side of `botdb move`, with mysql2: one connection per side (a pool of one, so every
 * statement is the same session), opened by the broker's `connectMysql` (the sessions a worker runs: UTC,
 * strict, BIGINT exact, DATETIME as its UTC text). Column lists and keys come from information_schema (never
 * hard-coded): the auto-increment `rowid` (filled by the server) is not copied, and values are converted to
 * the destination column's type (move-values.ts). The destination's tables are created by the engine's own
 * prepare hook (prepareMysql, under GET_LOCK).
 */
import { type MysqlSourceSpec, mysqlLocation, tooLongError } from '@pkg/broker';
import { connectMysql, mysqlOpenError } from '@pkg/broker/engines';
import { DatabaseError, SourceUnavailableError } from '@pkg/errors';
import type { Pool } from 'mysql2/promise';
import { VERSION_KEY } from '../../schema/bot-schema.js';
import { withTimeout } from '../tool-helpers.js';
import type { MoveReader, MoveWriter, Row, Scope, Statement, TableShape } from '../tools.js';
import { bad, type Convert, converter } from './move-values.js';
import { prepareMysql } from './prepare.js';

/** Beyond the connect timeout: a lost network must not hang the command either. */
const CALL_GRACE_MS = 10_000;
/** Rows per INSERT, and a bound on the text they carry (the server's max_allowed_packet is 16 MB by default). */
const ROWS_PER_INSERT = 500;
const CHARS_PER_INSERT = 2_000_000;

const q = (name: string) => `\`${name.replaceAll('`', '``')}\``;

function moveError(spec: MysqlSourceSpec, doing: string, error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const open = mysqlOpenError(spec, error);
  if (open !== null) return open;
  // A key longer than its MySQL column (strict mode refuses it; never cut): the column and its limit.
  const tooLong = tooLongError(`move to "${spec.name}": ${doing}`, error);
  if (tooLong !== null) {
    return new DatabaseError(
      'QUERY_FAILED',
      `${tooLong.message}. Fix: shorten that value in the source (see docs/engines.md#key-lengths), then run the same move again.`,
      { source: spec.name, column: tooLong.details?.argument, errno: 1406 },
    );
  }
  const e = error as { code?: unknown; errno?: unknown; message?: unknown } | null;
  return new DatabaseError(
    'QUERY_FAILED',
    `move: ${doing} on source "${spec.name}" failed in MySQL (${String(e?.code ?? e?.errno ?? 'error')}): ${String(e?.message ?? error)}`,
    { source: spec.name, mysqlCode: e?.code, errno: e?.errno, constraint: e?.errno === 1062 },
  );
}

interface CatalogColumn {
  table: string;
  column: string;
  dataType: string;
  columnType: string;
  extra: string;
}

interface CatalogKeyPart {
  table: string;
  name: string;
  nonUnique: number;
  column: string;
}

function whereOf(scope: Scope, params: unknown[]): string {
  const parts: string[] = [];
  if (scope.chatId === null) parts.push('chat_id IS NULL');
  else if (scope.chatId !== undefined) {
    params.push(scope.chatId);
    parts.push('chat_id = ?');
  }
  if (scope.exclude !== undefined && scope.exclude.values.length > 0) {
    params.push(...scope.exclude.values);
    parts.push(`${q(scope.exclude.column)} NOT IN (${scope.exclude.values.map(() => '?').join(', ')})`);
  }
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}

/** The database's tables: columns (with their types) and keys. */
class Catalog {
  readonly shapes: TableShape[];
  readonly types = new Map<string, Map<string, CatalogColumn>>();

  constructor(columns: CatalogColumn[], keyParts: CatalogKeyPart[]) {
    const byTable = new Map<string, CatalogColumn[]>();
    for (const c of columns) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
    this.shapes = [...byTable.entries()].map(([name, cols]) => {
      this.types.set(name, new Map(cols.map((c) => [c.column, c])));
      const keys = new Map<string, { unique: boolean; columns: string[] }>();
      for (const k of keyParts.filter((p) => p.table === name)) {
        const key = keys.get(k.name) ?? { unique: Number(k.nonUnique) === 0, columns: [] };
        key.columns.push(k.column);
        keys.set(k.name, key);
      }
      // The primary key; else the UNIQUE key that stands for a key whose columns may be NULL (never rowid's).
      const key =
        keys.get('PRIMARY') ??
        keys.get(`${name}_key`) ??
        [...keys.entries()].find(([n, k]) => k.unique && n !== 'rowid_key')?.[1];
      const identity = cols.some((c) => c.column === 'rowid' && /auto_increment/i.test(c.extra));
      return {
        name,
        columns: cols.filter((c) => !(c.column === 'rowid' && identity)).map((c) => c.column),
        primaryKey: key?.columns ?? [],
        chatScoped: cols.some((c) => c.column === 'chat_id'),
        rowid: identity,
        insertionOrdered: identity,
      };
    });
  }
}

class MysqlSide {
  private catalog: Catalog | undefined;

  constructor(
    protected readonly spec: MysqlSourceSpec,
    protected readonly pool: Pool,
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
            mysqlLocation(this.spec.url),
            `${doing} did not finish within ${bound} ms`,
            'check the server and the network, then run the same move again.',
          ),
      );
    } catch (error) {
      throw moveError(this.spec, doing, error);
    }
  }

  protected async rows<R>(doing: string, sql: string, values: unknown[] = []): Promise<R[]> {
    return this.call(doing, async () => (await this.pool.query(sql, values))[0] as R[]);
  }

  protected async loadCatalog(): Promise<Catalog> {
    if (this.catalog !== undefined) return this.catalog;
    const columns = await this.rows<CatalogColumn>(
      'reading the tables',
      `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
        EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    );
    const keys = await this.rows<CatalogKeyPart>(
      'reading the keys',
      `SELECT TABLE_NAME AS \`table\`, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS \`column\`
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    );
    this.catalog = new Catalog(columns, keys);
    return this.catalog;
  }

  async tables(): Promise<TableShape[]> {
    return (await this.loadCatalog()).shapes;
  }

  async schemaVersion(): Promise<number | null> {
    if (!(await this.tables()).some((t) => t.name === 'settings')) return null;
    const [row] = await this.rows<{ value: string | null }>(
      'reading the schema version',
      'SELECT value FROM settings WHERE `key` = ?',
      [VERSION_KEY],
    );
    const n = Number(row?.value);
    return row?.value == null || !Number.isInteger(n) ? null : n;
  }

  async count(table: TableShape, scope: Scope): Promise<number> {
    const params: unknown[] = [];
    const where = whereOf(scope, params);
    const [row] = await this.rows<{ n: number }>(
      `counting ${table.name}`,
      `SELECT COUNT(*) AS n FROM ${q(table.name)} WHERE ${where}`,
      params,
    );
    return Number(row?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
  }
}

class MysqlReader extends MysqlSide implements MoveReader {
  private inSnapshot = false;

  async beginSnapshot(): Promise<void> {
    // One REPEATABLE READ snapshot on the one session (its default is READ COMMITTED): every count and page
    // sees the same data.
    await this.call('starting a read snapshot', async () => {
      await this.pool.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await this.pool.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    });
    this.inSnapshot = true;
  }

  async chatIds(table: TableShape): Promise<(number | null)[]> {
    // ASC puts NULL first on MySQL, as the contract asks.
    const rows = await this.rows<{ chat_id: number | null }>(
      `listing the chats of ${table.name}`,
      `SELECT DISTINCT chat_id FROM ${q(table.name)} ORDER BY chat_id`,
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
      // Row-value comparison on the key: text keys are binary NO PAD, the order SQLite uses too.
      params.push(...after);
      where += ` AND (${orderBy.map(q).join(', ')}) > (${after.map(() => '?').join(', ')})`;
    }
    const selected = [...table.columns, ...orderBy.filter((k) => !table.columns.includes(k))];
    const order = orderBy.length > 0 ? ` ORDER BY ${orderBy.map(q).join(', ')}` : '';
    const bounded = Number.isSafeInteger(limit) ? ` LIMIT ${Math.max(0, limit)}` : '';
    const text = `SELECT ${selected.map(q).join(', ')} FROM ${q(table.name)} WHERE ${where}${order}${bounded}`;
    return this.call(`reading ${table.name}`, async () => {
      const [rows] = await this.pool.query({ sql: text, values: params, rowsAsArray: true });
      return rows as unknown as Row[];
    });
  }

  override async close(): Promise<void> {
    if (this.inSnapshot) await this.pool.query('COMMIT').catch(() => {});
    await super.close();
  }
}

class MysqlWriter extends MysqlSide implements MoveWriter {
  private collation: string | undefined;

  execute(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    return this.call("running the online move's statements", async () => {
      const out: Record<string, unknown>[][] = [];
      for (const { sql, params } of statements) out.push(rowsOf((await this.pool.query(sql, params))[0]));
      return out;
    });
  }

  transaction(statements: readonly Statement[]): Promise<Record<string, unknown>[][]> {
    return this.call("running the online move's transaction", async () => {
      const conn = await this.pool.getConnection();
      try {
        await conn.query('START TRANSACTION');
        const out: Record<string, unknown>[][] = [];
        for (const { sql, params } of statements) out.push(rowsOf((await conn.query(sql, params))[0]));
        await conn.query('COMMIT');
        return out;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        conn.release();
      }
    });
  }

  prepare(): Promise<unknown> {
    return this.call('creating the bot tables', () => prepareMysql(this.pool, this.spec, mysqlLocation(this.spec.url)));
  }

  /**
   * One transaction per page. Only the rows no stored row matches on the key are inserted (`<=>`: a NULL key
   * part, as the global classifier's bayes rows have, matches NULL, so a re-run adds nothing), and the count
   * is the rows the server inserted.
   */
  async insertMissing(table: TableShape, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    const catalog = await this.loadCatalog();
    const types = catalog.types.get(table.name) ?? new Map<string, CatalogColumn>();
    const converters = table.columns.map((c) => {
      const t = types.get(c);
      return t === undefined ? null : converter(t.dataType, t.columnType);
    });
    const values = rows.map((row) => this.convertRow(table, row, converters));
    const cols = table.columns.map(q);
    const match = table.primaryKey.map((k) => `s.${q(k)} <=> v.${q(k)}`).join(' AND ');
    return this.call(`writing ${table.name}`, async () => {
      this.collation ??= await this.tablesCollation();
      const conn = await this.pool.getConnection();
      try {
        // The rows' text arrives as literals in the connection's collation (the server's default, which folds
        // case): in the tables' own, the key lookups below compare as the keys do (MariaDB's subquery cache
        // otherwise takes 'a' for the 'A' it looked up before).
        await conn.query('SET collation_connection = ?', [this.collation]);
        await conn.query('START TRANSACTION');
        let inserted = 0;
        for (const chunk of chunks(values)) {
          const params: unknown[] = [];
          const selects = chunk.map((row, r) => {
            params.push(...row);
            return `SELECT ${row.map((_, i) => (r === 0 ? `? AS ${cols[i]}` : '?')).join(', ')}`;
          });
          const text = `INSERT INTO ${q(table.name)} (${cols.join(', ')})
            SELECT ${cols.map((c) => `v.${c}`).join(', ')} FROM (${selects.join(' UNION ALL ')}) AS v
            WHERE NOT EXISTS (SELECT 1 FROM ${q(table.name)} s WHERE ${match})`;
          const [result] = await conn.query(text, params);
          inserted += (result as { affectedRows: number }).affectedRows;
        }
        await conn.query('COMMIT');
        return inserted;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        conn.release();
      }
    });
  }

  /** The collation the schema gave its text (schema.ts: the server's binary NO PAD one). */
  private async tablesCollation(): Promise<string> {
    const [row] = await this.rows<{ c: string }>(
      "reading the tables' collation",
      `SELECT TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'settings'`,
    );
    return row?.c ?? 'utf8mb4_bin';
  }

  private convertRow(table: TableShape, row: Row, converters: (Convert | null)[]): unknown[] {
    return row.map((value, i) => {
      const convert = converters[i];
      if (value === null || value === undefined || convert == null) return value ?? null;
      const out = convert(value);
      if (out !== bad) return out;
      const column = table.columns[i] as string;
      const key = table.primaryKey.map((k) => `${k}=${String(row[table.columns.indexOf(k)])}`).join(', ');
      throw new DatabaseError(
        'QUERY_FAILED',
        `move to "${this.spec.name}": ${table.name} (${key}) column ${column} holds ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}, which its MySQL column cannot take exactly. Fix: correct that value in the source, then run the same move again.`,
        { source: this.spec.name, table: table.name, column },
      );
    });
  }
}

/** Rows in INSERTs of at most ROWS_PER_INSERT rows and about CHARS_PER_INSERT characters of text. */
function* chunks(values: unknown[][]): Generator<unknown[][]> {
  let chunk: unknown[][] = [];
  let chars = 0;
  for (const row of values) {
    const size = row.reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : 8), 0);
    if (chunk.length > 0 && (chunk.length >= ROWS_PER_INSERT || chars + size > CHARS_PER_INSERT)) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(row);
    chars += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** A statement's rows (a write's result header is not rows). */
function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as Record<string, unknown>[]).map((r) => ({ ...r })) : [];
}

/** A pool of one connection: a read snapshot is one session. */
function connectOne(spec: MysqlSourceSpec): Pool {
  try {
    return connectMysql({ ...spec, poolSize: 1 });
  } catch (error) {
    throw moveError(spec, 'connecting', error);
  }
}

/** The source of a move, its snapshot begun (so a source that cannot be read fails first). */
export async function openMysqlReader(spec: MysqlSourceSpec): Promise<MoveReader> {
  const reader = new MysqlReader(spec, connectOne(spec));
  try {
    await reader.beginSnapshot();
    return reader;
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/**
 * The destination of a move: the bot's v6 tables created when missing by the engine's prepare hook (the bot's
 * own open, under GET_LOCK, so a bot starting at the same time does not race the move), before the catalog is
 * read. A newer schema is left as it is: the move then reports the version mismatch.
 */
export async function openMysqlWriter(spec: MysqlSourceSpec): Promise<MoveWriter> {
  const writer = new MysqlWriter(spec, connectOne(spec));
  try {
    await writer.prepare();
    return writer;
  } catch (error) {
    await writer.close();
    throw error;
  }
}
