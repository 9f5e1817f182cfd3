/**
 * The piscina peer's task: the same better-sqlite3 point read, one task per read. Each pool thread opens
 * the file once (workerData is its path) and keeps the prepared statement.
 */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { POINT_READ_SQL } from '../sql.js';

const db = new Database(workerData as string);
db.pragma('journal_mode = WAL');
const stmt = db.prepare(POINT_READ_SQL);

export default function read(key: { chatId: number; messageId: number }): unknown {
  return stmt.get(key.chatId, key.messageId);
}
