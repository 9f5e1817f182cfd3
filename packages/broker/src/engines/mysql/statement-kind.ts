/**
 * What the caller's raw SQL does, told by its first word, where MySQL itself cannot be asked in time:
 * - a statement that commits implicitly (DDL, LOCK TABLES, START TRANSACTION, ...) ends the transaction it
 *   runs in, and then runs outside it — even in a READ ONLY transaction, which it ends first. So db.query and
 *   tx.query refuse it before the server, and tx.execute refuses it inside a transaction;
 * - a savepoint cannot be made read-only (PostgreSQL's SET LOCAL transaction_read_only), so tx.query takes
 *   only statements that start as a read does (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN, DESCRIBE); a
 *   write that returns rows (MariaDB's INSERT/DELETE ... RETURNING) is refused by its word.
 */

/** The statement's first word, upper case ('' when none): after spaces, comments and opening parentheses. */
export function firstWord(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '(') {
      i++;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*' && sql[i + 2] !== '!' && sql[i + 2] !== 'M') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else break;
  }
  const match = /^[A-Za-z_]+/.exec(sql.slice(i, i + 32));
  return match === null ? '' : match[0].toUpperCase();
}

const READS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'SHOW', 'EXPLAIN', 'DESCRIBE', 'DESC']);

/** Statements that never return rows and change only the session (refused by query as returning no rows). */
const SESSION_ONLY = new Set(['SET', 'DO', 'USE']);

/** Statements MySQL commits the open transaction before (and after): never inside a transaction. */
const IMPLICIT_COMMIT = new Set([
  'CREATE',
  'ALTER',
  'DROP',
  'RENAME',
  'TRUNCATE',
  'GRANT',
  'REVOKE',
  'LOCK',
  'UNLOCK',
  'BEGIN',
  'START',
  'COMMIT',
  'XA',
  'LOAD',
  'ANALYZE',
  'OPTIMIZE',
  'REPAIR',
  'CHECK',
  'FLUSH',
  'RESET',
  'INSTALL',
  'UNINSTALL',
  'CACHE',
]);

/** How db.query / tx.query take a statement: run it as a read, or refuse it (and why) before the server. */
export function queryKind(sql: string): 'read' | 'write' | 'no-rows' {
  const word = firstWord(sql);
  if (READS.has(word)) return 'read';
  if (SESSION_ONLY.has(word)) return 'no-rows';
  return 'write';
}

/** Whether the statement would end the caller's transaction (MySQL commits implicitly around it). */
export function endsTransaction(sql: string): boolean {
  const word = firstWord(sql);
  if (IMPLICIT_COMMIT.has(word)) {
    // CREATE/DROP TEMPORARY TABLE do not commit.
    return !((word === 'CREATE' || word === 'DROP') && /^\s*(CREATE|DROP)\s+TEMPORARY\b/i.test(stripLead(sql)));
  }
  // ROLLBACK ends it; ROLLBACK TO SAVEPOINT does not. SET autocommit = 1 commits.
  if (word === 'ROLLBACK') return !/^\s*ROLLBACK\s+(WORK\s+)?TO\b/i.test(stripLead(sql));
  if (word === 'SET') return /\bautocommit\b/i.test(sql);
  return false;
}

function stripLead(sql: string): string {
  return sql.replace(/^(\s|\(|--[^\n]*\n|#[^\n]*\n|\/\*(?![!M])[\s\S]*?\*\/)*/, '');
}
