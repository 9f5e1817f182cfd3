/**
 * Opening a MySQL/MariaDB source (the worker calls this once, before any call): a writable source gets the
 * v6 tables created if its database holds none (under GET_LOCK, so several bot processes starting at once
 * create them once); a readonly source is never changed, only checked — with the same errors as PostgreSQL's.
 */
import type { PrepareResult } from '@pkg/broker';
import { NotABotDatabaseError, SchemaTooNewError, SourceOpenError } from '@pkg/errors';
import {
  botTablesIn,
  checkMysqlV6,
  checkServer,
  type MysqlMigrationTarget,
  type MysqlSession,
  type MysqlSessionSource,
  migrateMysqlV6,
  serverFacts,
  withSession,
} from './migrate.js';

/** What the hook reads of a MySQL source's spec. */
export interface MysqlPrepareSpec {
  name: string;
  readonly: boolean;
  moduleOptions?: Record<string, unknown>;
}

export async function prepareMysql(
  connection: MysqlSessionSource,
  spec: MysqlPrepareSpec,
  where: string,
): Promise<PrepareResult> {
  const target = { source: spec.name, where };
  if (spec.readonly) return withSession(connection, (session) => checkReadonly(session, target));
  try {
    await migrateMysqlV6(connection, target);
  } catch (e) {
    if (!(e instanceof SchemaTooNewError)) throw e;
    // A newer library's schema: reads work; writes only when the operator said so.
    if (spec.moduleOptions?.onNewerSchema === 'allow-writes') return {};
    return { refuseWrites: e.toJSON() };
  }
  return {};
}

async function checkReadonly(session: MysqlSession, target: MysqlMigrationTarget): Promise<PrepareResult> {
  const facts = await serverFacts(session);
  checkServer(facts, target);
  // One snapshot for the table list and the version marker (a readonly session may still read); the sessions
  // run READ COMMITTED, where a snapshot lasts one statement, so this transaction asks for REPEATABLE READ.
  await session.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await session.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  try {
    return await checkReadonlyIn(session, target, facts.database as string);
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
  }
}

async function checkReadonlyIn(
  session: MysqlSession,
  target: MysqlMigrationTarget,
  database: string,
): Promise<PrepareResult> {
  const present = await botTablesIn(session);
  if (present.size === 0) {
    throw new SourceOpenError(
      target.source,
      target.where,
      `database "${database}" holds no bot tables, and a readonly source is never created`,
      'point url at a database a writable source (or `botdb move`) has filled, or set readonly = false',
      // Stable for tools: `botdb check` reports such a database as not created yet, not as broken.
      { emptySchema: true },
    );
  }
  // Reads of a newer schema work; a readonly source writes nothing anyway.
  let tooNew: SchemaTooNewError | null;
  try {
    tooNew = await checkMysqlV6(session, present, target);
  } catch (e) {
    if (!(e instanceof NotABotDatabaseError)) throw e;
    // A readonly source is never completed, so it cannot open: an unavailable source (reads fall back to
    // the default, cross-source reads skip it), not NOT_A_BOT_DATABASE on every read.
    const missing = (e.details?.missing as string[] | undefined) ?? [];
    throw new SourceOpenError(
      target.source,
      target.where,
      `database "${database}" lacks the bot's ${missing.join(', ')}, and a readonly source is never migrated`,
      'open the database once with a writable source (or the bot) so it is completed, then set readonly = true again',
      { missing },
    );
  }
  return tooNew === null ? {} : { refuseWrites: tooNew.toJSON() };
}
