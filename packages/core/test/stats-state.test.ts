/**
 * `db.stats()[source].state` as the API reference states it: `not started` while no worker has the
 * source open (before its first call: workers are lazy; after an idle stop), `running` once one has,
 * `unavailable` when it could not open.
 */
import path from 'node:path';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';

let dir: TempDir;
let db: DatabaseWrapper | undefined;
beforeEach(() => {
  dir = createTempDir('core-stats-state-');
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  dir.cleanup();
});

const quiet = { warn: () => undefined };

it('is not started before the first call (no worker yet), running after it', async () => {
  db = new DatabaseWrapper({ dbPath: dir.file('bot.db'), logger: quiet });
  expect((await db.stats()).default?.state).toBe('not started');
  await db.getChatSettings({ chatId: 1 });
  expect((await db.stats()).default?.state).toBe('running');
});

it('is not started again once an idle worker has stopped', async () => {
  db = new DatabaseWrapper({ dbPath: dir.file('bot.db'), logger: quiet, broker: { stopIdleWorkerAfterMs: 100 } });
  await db.getChatSettings({ chatId: 1 });
  // Bounded wait for the idle stop (generous: a busy machine may delay the timer).
  const deadline = Date.now() + 30_000;
  let state = (await db.stats()).default?.state;
  while (state !== 'not started' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    state = (await db.stats()).default?.state;
  }
  expect(state).toBe('not started');
}, 60_000);

it('is unavailable when the source could not open', async () => {
  const missing = path.join(dir.path, 'missing.db');
  db = new DatabaseWrapper({
    config: { default: 'archive', sources: { archive: { path: missing, readonly: true } } },
    logger: quiet,
  });
  await expect(db.getChatSettings({ chatId: 1 })).rejects.toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
  expect((await db.stats()).archive?.state).toBe('unavailable');
});
