/**
 * "The same on every engine": a test file calls `describeEngines` and its body runs once per engine,
 * against a source of that engine — a SQLite file in a temp folder, a schema of its own on the test
 * PostgreSQL server (pg-global-setup.ts), or a database of its own on the test MariaDB server
 * (mariadb-global-setup.ts). A server engine's run is skipped with one line when there is no server (a
 * failure under CI=true), exactly as pg-harness.ts and mysql-harness.ts do.
 */
import { execFileSync } from 'node:child_process';
import { normalizeConfig, type SourceConfigInput } from '@pkg/config';
import {
  copyReferenceDb,
  createTempDir,
  findMariaDbBinaries,
  REFERENCE,
  type TempDir,
  testSchemaName,
} from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, describe } from 'vitest';
import { type Row, type SourceSpec, sourceSpecOf, type TableShape, toolsOf } from '../src/engines/index.js';
import { migratePostgresV6 } from '../src/engines/postgresql/schema.js';
import { LAST_RUN_KEY, V6_TABLES, VERSION_KEY } from '../src/schema/bot-schema.js';
import { mariaDbUrlOrExplain } from './mysql-harness.js';
import { pgClient, postgresUrlOrExplain } from './pg-harness.js';

export type EngineName = 'sqlite' | 'postgresql' | 'mysql';
export const ENGINES: readonly EngineName[] = ['sqlite', 'postgresql', 'mysql'];

/** Where a test's sources come from, for one engine. Everything it creates is removed after the file. */
export interface EngineHarness {
  readonly engine: EngineName;
  /** A new, empty database (the library creates the schema on open). */
  fresh(label: string, options?: { readonly?: boolean }): SourceConfigInput;
  /** A database holding the bot's reference data (a copy of the bot's own file, or those rows in PostgreSQL). */
  reference(label: string, options?: { readonly?: boolean }): Promise<SourceConfigInput>;
  /** Server engines: the server URL (with its password, if any), for checks at SQL level. */
  readonly url: string | null;
}

/** Env variable the harness puts a BOTDB_TEST_PG_URL password in (the config refuses one inside url). */
const PASSWORD_ENV = 'BOTDB_TEST_PG_PASSWORD';
/** The same for a BOTDB_TEST_MYSQL_URL password. */
const MYSQL_PASSWORD_ENV = 'BOTDB_TEST_MYSQL_PASSWORD';

export function describeEngines(title: string, body: (h: EngineHarness) => void): void {
  describe.each(ENGINES)(`${title} [%s]`, (engine) => {
    if (engine === 'sqlite') {
      body(sqliteHarness());
      return;
    }
    if (engine === 'mysql') {
      const url = mariaDbUrlOrExplain();
      if (url !== null) body(mysqlHarness(url));
      return;
    }
    const url = postgresUrlOrExplain();
    if (url !== null) body(postgresHarness(url));
  });
}

function sqliteHarness(): EngineHarness {
  let dir: TempDir | null = null;
  const folder = () => {
    dir ??= createTempDir('core-engine-');
    return dir;
  };
  afterAll(() => dir?.cleanup());
  return {
    engine: 'sqlite',
    url: null,
    fresh: (label, options = {}) => ({ path: folder().file(`${label}.db`), readonly: options.readonly ?? false }),
    reference: async (label, options = {}) => ({
      path: copyReferenceDb(folder().path, `${label}.db`),
      readonly: options.readonly ?? false,
    }),
  };
}

function postgresHarness(rawUrl: string): EngineHarness {
  const parsed = new URL(rawUrl);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const url = parsed.toString();
  if (password !== '') process.env[PASSWORD_ENV] = password;
  const schemas: string[] = [];
  afterAll(async () => {
    const admin = pgClient(rawUrl, null);
    try {
      for (const s of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
  const source = (schema: string, readonly: boolean): SourceConfigInput =>
    ({
      type: 'postgresql',
      url,
      schema,
      readonly,
      ...(password === '' ? {} : { passwordEnv: PASSWORD_ENV }),
    }) as SourceConfigInput;
  return {
    engine: 'postgresql',
    url: rawUrl,
    fresh: (label, options = {}) => {
      const schema = testSchemaName(label);
      schemas.push(schema);
      return source(schema, options.readonly ?? false);
    },
    reference: async (label, options = {}) => {
      const schema = testSchemaName(label);
      schemas.push(schema);
      await copySqliteIntoPostgres(REFERENCE.db, rawUrl, schema);
      return source(schema, options.readonly ?? false);
    },
  };
}

/**
 * Fills a new PostgreSQL schema with every row of a bot's SQLite file, as `botdb move` does: timestamps
 * (UTC text) as instants, 0/1 flags as booleans, rows in rowid order (insertion order is kept).
 */
export async function copySqliteIntoPostgres(file: string, url: string, schema: string): Promise<void> {
  const admin = pgClient(url, null);
  await admin.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await admin.end({ timeout: 5 });
  const sql = pgClient(url, schema, { connection: { TimeZone: 'UTC' } });
  const lite = new Database(file, { readonly: true });
  try {
    await migratePostgresV6(sql, { source: 'test', where: schema });
    const types = new Map<string, string>();
    for (const r of await sql<{ t: string; c: string; ty: string }[]>`
      SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns
      WHERE table_schema = ${schema}`) {
      types.set(`${r.t}.${r.c}`, r.ty);
    }
    await sql.begin(async (tx) => {
      await tx.unsafe('DELETE FROM settings');
      for (const table of V6_TABLES) {
        const rows = lite.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
        for (const row of rows) {
          const columns = Object.keys(row);
          const values = columns.map((c) => toPostgres(row[c], types.get(`${table}.${c}`)));
          await tx.unsafe(
            `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
            values as never[],
          );
        }
      }
    });
  } finally {
    lite.close();
    await sql.end({ timeout: 5 });
  }
}

function toPostgres(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === '1' || value === true;
  if (type?.startsWith('timestamp') && typeof value === 'string') {
    return new Date(`${value.slice(0, 10)}T${value.slice(11, 19)}Z`);
  }
  return value;
}

/**
 * Runs SQL on a MySQL/MariaDB server with the command-line client, synchronously (a harness's `fresh` returns a
 * source at once, and a MySQL source's database must exist before it opens).
 */
export function mysqlAdmin(serverUrl: string, sql: string): void {
  const client = findMariaDbBinaries()?.client;
  if (!client) throw new Error('the mariadb (or mysql) command-line client is needed to create test databases');
  const u = new URL(serverUrl);
  const password = decodeURIComponent(u.password);
  execFileSync(
    client,
    ['--no-defaults', '-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), '-e', sql],
    { env: { ...process.env, MYSQL_PWD: password }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

function mysqlHarness(rawUrl: string): EngineHarness {
  const parsed = new URL(rawUrl);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  if (password !== '') process.env[MYSQL_PASSWORD_ENV] = password;
  const databases: string[] = [];
  afterAll(() => {
    if (databases.length > 0) {
      mysqlAdmin(rawUrl, databases.map((d) => `DROP DATABASE IF EXISTS \`${d}\`;`).join(' '));
    }
  });
  const source = (label: string, readonly: boolean): SourceConfigInput => {
    const name = testSchemaName(label);
    databases.push(name);
    mysqlAdmin(rawUrl, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const url = new URL(parsed.toString());
    url.pathname = `/${name}`;
    return {
      type: 'mysql',
      url: url.toString(),
      readonly,
      ...(password === '' ? {} : { passwordEnv: MYSQL_PASSWORD_ENV }),
    } as SourceConfigInput;
  };
  return {
    engine: 'mysql',
    url: rawUrl,
    fresh: (label, options = {}) => source(label, options.readonly ?? false),
    reference: async (label, options = {}) => {
      const readonly = options.readonly ?? false;
      const input = source(label, readonly);
      await copySqliteIntoMysql(REFERENCE.db, { ...input, readonly: false } as SourceConfigInput);
      return input;
    },
  };
}

function specOf(input: SourceConfigInput): SourceSpec {
  const { config } = normalizeConfig({ default: 'main', sources: { main: input } }, { baseDir: process.cwd() });
  return sourceSpecOf(config, 'main');
}

/**
 * Fills a new MySQL database with every row of a bot's SQLite file through the engine tools `botdb move` uses
 * (the SQLite reader, the MySQL writer): values converted, rows in rowid order (insertion order is kept).
 */
export async function copySqliteIntoMysql(file: string, to: SourceConfigInput): Promise<number> {
  return copyWithMoveTools(specOf({ path: file, readonly: true }), specOf(to));
}

/** Copies every bot row from one source into another (its schema created) with the engine tools `botdb move` uses. */
export async function copyWithMoveTools(from: SourceSpec, dest: SourceSpec): Promise<number> {
  const reader = await toolsOf(from).openReader(from);
  const writer = await toolsOf(dest).openWriter(dest);
  let copied = 0;
  try {
    const tables = new Map((await reader.tables()).map((t) => [t.name, t]));
    for (const shape of await writer.tables()) {
      const src = tables.get(shape.name);
      if (src === undefined) continue;
      const table: TableShape = { ...shape, columns: shape.columns.filter((c) => src.columns.includes(c)) };
      const scope =
        shape.name === 'settings' ? { exclude: { column: 'key', values: [VERSION_KEY, LAST_RUN_KEY] } } : {};
      let after: Row | null = null;
      for (;;) {
        const page = await reader.page(table, scope, ['rowid'], after, 500);
        if (page.length === 0) break;
        copied += await writer.insertMissing(
          table,
          page.map((r) => r.slice(0, table.columns.length)),
        );
        after = [(page.at(-1) as Row)[table.columns.length]];
      }
    }
  } finally {
    await reader.close();
    await writer.close();
  }
  return copied;
}
