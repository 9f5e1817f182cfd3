/**
 * The baseline: better-sqlite3 in the main thread, one connection, the point read prepared once and reused.
 * Synchronous: each read blocks the event loop for its whole duration.
 */
import Database from 'better-sqlite3';
import { KEY_MASK, type Key } from '../dataset.js';
import { POINT_READ_SQL } from '../sql.js';

export interface DirectReader {
  read(i: number): unknown;
  /** The same read with `db.prepare` on every call: what the statement cache saves. */
  readUncached(i: number): unknown;
  close(): void;
}

export function openDirect(path: string, keys: readonly Key[]): DirectReader {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const stmt = db.prepare(POINT_READ_SQL);
  return {
    read(i) {
      const k = keys[i & KEY_MASK] as Key;
      return stmt.get(k.chatId, k.messageId);
    },
    readUncached(i) {
      const k = keys[i & KEY_MASK] as Key;
      return db.prepare(POINT_READ_SQL).get(k.chatId, k.messageId);
    },
    close: () => db.close(),
  };
}
