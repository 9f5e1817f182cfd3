/**
 * A server engine's worker outlives a rejection nobody observed when its runner calls it a lost connection (a
 * driver's connection attempt during an outage), and still dies of any other. The policy lives in the one worker
 * shell, so every entry (the broker's own, @pkg/core's bundled ones) gets it: a bundled entry once went without it
 * and its PostgreSQL source crashed under a server restart.
 */
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';

it('ignores an unobserved lost-connection rejection, and dies of any other', async () => {
  const worker = new Worker(new URL('./fixtures/unobserved-rejections.mjs', import.meta.url));
  const messages: unknown[] = [];
  worker.on('message', (m) => messages.push(m));
  const died = await new Promise<Error>((resolve) => worker.once('error', resolve));
  expect(messages).toEqual(['alive after a lost connection']);
  expect(died.message).toBe('a bug, not a connection');
  await worker.terminate();
}, 10_000);
