/**
 * Exact counters under concurrent writers, on every engine: three wrappers (three bot processes: their own
 * brokers, workers and connections) save messages into the same chats of one database at once. Each message
 * bumps its user's messages_count in the same write; none may be lost or counted
 * twice, and a redelivered message (saveChatMessageIfNew) counts once whoever delivers it.
 */
import { type DatabaseConfigInput, DatabaseWrapper } from '@pkg/core';
import { afterEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

type SourceConfig = DatabaseConfigInput['sources'][string];

const CHATS = [-1001, -1002];
const USERS = [7, 8, 9];
const PER_PROCESS = 60;
const DAY = Date.UTC(2025, 2, 3, 12, 0, 0);

describeEngines('exact counters under concurrent writers', (h) => {
  const opened: DatabaseWrapper[] = [];
  let n = 0;
  const processes = (source: SourceConfig, count: number) =>
    Array.from({ length: count }, () => {
      const db = new DatabaseWrapper({ config: { default: 'main', sources: { main: source } } });
      opened.push(db);
      return db;
    });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('three processes saving into the same chats at once: every messages_count and every message is there', async () => {
    const source = h.fresh(`counters-${++n}`);
    const dbs = processes(source, 3);
    for (const chatId of CHATS) {
      await (dbs[0] as DatabaseWrapper).updateChatInfo({ chatId, type: 'group', title: `chat ${chatId}` });
      for (const userId of USERS) {
        await (dbs[0] as DatabaseWrapper).updateChatUser({ chatId, userId, username: `@u${userId}`, fullName: 'U' });
      }
    }
    const expected = new Map<string, number>();
    const writes: Promise<unknown>[] = [];
    dbs.forEach((db, p) => {
      for (let i = 0; i < PER_PROCESS; i++) {
        const chatId = CHATS[i % CHATS.length] as number;
        const userId = USERS[(i + p) % USERS.length] as number;
        const key = `${chatId}/${userId}`;
        expected.set(key, (expected.get(key) ?? 0) + 1);
        const date = new Date(DAY + (p * PER_PROCESS + i) * 1000);
        writes.push(db.saveChatMessage({ date, chatId, userId, messageId: `p${p}-${i}`, messageText: `m${i}` }));
      }
    });
    expect((await Promise.allSettled(writes)).filter((r) => r.status === 'rejected')).toEqual([]);

    const reader = dbs[1] as DatabaseWrapper;
    for (const chatId of CHATS) {
      for (const userId of USERS) {
        const user = await reader.getChatUser({ chatId, userId });
        expect(user?.messages_count, `${chatId}/${userId}`).toBe(expected.get(`${chatId}/${userId}`) ?? 0);
      }
      const messages = await reader.getChatMessagesSince({ chatId });
      expect(messages).toHaveLength((PER_PROCESS * dbs.length) / CHATS.length);
    }
  });

  it('one message delivered to three processes at once is saved and counted once', async () => {
    const source = h.fresh(`redelivered-${++n}`);
    const dbs = processes(source, 3);
    const chatId = CHATS[0] as number;
    const userId = USERS[0] as number;
    await (dbs[0] as DatabaseWrapper).updateChatUser({ chatId, userId, username: '@u', fullName: 'U' });
    const deliveries = [];
    for (let m = 0; m < 20; m++) {
      const date = new Date(DAY + m * 1000);
      for (const db of dbs) {
        deliveries.push(db.saveChatMessageIfNew({ date, chatId, userId, messageId: `m${m}`, messageText: `t${m}` }));
      }
    }
    const saved = await Promise.all(deliveries);
    // Each message is new for exactly one of its three deliveries.
    expect(saved.filter((s) => s === true)).toHaveLength(20);
    const user = await (dbs[2] as DatabaseWrapper).getChatUser({ chatId, userId });
    expect(user?.messages_count).toBe(20);
  });
});
