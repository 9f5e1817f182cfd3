/**
 * "The same on both engines": a test file calls `describeEngines` and its body runs once per engine,
 * against a source of that engine — a SQLite file in a temp folder, or a schema of its own on the test
 * PostgreSQL server (pg-global-setup.ts). The PostgreSQL run is skipped with one line when there is no
 * server (a failure under CI=true), exactly as pg-harness.ts does.
 */
import type { SourceConfigInput } from '@pkg/config';
import { copyReferenceDb, createTempDir, REFERENCE, type TempDir, testSchemaName } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, describe } from 'vitest';
import { migratePostgresV6 } from '../src/engines/postgresql/schema.js';
import { V6_TABLES } from '../src/schema/bot-schema.js';
import { copyReferenceIntoMysql, databaseOf, freshMysqlSource, mysqlAdminSync } from './mysql-databases.js';
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
  /** Server engines: the server URL (PostgreSQL: without password), for checks at SQL level. */
  readonly url: string | null;
}

/** Env variable the harness puts a BOTDB_TEST_PG_URL password in (the config refuses one inside url). */
const PASSWORD_ENV = 'BOTDB_TEST_PG_PASSWORD';

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

/** A database of its own per source on the test MariaDB server (mariadb-global-setup.ts), dropped after the file. */
function mysqlHarness(serverUrl: string): EngineHarness {
  const databases: string[] = [];
  afterAll(() => {
    for (const d of databases) mysqlAdminSync(serverUrl, `DROP DATABASE IF EXISTS \`${d}\``);
  });
  const fresh = (label: string, options: { readonly?: boolean } = {}) => {
    const source = freshMysqlSource(serverUrl, label, options.readonly ?? false);
    databases.push(databaseOf(source));
    return source;
  };
  return {
    engine: 'mysql',
    url: serverUrl,
    fresh,
    reference: async (label, options = {}) => {
      const source = fresh(label);
      await copyReferenceIntoMysql(source);
      return { ...source, readonly: options.readonly ?? false } as SourceConfigInput;
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
