/**
 * The two Comlink peers, each in its own worker_thread:
 * - echo: a bare round trip (no SQL), one Comlink message per call: the floor under any worker design;
 * - batch: better-sqlite3 in the worker running the point read for every key of a message: with 1 key per
 *   message it is "Comlink + the same SQL" (what any worker design pays per read, before batching); with 64 keys
 *   it is what batching can reach when nothing else (routing, queueing, Date conversion) is in the way.
 */
import { Worker } from 'node:worker_threads';
import { type Remote, releaseProxy, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { KEY_COUNT, KEY_MASK, type Key } from '../dataset.js';
import type { BatchReadApi, EchoApi } from '../workers/protocol.js';
import type { AsyncReader } from './types.js';

function spawn<T>(file: string): { worker: Worker; remote: Remote<T> } {
  const worker = new Worker(new URL(`../workers/${file}`, import.meta.url));
  return { worker, remote: wrap<T>(nodeEndpoint(worker)) };
}

export async function startEcho(keys: readonly Key[]): Promise<AsyncReader> {
  const { worker, remote } = spawn<EchoApi>('echo-worker.js');
  await remote.echo(keys[0] as Key);
  return {
    opsPerCall: 1,
    call: (i) => remote.echo(keys[i & KEY_MASK] as Key),
    close: async () => {
      remote[releaseProxy]();
      await worker.terminate();
    },
  };
}

export async function startBatchReader(path: string, keys: readonly Key[], batchSize: number): Promise<AsyncReader> {
  const { worker, remote } = spawn<BatchReadApi>('batch-read-worker.js');
  await remote.open(path);
  // Batch b holds keys b*size ... b*size+size-1: the same key sequence as the one-read-per-call contenders.
  const batches: Key[][] = [];
  for (let start = 0; start < KEY_COUNT; start += batchSize) batches.push(keys.slice(start, start + batchSize));
  return {
    opsPerCall: batchSize,
    call: (i) => remote.readBatch(batches[i % batches.length] as Key[]),
    close: async () => {
      await remote.close();
      remote[releaseProxy]();
      await worker.terminate();
    },
  };
}
