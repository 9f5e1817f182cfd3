/**
 * `broker.spinUs` on every engine: a SQLite worker polls its data port, a server engine's worker keeps its event
 * loop turning (its answers come on sockets). Either must change nothing but the timing: answers in order one at a
 * time and many at once, a transaction, the control plane (stats) and close, which must not wait for a spin.
 */
import { DatabaseWrapper } from '@pkg/core';
import { afterEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

const CHAT = -1009;
const DAY = Date.UTC(2025, 2, 3, 12, 0, 0);

describeEngines('a source whose worker spins (broker.spinUs)', (h) => {
  const opened: DatabaseWrapper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });

  it('answers one call at a time and 64 at once, runs a transaction, serves stats and closes', async () => {
    const db = new DatabaseWrapper({
      config: { default: 'main', sources: { main: h.fresh('spin') } },
      broker: { spinUs: 1_000 },
    });
    opened.push(db);
    await db.updateChatInfo({ chatId: CHAT, type: 'group', title: 'spin' });
    await db.updateChatUser({ chatId: CHAT, userId: 7, username: '@u7', fullName: 'U' });
    // One in flight: each next call arrives while the worker still spins after the previous answer.
    for (let i = 0; i < 40; i++) {
      await db.saveChatMessage({
        date: new Date(DAY + i * 1000),
        chatId: CHAT,
        userId: 7,
        messageId: i,
        messageText: `m${i}`,
      });
      const row = await db.getChatMessageByMessageId({ chatId: CHAT, messageId: i });
      expect(row?.message_text).toBe(`m${i}`);
    }
    const many = await Promise.all(
      Array.from({ length: 64 }, (_, i) => db.getChatMessageByMessageId({ chatId: CHAT, messageId: i % 40 })),
    );
    expect(many.map((r) => r?.message_text)).toEqual(Array.from({ length: 64 }, (_, i) => `m${i % 40}`));
    await db.transaction({ chatId: CHAT }, async (tx) => {
      await tx.saveChatMessage({ date: new Date(DAY), chatId: CHAT, userId: 7, messageId: 40, messageText: 'in tx' });
      expect((await tx.getChatMessageByMessageId({ chatId: CHAT, messageId: 40 }))?.message_text).toBe('in tx');
    });
    const user = await db.getChatUser({ chatId: CHAT, userId: 7 });
    expect(user?.messages_count).toBe(41);
    expect((await db.stats()).main?.calls).toBeGreaterThanOrEqual(148);
    await db.close();
    opened.length = 0;
  }, 60_000);
});
