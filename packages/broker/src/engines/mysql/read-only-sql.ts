/**
 * What db.query / tx.query may run on MySQL, told by the statement's first word, before it reaches the server.
 * PostgreSQL refuses any write inside a read-only transaction; MySQL does too (1792), except for what commits the
 * transaction implicitly first: DDL (CREATE, DROP, ALTER, RENAME, TRUNCATE), account and lock statements would
 * run, and stay, whatever transaction they were sent in. So only statements that read rows are let through; a
 * write in disguise among them (`WITH ... DELETE` on MySQL 8) still meets the read-only transaction.
 */

/** Statements that return rows. */
const READS = new Set(['select', 'with', 'show', 'explain', 'describe', 'desc', 'values', 'table', 'analyze']);

/** Statements that change something (answered as "would write", as a write on the other engines is). */
const WRITES = new Set([
  'insert',
  'update',
  'delete',
  'replace',
  'merge',
  'create',
  'drop',
  'alter',
  'rename',
  'truncate',
  'grant',
  'revoke',
  'load',
  'call',
  'lock',
  'unlock',
  'optimize',
  'repair',
  'flush',
  'purge',
  'install',
  'uninstall',
  'import',
  'handler',
]);

/**
 * Statements MySQL commits the open transaction around (DDL, account, lock and transaction statements): inside the
 * caller's transaction they would commit what it wrote so far and run outside it, so a later ROLLBACK could no
 * longer undo it. Refused there (tx.execute), before the server.
 */
const ENDS_TRANSACTION = new Set([
  'create',
  'drop',
  'alter',
  'rename',
  'truncate',
  'grant',
  'revoke',
  'lock',
  'unlock',
  'begin',
  'start',
  'commit',
  'xa',
  'load',
  'analyze',
  'optimize',
  'repair',
  'check',
  'flush',
  'reset',
  'install',
  'uninstall',
  'cache',
  'purge',
]);

/** Whether the statement would end the caller's transaction (see ENDS_TRANSACTION). */
export function endsTransaction(text: string): boolean {
  const [word, end] = firstWordAt(text);
  const rest = text.slice(end);
  // CREATE / DROP TEMPORARY TABLE commit nothing; ROLLBACK TO SAVEPOINT keeps the transaction.
  if ((word === 'create' || word === 'drop') && /^\s+temporary\b/i.test(rest)) return false;
  if (word === 'rollback') return !/^\s+(work\s+)?to\b/i.test(rest);
  if (word === 'set') return /\bautocommit\b/i.test(rest);
  return ENDS_TRANSACTION.has(word);
}

export type ReadOnlyVerdict = 'reads' | 'writes' | 'no-rows';

export function readOnlyVerdict(text: string): ReadOnlyVerdict {
  const word = firstWord(text);
  if (READS.has(word)) return 'reads';
  return WRITES.has(word) ? 'writes' : 'no-rows';
}

/** The first word of a statement, lower case, after blanks, comments and opening parentheses. */
function firstWord(text: string): string {
  return firstWordAt(text)[0];
}

/** The first word (lower case) and where it ends. */
function firstWordAt(text: string): [string, number] {
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s|\(/.test(c)) i++;
    else if (c === '#' || (c === '-' && text[i + 1] === '-')) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else break;
  }
  const word = /^[A-Za-z_]*/.exec(text.slice(i))?.[0] ?? '';
  return [word.toLowerCase(), i + word.length];
}
