/**
 * The v6 schema in PostgreSQL (groundwork of issue #10): same tables, columns, keys and indexes as the
 * bot's SQLite file, created once under concurrency, timestamps as instants, BIGINT exact or refused.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { REFERENCE } from '@pkg/testkit';
import Database from 'better-sqlite3';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  migratePostgresV6,
  PG_LIBRARY_TABLES,
  PG_NULLABLE_KEY_TABLES,
  PG_ROWID_TABLES,
} from '../src/engines/postgresql/schema.js';
import { V6_TABLES } from '../src/schema/bot-schema.js';
import { createFileSchema, describePostgres, pgClient } from './pg-harness.js';

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  pk: number;
}

const PG_TYPE_OF: Record<string, string> = {
  INTEGER: 'bigint',
  TEXT: 'text',
  TIMESTAMP: 'timestamp with time zone',
  BOOLEAN: 'boolean',
  FLOAT: 'double precision',
};

describePostgres('PostgreSQL v6 schema', (url) => {
  let schema: { name: string; drop(): Promise<void> };
  let sql: Sql;

  beforeAll(async () => {
    schema = await createFileSchema(url, 'postgres-schema');
    sql = pgClient(url, schema.name);
  });
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await schema?.drop();
  });

  it('8 clients migrating an empty schema at once: exactly one creates it, none fails', async () => {
    const clients = Array.from({ length: 8 }, () => pgClient(url, schema.name));
    try {
      const outcomes = await Promise.all(clients.map((c) => migratePostgresV6(c)));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'unchanged')).toHaveLength(7);
    } finally {
      await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
    }
    const markers = await sql<{ key: string; n: number }[]>`
      SELECT key, count(*)::int8 AS n FROM settings GROUP BY key ORDER BY key`;
    expect(markers).toEqual([
      { key: 'db-migration-last-run', n: 1 },
      { key: 'db-migration-version', n: 1 },
    ]);
  });

  it('writes the version marker as the bot does; a second run is a no-op', async () => {
    await migratePostgresV6(sql);
    const before = await sql<{ key: string; value: string; updated_at: Date }[]>`
      SELECT key, value, updated_at FROM settings ORDER BY key`;
    expect(before.map((r) => [r.key, r.key === 'db-migration-version' ? r.value : 'time'])).toEqual([
      ['db-migration-last-run', 'time'],
      ['db-migration-version', '6'],
    ]);
    expect(Number.isNaN(Date.parse(before[0]?.value ?? ''))).toBe(false);
    await expect(migratePostgresV6(sql)).resolves.toBe('unchanged');
    expect(await sql`SELECT key, value, updated_at FROM settings ORDER BY key`).toEqual(before);
  });

  it('has every table of the SQLite reference, column by column (name, type, nullability, key)', async () => {
    await migratePostgresV6(sql);
    const reference = new Database(REFERENCE.db, { readonly: true, fileMustExist: true });
    try {
      const sqliteTables = (
        reference.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
          name: string;
        }[]
      ).map((r) => r.name);
      expect(sqliteTables).toEqual([...V6_TABLES].sort());
      const pgTables = await sql<{ name: string }[]>`
        SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`;
      // The bot's tables, and the library's own (claims).
      expect(pgTables.map((r) => r.name)).toEqual([...sqliteTables, ...PG_LIBRARY_TABLES].sort());

      for (const table of sqliteTables) {
        const sqliteColumns = reference.prepare(`PRAGMA table_info("${table}")`).all() as SqliteColumn[];
        const pgColumns = await sql<
          { name: string; type: string; nullable: string; collation: string | null; identity: string }[]
        >`
          SELECT column_name AS name, data_type AS type, is_nullable AS nullable, collation_name AS collation,
            CASE WHEN data_type LIKE 'timestamp%' THEN 'seconds:' || datetime_precision
              ELSE coalesce(identity_generation, '-') END AS identity
          FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}
          ORDER BY ordinal_position`;
        const nullableKey = PG_NULLABLE_KEY_TABLES.includes(table);
        // PostgreSQL makes PRIMARY KEY columns NOT NULL; SQLite does not (see postgres-v6.ts).
        const expected = sqliteColumns.map((c) => ({
          name: c.name,
          type: PG_TYPE_OF[c.type],
          nullable: c.notnull === 1 || (c.pk > 0 && !nullableKey) ? 'NO' : 'YES',
          collation: c.type === 'TEXT' ? 'C' : null,
          // Timestamps in whole seconds, like SQLite's CURRENT_TIMESTAMP text.
          identity: c.type === 'TIMESTAMP' ? 'seconds:0' : '-',
        }));
        // SQLite's hidden rowid made a column where reads order by insertion.
        if (PG_ROWID_TABLES.includes(table)) {
          expected.push({ name: 'rowid', type: 'bigint', nullable: 'NO', collation: null, identity: 'ALWAYS' });
        }
        expect(pgColumns, table).toEqual(expected);

        const key = sqliteColumns
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        const [pgKey] = await sql<{ columns: string[] }[]>`
          SELECT array_agg(a.attname::text ORDER BY k.ord) AS columns
          FROM pg_constraint c
          CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
          WHERE c.conrelid = ${`"${schema.name}"."${table}"`}::regclass
            AND (c.contype = 'p' OR (c.contype = 'u' AND c.conname = ${`${table}_key`}))`;
        expect(pgKey?.columns ?? [], `${table} key`).toEqual(key);
      }

      const sqliteIndexes = (
        reference
          .prepare(`SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
          .all() as {
          name: string;
          tbl_name: string;
        }[]
      )
        .map((i) => ({
          name: i.name,
          table: i.tbl_name,
          columns: (reference.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[]).map((c) => c.name),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const pgIndexes = await sql<{ name: string; table: string; columns: string[] }[]>`
        SELECT i.relname::text AS name, t.relname::text AS table, array_agg(a.attname::text ORDER BY k.ord) AS columns
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE n.nspname = current_schema() AND NOT x.indisprimary AND NOT x.indisunique
        GROUP BY 1, 2 ORDER BY 1`;
      expect(pgIndexes.map((i) => ({ ...i }))).toEqual(sqliteIndexes);
    } finally {
      reference.close();
    }
  });

  // The throwaway cluster's own locale is C, so this has teeth against a BOTDB_TEST_PG_URL server with
  // another locale; here the column test above (collation 'C' on every TEXT column) is the guard.
  it('sorts text keys byte by byte, as SQLite does', async () => {
    await migratePostgresV6(sql);
    const keys = ['b', 'B', 'a', '_x', 'Z', 'é'];
    await sql`INSERT INTO cache_storage (namespace, key, value) SELECT 'sort', k, '' FROM unnest(${keys}::text[]) AS k`;
    const rows = await sql<{ key: string }[]>`SELECT key FROM cache_storage WHERE namespace = 'sort' ORDER BY key`;
    const reference = new Database(':memory:');
    const expected = (
      reference.prepare(`SELECT value AS key FROM json_each(?) ORDER BY key`).all(JSON.stringify(keys)) as {
        key: string;
      }[]
    ).map((r) => r.key);
    reference.close();
    expect(rows.map((r) => r.key)).toEqual(expected);
  });

  it('stores timestamps as instants: a process in Asia/Tokyo writes and reads back UTC', async () => {
    await migratePostgresV6(sql);
    const driver = pathToFileURL(createRequire(import.meta.url).resolve('postgres')).href;
    // A separate process whose local time zone is Tokyo, on a session in Tokyo too.
    const script = `
      const { default: postgres } = await import(${JSON.stringify(driver)});
      const sql = postgres(process.argv[1], { max: 1, onnotice: () => {}, connection: { search_path: process.argv[2], TimeZone: 'Asia/Tokyo' } });
      const at = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
      await sql\`INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (-1001, '1', \${at}, 7, 'hi')\`;
      await sql\`INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (-1001, '2', '2025-01-02 12:04:05.678', 7, 'local')\`;
      const rows = await sql\`SELECT message_id, date FROM chat_messages WHERE chat_id = -1001 ORDER BY message_id\`;
      console.log(JSON.stringify({ offset: new Date(0).getTimezoneOffset(), times: rows.map((r) => r.date.getTime()) }));
      await sql.end({ timeout: 5 });
    `;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, url, schema.name], {
        env: { ...process.env, TZ: 'Asia/Tokyo' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err}`));
      });
    });
    const result = JSON.parse(output) as { offset: number; times: number[] };
    expect(result.offset).toBe(-540);
    // A Date is its instant; a zone-less literal is read in the session's zone (Tokyo 12:04 = 03:04 UTC).
    // TIMESTAMPTZ(0) keeps whole seconds: PostgreSQL rounds the .678 up.
    const instant = Date.UTC(2025, 0, 2, 3, 4, 6);
    expect(result.times).toEqual([instant, instant]);
    const utc = await sql<{ text: string }[]>`
      SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS text
      FROM chat_messages WHERE chat_id = -1001 ORDER BY message_id`;
    expect(utc.map((r) => r.text)).toEqual(['2025-01-02 03:04:06.000', '2025-01-02 03:04:06.000']);
  });

  it('BIGINT: ids up to 2^53-1 come back exact as numbers; beyond, the value is refused, not rounded', async () => {
    await migratePostgresV6(sql);
    await sql`INSERT INTO chat_info (chat_id, type) VALUES (${-1001234567890}, 'supergroup'), (${Number.MAX_SAFE_INTEGER}, 'private')`;
    const rows = await sql<{ chat_id: number }[]>`SELECT chat_id FROM chat_info ORDER BY chat_id`;
    expect(rows.map((r) => r.chat_id)).toEqual([-1001234567890, Number.MAX_SAFE_INTEGER]);
    await sql`INSERT INTO chat_info (chat_id, type) VALUES (9007199254740993, 'private')`;
    await expect(sql`SELECT chat_id FROM chat_info WHERE chat_id > ${Number.MAX_SAFE_INTEGER}`).rejects.toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining('9007199254740993'),
    });
    await expect((async () => sql`SELECT ${2 ** 60}::int8 AS v`)()).rejects.toMatchObject({ code: 'QUERY_FAILED' });
    // The client keeps working after a refusal (the driver reconnects).
    expect(await sql`SELECT count(*) AS n FROM chat_info`).toEqual([{ n: 3 }]);
  });
});
