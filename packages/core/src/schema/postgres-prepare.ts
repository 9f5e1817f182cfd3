/**
 * Opening a PostgreSQL source (the worker calls this once, before any call): a writable source gets its
 * schema and the v6 tables created if missing (under an advisory lock, so several bot processes starting
 * at once create them once); a readonly source is never changed, only checked.
 */
import { type PostgresSourceSpec, type PrepareResult, sourceLocation } from '@pkg/broker';
import { NotABotDatabaseError, SchemaTooNewError, SourceOpenError } from '@pkg/errors';
import type { Sql } from 'postgres';
import { VERSION_KEY } from './migrations.js';
import { migratePostgresV6, PG_SCHEMA_VERSION } from './postgres-v6.js';
import { V6_TABLES } from './schema-v6.js';

export async function preparePostgres(sql: Sql, spec: PostgresSourceSpec): Promise<PrepareResult> {
  const where = sourceLocation(spec);
  if (spec.readonly) return checkReadonly(sql, spec, where);
  const [exists] = await sql`SELECT 1 AS found FROM pg_namespace WHERE nspname = ${spec.schema}`;
  // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database.
  if (exists === undefined) {
    try {
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(spec.schema)}`);
    } catch (e) {
      // Another process created it at the same moment: IF NOT EXISTS does not cover that race
      // (duplicate_schema, or a unique violation in the catalog). It exists now, which is all we need.
      const code = (e as { code?: unknown }).code;
      if (code !== '42P06' && code !== '23505') throw e;
    }
  }
  try {
    await migratePostgresV6(sql, { source: spec.name, where });
  } catch (e) {
    if (!(e instanceof SchemaTooNewError)) throw e;
    // A newer library's schema: reads work; writes only when the operator said so.
    if (spec.moduleOptions?.onNewerSchema === 'allow-writes') return {};
    return { refuseWrites: e.toJSON() };
  }
  return {};
}

async function checkReadonly(sql: Sql, spec: PostgresSourceSpec, where: string): Promise<PrepareResult> {
  const present = await sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = ${spec.schema} AND table_name IN ${sql(V6_TABLES as string[])}`;
  if (present.length === 0) {
    throw new SourceOpenError(
      spec.name,
      where,
      `schema "${spec.schema}" holds no bot tables, and a readonly source is never created`,
      'point url and schema at a database a writable source (or `botdb move`) has filled, or set readonly = false',
      // Stable for tools: `botdb check` reports such a schema as not created yet, not as broken.
      { emptySchema: true },
    );
  }
  const names = new Set(present.map((r) => r.name));
  const missing = V6_TABLES.filter((t) => !names.has(t));
  const marker = names.has('settings')
    ? await sql<{ value: string | null }[]>`SELECT value FROM settings WHERE key = ${VERSION_KEY}`
    : [];
  const version = marker[0]?.value == null ? null : Number.parseInt(marker[0].value, 10);
  if (version !== null && version > PG_SCHEMA_VERSION) {
    // Reads of a newer schema work; a readonly source writes nothing anyway.
    return { refuseWrites: new SchemaTooNewError(spec.name, where, version, PG_SCHEMA_VERSION).toJSON() };
  }
  if (version !== PG_SCHEMA_VERSION || missing.length > 0) {
    throw new NotABotDatabaseError(
      spec.name,
      where,
      missing.length > 0 ? missing : [`settings.${VERSION_KEY} = ${PG_SCHEMA_VERSION}`],
    );
  }
  return {};
}

/** An SQL identifier in double quotes (the config allows only letters, digits and underscores anyway). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
