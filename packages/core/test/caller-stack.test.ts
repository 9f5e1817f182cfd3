/**
 * A failed call's stack shows the bot's own code: the error revived from the worker is given a stack
 * captured in the call's rejection handler, where V8's async stack trace reaches the functions that
 * awaited the call.
 */
import { DatabaseError, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

let dir: TempDir;
let db: DatabaseWrapper;
const message = { chatId: 1, userId: 7, messageId: 1, date: '2025-03-01 12:00:00' };

beforeAll(async () => {
  dir = createTempDir('core-stack-');
  db = new DatabaseWrapper({ config: { default: 'main', sources: { main: { path: dir.file('bot.db') } } } });
  await db.saveChatMessage(message);
});
afterAll(async () => {
  await db.close();
  dir.cleanup();
});

async function failure(call: () => Promise<unknown>): Promise<DatabaseError> {
  const e = await call().then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DatabaseError);
  return e as DatabaseError;
}

it("a failed saveChatMessage (a worker's error) has the awaiting bot function on its stack", async () => {
  async function botStoresTheMessageAgain() {
    await db.saveChatMessage(message);
  }
  const e = await failure(botStoresTheMessageAgain);
  expect(e.code).toBe('QUERY_FAILED');
  expect(e.stack).toContain('botStoresTheMessageAgain');
  expect(e.stack?.startsWith(`QueryFailedError: ${e.message}`)).toBe(true);
});

it('so do failed reads, cross-source reads and calls through a transaction', async () => {
  async function botReadsOnTheClosedWrapper(other: DatabaseWrapper) {
    await other.getChatMessagesSince({ chatId: 1 });
  }
  async function botListsChats(other: DatabaseWrapper) {
    await other.getUserChats({ userId: 7 });
  }
  async function botWritesInATransaction() {
    await db.transaction({ chatId: 1 }, async (tx) => {
      await tx.saveChatMessage(message);
    });
  }
  const other = new DatabaseWrapper({ dbPath: dir.file('other.db') });
  await other.close();
  expect((await failure(() => botReadsOnTheClosedWrapper(other))).stack).toContain('botReadsOnTheClosedWrapper');
  expect((await failure(() => botListsChats(other))).stack).toContain('botListsChats');
  expect((await failure(botWritesInATransaction)).stack).toContain('botWritesInATransaction');
});
