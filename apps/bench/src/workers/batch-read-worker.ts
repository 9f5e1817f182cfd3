import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { POINT_READ_SQL } from '../sql.js';
import type { BatchReadApi } from './protocol.js';

let db: Database.Database | null = null;
let stmt: Database.Statement | null = null;

const api: BatchReadApi = {
  open(path) {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    stmt = db.prepare(POINT_READ_SQL);
  },
  readBatch(keys) {
    const s = stmt as Database.Statement;
    const rows: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as (typeof keys)[number];
      rows[i] = s.get(k.chatId, k.messageId);
    }
    return rows;
  },
  close() {
    db?.close();
    db = null;
  },
};

if (parentPort === null) throw new Error('batch-read-worker must run inside a worker_thread');
expose(api, nodeEndpoint(parentPort));
