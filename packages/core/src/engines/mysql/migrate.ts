/**
 * Creating and checking the v6 schema in a MySQL/MariaDB database. MySQL commits each CREATE TABLE on its
 * own (DDL is not transactional there), so "several processes start at once" is settled by a named lock,
 * not a transaction: GET_LOCK on one session, held while the tables are checked and created, released in
 * `finally` (and by the server if the session dies). The version marker is written last: a creation cut
 * short leaves empty bot tables and no marker, which the next start completes (tables that hold rows and
 * no marker are someone else's, and refused).
 */
import { DatabaseError, MigrationError, NotABotDatabaseError, SchemaTooNewError, SourceOpenError } from '@pkg/errors';
import { LAST_RUN_KEY, SCHEMA_VERSION, V6_TABLES, VERSION_KEY } from '../../schema/bot-schema.js';
import { collationFor, mysqlSchemaV6, unsupportedServer } from './schema.js';

/** One session: what the schema code needs of a mysql2 (promise) connection. */
export interface MysqlSession {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
}

/** A pool (a session is borrowed, then released) or one session. */
export type MysqlSessionSource = MysqlSession | { getConnection(): Promise<MysqlSession & { release(): void }> };

/** Where the schema lives, for error messages (a source name and a URL without password). */
export interface MysqlMigrationTarget {
  source: string;
  where: string;
}

/** What `migrateMysqlV6` did. */
export type MysqlMigrationOutcome = 'created' | 'unchanged';

/** How long a start waits for another process creating the schema (the creation takes a few seconds). */
const LOCK_WAIT_SECONDS = 60;

/** Runs `fn` on one session: borrowed from a pool and given back, or the session given. */
export async function withSession<T>(
  source: MysqlSessionSource,
  fn: (session: MysqlSession) => Promise<T>,
): Promise<T> {
  if (!('getConnection' in source)) return fn(source);
  const session = await source.getConnection();
  try {
    return await fn(session);
  } finally {
    session.release();
  }
}

async function rows<R>(session: MysqlSession, sql: string, values?: unknown[]): Promise<R[]> {
  const [result] = await session.query(sql, values);
  return result as R[];
}

/** The server's version text and the database the session uses (null: the URL names none). */
export async function serverFacts(session: MysqlSession): Promise<{ version: string; database: string | null }> {
  const [facts] = await rows<{ version: string; db: string | null }>(
    session,
    'SELECT VERSION() AS version, DATABASE() AS db',
  );
  return { version: String(facts?.version ?? ''), database: facts?.db ?? null };
}

/** Refuses a session without a database or on a server too old for the library's statements. */
export function checkServer(facts: { version: string; database: string | null }, target: MysqlMigrationTarget): void {
  if (facts.database === null) {
    throw new SourceOpenError(
      target.source,
      target.where,
      'the URL names no database',
      'add the database to the URL path: mysql://user@host:3306/<database>',
    );
  }
  const old = unsupportedServer(facts.version);
  if (old !== null) {
    throw new SourceOpenError(target.source, target.where, `the server is ${old}`, 'upgrade the server');
  }
}

/** The bot's v6 tables present in the session's database. */
export async function botTablesIn(session: MysqlSession): Promise<Set<string>> {
  const present = await rows<{ name: string }>(
    session,
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${V6_TABLES.map(() => '?').join(', ')})`,
    [...V6_TABLES],
  );
  return new Set(present.map((r) => String(r.name)));
}

/**
 * A database holding some bot tables: NOT_A_BOT_DATABASE (thrown) when a table or the version marker is
 * missing or the version is older; the SCHEMA_TOO_NEW error (returned, the caller decides) when it is newer;
 * null at v6.
 */
export async function checkMysqlV6(
  session: MysqlSession,
  present: ReadonlySet<string>,
  target: MysqlMigrationTarget,
): Promise<SchemaTooNewError | null> {
  const missing = V6_TABLES.filter((t) => !present.has(t));
  const version = present.has('settings') ? await versionIn(session) : null;
  if (version !== null && version > SCHEMA_VERSION) {
    return new SchemaTooNewError(target.source, target.where, version, SCHEMA_VERSION);
  }
  if (version !== SCHEMA_VERSION || missing.length > 0) {
    throw new NotABotDatabaseError(
      target.source,
      target.where,
      missing.length > 0 ? missing : [`settings.${VERSION_KEY} = ${SCHEMA_VERSION}`],
    );
  }
  return null;
}

async function versionIn(session: MysqlSession): Promise<number | null> {
  const [marker] = await rows<{ value: string | null }>(session, 'SELECT value FROM settings WHERE `key` = ?', [
    VERSION_KEY,
  ]);
  return marker?.value == null ? null : Number.parseInt(String(marker.value), 10);
}

/** Whether every bot table present holds no row (a creation cut short, not a database in use). */
async function allEmpty(session: MysqlSession, present: ReadonlySet<string>): Promise<boolean> {
  for (const table of present) {
    const [row] = await rows<{ found: number }>(session, `SELECT EXISTS (SELECT 1 FROM \`${table}\`) AS found`);
    if (Number(row?.found) !== 0) return false;
  }
  return true;
}

/**
 * Creates the v6 schema in the session's database if it holds no bot table (or only the empty ones a cut-short
 * creation left), under a named lock keyed by the database: of several processes starting at once, the first
 * creates it and the others wait, then find version 6 and leave it alone. Text columns get the server's binary
 * NO PAD collation (schema.ts). `db-migration-last-run` is written as an ISO instant in UTC, as on PostgreSQL.
 */
export async function migrateMysqlV6(
  source: MysqlSessionSource,
  target: MysqlMigrationTarget,
): Promise<MysqlMigrationOutcome> {
  return withSession(source, async (session) => {
    const facts = await serverFacts(session);
    checkServer(facts, target);
    const lockName = await lockFor(session);
    try {
      const present = await botTablesIn(session);
      const marked = present.has('settings') && (await versionIn(session)) !== null;
      if (present.size > 0 && (marked || !(await allEmpty(session, present)))) {
        const tooNew = await checkMysqlV6(session, present, target);
        if (tooNew !== null) throw tooNew;
        return 'unchanged';
      }
      await createSchema(session, collationFor(facts.version));
      return 'created';
    } catch (error) {
      if (error instanceof DatabaseError) throw error;
      throw new MigrationError(
        target.source,
        target.where,
        SCHEMA_VERSION,
        error instanceof Error ? error.message : String(error),
      );
    } finally {
      await session.query('SELECT RELEASE_LOCK(?)', [lockName]).catch(() => undefined);
    }
  });

  async function lockFor(session: MysqlSession): Promise<string> {
    // Lock names are at most 64 characters; a database name alone may be 64.
    const [row] = await rows<{ name: string; got: number | null }>(
      session,
      `SELECT CONCAT('botdb:schema:', MD5(DATABASE())) AS name,
        GET_LOCK(CONCAT('botdb:schema:', MD5(DATABASE())), ?) AS got`,
      [LOCK_WAIT_SECONDS],
    );
    if (row === undefined || row.got === null || Number(row.got) !== 1) {
      throw new SourceOpenError(
        target.source,
        target.where,
        `another process held the schema lock for ${LOCK_WAIT_SECONDS} s (creating the schema takes seconds)`,
        'check for a stuck process holding GET_LOCK("botdb:schema:...") (SELECT * FROM information_schema.METADATA_LOCK_INFO on MariaDB, performance_schema.metadata_locks on MySQL), then start again',
      );
    }
    return String(row.name);
  }
}

async function createSchema(session: MysqlSession, collation: string): Promise<void> {
  // IF NOT EXISTS: the empty tables a cut-short creation left are kept, and so is the library's own table.
  for (const { ddl } of mysqlSchemaV6(collation)) await session.query(ddl);
  await session.query('INSERT INTO settings (`key`, value) VALUES (?, ?), (?, ?)', [
    VERSION_KEY,
    String(SCHEMA_VERSION),
    LAST_RUN_KEY,
    new Date().toISOString(),
  ]);
}
