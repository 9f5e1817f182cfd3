/**
 * The "raw postMessage + SQL" floor: the worker's own port, no RPC library, one message per read each way.
 * workerData is the file path; a message is [id, chatId, messageId], the answer [id, row].
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { POINT_READ_SQL } from '../sql.js';

if (parentPort === null) throw new Error('raw-read-worker must run inside a worker_thread');
const port = parentPort;
const db = new Database(workerData as string);
db.pragma('journal_mode = WAL');
const stmt = db.prepare(POINT_READ_SQL);
port.on('message', (m: [number, number, number]) => {
  port.postMessage([m[0], stmt.get(m[1], m[2])]);
});
