/**
 * node-sqlite3 (the asynchronous driver): one connection, the point read prepared once. Every call goes
 * to libuv's thread pool and back; the driver runs one statement at a time per connection.
 */
import sqlite3 from 'sqlite3';
import { KEY_MASK, type Key } from '../dataset.js';
import { POINT_READ_SQL } from '../sql.js';
import type { AsyncReader } from './types.js';

function opened(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (err) => (err ? reject(err) : resolve(db)));
  });
}

export async function openNodeSqlite3(path: string, keys: readonly Key[]): Promise<AsyncReader> {
  const db = await opened(path);
  const stmt = await new Promise<sqlite3.Statement>((resolve, reject) => {
    const s = db.prepare(POINT_READ_SQL, (err) => (err ? reject(err) : resolve(s)));
  });
  return {
    opsPerCall: 1,
    call(i) {
      const k = keys[i & KEY_MASK] as Key;
      return new Promise((resolve, reject) => {
        stmt.get([k.chatId, k.messageId], (err: Error | null, row: unknown) => (err ? reject(err) : resolve(row)));
      });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        stmt.finalize(() => db.close((err) => (err ? reject(err) : resolve())));
      }),
  };
}
