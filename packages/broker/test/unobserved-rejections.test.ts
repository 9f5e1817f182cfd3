/**
 * A server engine's worker outlives a rejection nobody observed when its runner calls it a lost connection (a
 * driver's connection attempt during an outage), and still dies of any other. The policy lives in the one worker
 * shell, so every entry (the broker's own, @pkg/core's bundled ones) gets it: a bundled entry once went without it
 * and its PostgreSQL source crashed under a server restart.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';

it('ignores an unobserved lost-connection rejection, and dies of any other', async () => {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./fixtures/unobserved-rejections.mjs', import.meta.url), {
    workerData: { port: port2 },
    transferList: [port2],
  });
  const died = new Promise<Error>((resolve) => worker.once('error', resolve));
  const first = await Promise.race([
    new Promise((resolve) => port1.once('message', resolve)),
    died.then((e) => `died: ${e.message}`),
  ]);
  expect(first).toBe('alive after a lost connection');
  port1.postMessage('now fail');
  expect((await died).message).toBe('a bug, not a connection');
  port1.close();
  await worker.terminate();
}, 10_000);
