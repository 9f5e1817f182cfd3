/**
 * The peer worker pool: piscina running the same better-sqlite3 point read, one task per read, with one
 * thread (the broker's shape: one worker per source) and with two (one per core here).
 */
import { Piscina } from 'piscina';
import { KEY_MASK, type Key } from '../dataset.js';
import type { AsyncReader } from './types.js';

export async function startPiscina(path: string, keys: readonly Key[], threads: number): Promise<AsyncReader> {
  const pool = new Piscina({
    filename: new URL('../workers/piscina-read-worker.js', import.meta.url).href,
    workerData: path,
    minThreads: threads,
    maxThreads: threads,
    // The default (idle worker count) would let a second task wait in a busy thread's own queue.
    concurrentTasksPerWorker: 1,
  });
  const reader: AsyncReader = {
    opsPerCall: 1,
    call: (i) => pool.run(keys[i & KEY_MASK] as Key),
    close: () => pool.destroy(),
  };
  await Promise.all(Array.from({ length: threads * 2 }, (_, i) => reader.call(i)));
  return reader;
}
