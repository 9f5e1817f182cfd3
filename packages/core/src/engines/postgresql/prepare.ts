/**
 * Opening a PostgreSQL source (the worker calls this once, before any call): a writable source gets its
 * schema and the v6 tables created if missing (under an advisory lock, so several bot processes starting
 * at once create them once); a readonly source is never changed, only checked.
 */
import { type PostgresSourceSpec, type PrepareResult, sourceLocation } from '@pkg/broker';
import { NotABotDatabaseError, SchemaTooNewError, SourceOpenError } from '@pkg/errors';
import type { Sql, TransactionSql } from 'postgres';
import { botTablesIn, checkPostgresV6, migratePostgresV6 } from './schema.js';

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
  // One snapshot for the table list and the version marker.
  return sql.begin((tx) => checkReadonlyIn(tx, spec, where));
}

async function checkReadonlyIn(sql: TransactionSql, spec: PostgresSourceSpec, where: string): Promise<PrepareResult> {
  const present = await botTablesIn(sql);
  if (present.size === 0) {
    throw new SourceOpenError(
      spec.name,
      where,
      `schema "${spec.schema}" holds no bot tables, and a readonly source is never created`,
      'point url and schema at a database a writable source (or `botdb move`) has filled, or set readonly = false',
      // Stable for tools: `botdb check` reports such a schema as not created yet, not as broken.
      { emptySchema: true },
    );
  }
  // Reads of a newer schema work; a readonly source writes nothing anyway.
  let tooNew: SchemaTooNewError | null;
  try {
    tooNew = await checkPostgresV6(sql, present, { source: spec.name, where });
  } catch (e) {
    if (!(e instanceof NotABotDatabaseError)) throw e;
    // A readonly source is never completed, so it cannot open: an unavailable source (reads fall back to
    // the default, cross-source reads skip it), not NOT_A_BOT_DATABASE on every read.
    const missing = (e.details?.missing as string[] | undefined) ?? [];
    throw new SourceOpenError(
      spec.name,
      where,
      `schema "${spec.schema}" lacks the bot's ${missing.join(', ')}, and a readonly source is never migrated`,
      'open the schema once with a writable source (or the bot) so it is completed, then set readonly = true again',
      { missing },
    );
  }
  return tooNew === null ? {} : { refuseWrites: tooNew.toJSON() };
}

/** An SQL identifier in double quotes (the config allows only letters, digits and underscores anyway). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
