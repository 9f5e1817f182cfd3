/**
 * "Raw postMessage + SQL": one worker, one plain postMessage per read each way, answers matched by id.
 * What any worker design pays per read before RPC, queueing or batching: the floor for one call in flight.
 */
import { Worker } from 'node:worker_threads';
import { KEY_MASK, type Key } from '../dataset.js';
import type { AsyncReader } from './types.js';

export async function startRawReader(path: string, keys: readonly Key[]): Promise<AsyncReader> {
  const worker = new Worker(new URL('../workers/raw-read-worker.js', import.meta.url), { workerData: path });
  const waiting = new Map<number, (row: unknown) => void>();
  let next = 0;
  worker.on('message', (m: [number, unknown]) => {
    const resolve = waiting.get(m[0]);
    waiting.delete(m[0]);
    resolve?.(m[1]);
  });
  const reader: AsyncReader = {
    opsPerCall: 1,
    call: (i) =>
      new Promise((resolve) => {
        const id = next++;
        const k = keys[i & KEY_MASK] as Key;
        waiting.set(id, resolve);
        worker.postMessage([id, k.chatId, k.messageId]);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
  await reader.call(0);
  return reader;
}
