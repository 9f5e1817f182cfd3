/**
 * What a bot meets every day, on each engine: a re-delivered update (saveChatMessageIfNew stores it once and
 * counts it once), an edited message (updateChatMessageText), and messages sent in the same second (newest
 * first really is newest first, comparing ids as numbers).
 */
import { type DatabaseConfigInput, DatabaseError, DatabaseWrapper } from '@pkg/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

type SourceConfig = DatabaseConfigInput['sources'][string];

const CHAT = -1001;
const ARCHIVED = -2002;
const SECOND = '2025-03-01 12:00:00';

describeEngines('re-deliveries, edits and same-second messages', (h) => {
  let db: DatabaseWrapper;
  let n = 0;
  let archive: SourceConfig;
  let main: SourceConfig;

  beforeEach(async () => {
    const label = `redeliver-${++n}`;
    // The archive exists (schema created) before it is opened readonly.
    archive = h.fresh(`${label}-archive`);
    main = h.fresh(label);
    const writer = new DatabaseWrapper({ config: { default: 'main', sources: { main: archive } } });
    await writer.ready();
    await writer.close();
    db = new DatabaseWrapper({
      config: {
        default: 'main',
        sources: { main, archive: { ...archive, readonly: true } },
        chatMapping: { [ARCHIVED]: 'archive' },
      },
    });
    await db.updateChatUser({ chatId: CHAT, userId: 7, username: 'ann', fullName: 'Ann' });
  });
  afterEach(() => db.close());

  const message = (messageId: number | string, date = SECOND) => ({
    chatId: CHAT,
    userId: 7,
    messageId,
    date,
    messageText: `m${messageId}`,
  });

  /** The three counters a message bumps (raw SQL: the same text on both engines, no parameters). */
  async function counters() {
    const [chatDay] = (await db.query({
      sql: `SELECT messages_count FROM chat_stats WHERE chat_id = ${CHAT}`,
      chatId: CHAT,
    })) as Array<{ messages_count: number }>;
    const [userDay] = (await db.query({
      sql: `SELECT messages_count FROM chat_user_stats WHERE chat_id = ${CHAT} AND user_id = 7`,
      chatId: CHAT,
    })) as Array<{ messages_count: number }>;
    const user = await db.getChatUser({ chatId: CHAT, userId: 7 });
    return { user: user?.messages_count, chatDay: chatDay?.messages_count, userDay: userDay?.messages_count };
  }

  it('saveChatMessageIfNew stores a message once; a re-delivery resolves false and counts nothing', async () => {
    expect(await db.saveChatMessageIfNew(message(1))).toBe(true);
    expect(await counters()).toEqual({ user: 1, chatDay: 1, userDay: 1 });
    const again = { ...message(1), messageText: 'changed on the way' };
    expect(await db.saveChatMessageIfNew(again)).toBe(false);
    expect(await counters()).toEqual({ user: 1, chatDay: 1, userDay: 1 });
    expect((await db.getChatMessageByMessageId({ chatId: CHAT, messageId: 1 }))?.message_text).toBe('m1');
    // saveChatMessage itself still refuses a duplicate, as the bot's does.
    await expect(db.saveChatMessage(message(1))).rejects.toMatchObject({ code: 'QUERY_FAILED' });
  });

  it('concurrent deliveries of one update: exactly one stores it, counted once', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => db.saveChatMessageIfNew(message(5))));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await counters()).toEqual({ user: 1, chatDay: 1, userDay: 1 });
  });

  it('two bot processes (two wrappers, own workers and connections) delivering one update: one stores it', async () => {
    const other = new DatabaseWrapper({ config: { default: 'main', sources: { main } } });
    try {
      for (let id = 20; id < 30; id++) {
        const answers = await Promise.all([db, other, db, other].map((w) => w.saveChatMessageIfNew(message(id))));
        expect(answers.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      await other.close();
    }
    expect(await counters()).toEqual({ user: 10, chatDay: 10, userDay: 10 });
  });

  it('tx.saveChatMessageIfNew and tx.updateChatMessageText run inside a transaction and roll back with it', async () => {
    await expect(
      db.transaction({ chatId: CHAT }, async (tx) => {
        expect(await tx.saveChatMessageIfNew(message(8))).toBe(true);
        expect(await tx.saveChatMessageIfNew(message(8))).toBe(false);
        expect(await tx.updateChatMessageText({ chatId: CHAT, messageId: 8, messageText: 'edited' })).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.getChatMessageByMessageId({ chatId: CHAT, messageId: 8 })).toBeNull();
    expect(await counters()).toEqual({ user: 0, chatDay: undefined, userDay: undefined });
    await db.transaction({ chatId: CHAT }, async (tx) => {
      expect(await tx.saveChatMessageIfNew(message(8))).toBe(true);
    });
    expect(await counters()).toEqual({ user: 1, chatDay: 1, userDay: 1 });
  });

  it('updateChatMessageText stores the edited text; false when the chat has no such message', async () => {
    await db.saveChatMessage(message(3));
    expect(await db.updateChatMessageText({ chatId: CHAT, messageId: 3, messageText: 'fixed typo' })).toBe(true);
    expect((await db.getChatMessageByMessageId({ chatId: CHAT, messageId: '3' }))?.message_text).toBe('fixed typo');
    expect(await db.updateChatMessageText({ chatId: CHAT, messageId: 4, messageText: 'x' })).toBe(false);
    expect(await db.updateChatMessageText({ chatId: CHAT + 1, messageId: 3, messageText: 'x' })).toBe(false);
    expect(await counters()).toEqual({ user: 1, chatDay: 1, userDay: 1 });
  });

  it('both are chat-scoped writes: a readonly chat refuses them, bad arguments are INVALID_ARGUMENT', async () => {
    const archived = { ...message(1), chatId: ARCHIVED };
    await expect(db.saveChatMessageIfNew(archived)).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
    await expect(db.updateChatMessageText({ chatId: ARCHIVED, messageId: 1, messageText: 'x' })).rejects.toMatchObject({
      code: 'READONLY_SOURCE',
    });
    const refusals: Array<[Promise<boolean>, string]> = [
      [db.updateChatMessageText({ chatId: CHAT, messageId: 1 } as never), 'messageText'],
      [db.updateChatMessageText({ chatId: CHAT, messageId: '', messageText: 'x' }), 'messageId'],
      [
        db.updateChatMessageText({ chatId: CHAT, messageId: 1, messageText: 'x', dataSource: 'main' } as never),
        'dataSource',
      ],
      [db.saveChatMessageIfNew({ ...message(1), date: 'yesterday' }), 'date'],
      [db.saveChatMessageIfNew({ ...message(1), text: 'x' } as never), 'text'],
    ];
    for (const [call, argument] of refusals) {
      const e = await call.then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(DatabaseError);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { argument } });
    }
  });

  it("a transaction touching another source says so in the engine's terms", async () => {
    const e = await db
      .transaction({ chatId: CHAT }, (tx) => tx.getChatInfo({ chatId: ARCHIVED }))
      .then(
        () => null,
        (err: unknown) => err as DatabaseError,
      );
    expect(e).toMatchObject({ code: 'CROSS_SOURCE_TRANSACTION' });
    expect(e?.message).toContain('one SQLite file, or one PostgreSQL schema');
  });

  it('same-second messages come newest first by numeric id, and oldest first in a thread', async () => {
    for (const id of [999, 1000, 998]) await db.saveChatMessage({ ...message(id), rootMessageId: 1 });
    await db.saveChatMessage(message(2, '2025-03-01 11:59:59'));
    const ids = (rows: Array<{ message_id: string }>) => rows.map((r) => r.message_id);
    expect(ids(await db.getChatMessagesSince({ chatId: CHAT, limit: 1 }))).toEqual(['1000']);
    expect(ids(await db.getChatMessagesSince({ chatId: CHAT }))).toEqual(['1000', '999', '998', '2']);
    expect(ids(await db.getChatMessagesByUser({ chatId: CHAT, userId: 7, limit: 2 }))).toEqual(['1000', '999']);
    expect(ids(await db.getChatMessagesByRootId({ chatId: CHAT, rootMessageId: 1 }))).toEqual(['998', '999', '1000']);
  });
});
