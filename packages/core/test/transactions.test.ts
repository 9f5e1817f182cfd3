/** Transactions, the same on every engine (describeEngines): commit, rollback, one source only, a failed statement. */
import { CrossSourceTransactionError, DatabaseWrapper } from '@pkg/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

describeEngines('db.transaction({ chatId }, fn)', (h) => {
  let db: DatabaseWrapper;
  beforeAll(() => {
    db = new DatabaseWrapper({
      config: {
        default: 'primary',
        sources: { primary: h.fresh('tx-primary'), second: h.fresh('tx-second') },
        chatMapping: { '200': 'second' },
      },
    });
  });
  afterAll(async () => {
    await db.close();
  });

  it('commits every write together when the callback resolves', async () => {
    const result = await db.transaction({ chatId: 100 }, async (tx) => {
      expect(tx.source).toBe('primary');
      await tx.updateChatUser({ chatId: 100, userId: 1, username: '@a', fullName: 'A' });
      await tx.saveChatMessage({ date: '2025-01-01 00:00:01', chatId: 100, userId: 1, messageId: 1 });
      return (await tx.getChatUser({ chatId: 100, userId: 1 }))?.messages_count;
    });
    expect(result).toBe(1);
    expect((await db.getChatUser({ chatId: 100, userId: 1 }))?.messages_count).toBe(1);
  });

  it('rolls every write back when the callback throws', async () => {
    await expect(
      db.transaction({ chatId: 100 }, async (tx) => {
        await tx.setChatSetting({ chatId: 100, key: 'temp', value: '1' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.getChatSetting({ chatId: 100, setting: 'temp' })).toBeNull();
  });

  it('refuses a call that would reach another source, and rolls back', async () => {
    await expect(
      db.transaction({ chatId: 100 }, async (tx) => {
        await tx.setChatSetting({ chatId: 100, key: 'x', value: '1' });
        await tx.setChatSetting({ chatId: 200, key: 'x', value: '1' });
      }),
    ).rejects.toBeInstanceOf(CrossSourceTransactionError);
    expect(await db.getChatSetting({ chatId: 100, setting: 'x' })).toBeNull();
    expect(await db.getChatSetting({ chatId: 200, setting: 'x' })).toBeNull();
  });

  it('a failing statement inside the transaction rolls back the earlier ones', async () => {
    await db.updateChatUser({ chatId: 300, userId: 1, username: '@a', fullName: 'A' });
    await db.saveChatMessage({ date: '2025-01-01 00:00:01', chatId: 300, userId: 1, messageId: 'dup' });
    await expect(
      db.transaction({ chatId: 300 }, async (tx) => {
        await tx.setChatSetting({ chatId: 300, key: 'y', value: '1' });
        await tx.saveChatMessage({ date: '2025-01-01 00:00:02', chatId: 300, userId: 1, messageId: 'dup' });
      }),
    ).rejects.toMatchObject({ code: 'QUERY_FAILED', details: { constraint: true } });
    expect(await db.getChatSetting({ chatId: 300, setting: 'y' })).toBeNull();
    expect((await db.getChatUser({ chatId: 300, userId: 1 }))?.messages_count).toBe(1);
  });

  it('a caught failure leaves the transaction usable: what came before and after it commits', async () => {
    await db.saveChatMessage({ date: '2025-01-01 00:00:01', chatId: 400, userId: 1, messageId: 'dup' });
    await db.transaction({ chatId: 400 }, async (tx) => {
      await tx.setChatSetting({ chatId: 400, key: 'before', value: '1' });
      await expect(
        tx.saveChatMessage({ date: '2025-01-01 00:00:02', chatId: 400, userId: 1, messageId: 'dup' }),
      ).rejects.toMatchObject({ code: 'QUERY_FAILED', details: { constraint: true } });
      await tx.setChatSetting({ chatId: 400, key: 'after', value: '2' });
    });
    expect(await db.getChatSetting({ chatId: 400, setting: 'before' })).toBe('1');
    expect(await db.getChatSetting({ chatId: 400, setting: 'after' })).toBe('2');
  });
});
