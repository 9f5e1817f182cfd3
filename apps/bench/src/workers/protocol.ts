import type { Key } from '../dataset.js';

/** The bare Comlink peer: no SQL, the same message shape as one read. */
export interface EchoApi {
  echo(key: Key): Key;
}

/** The batching peer: better-sqlite3 in a worker, the point read run once per key of the message. */
export interface BatchReadApi {
  open(path: string): void;
  readBatch(keys: Key[]): unknown[];
  close(): void;
}
