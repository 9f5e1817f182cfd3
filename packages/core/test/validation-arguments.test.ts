/**
 * Issue #9, "Bad arguments": every public call refuses bad input with INVALID_ARGUMENT naming the
 * method, the argument and what it expects, before anything reaches a worker. Real files, real workers.
 */
import { DatabaseError, DatabaseWrapper, MAX_LIMIT } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Calls `call`, asserting it does not throw synchronously, and returns the rejection (or fails). */
async function refusal(call: () => unknown): Promise<DatabaseError> {
  let promise: unknown;
  try {
    promise = call();
  } catch (e) {
    throw new Error(`threw synchronously instead of rejecting: ${String(e)}`);
  }
  expect(promise).toBeInstanceOf(Promise);
  try {
    const value = await promise;
    throw new Error(`resolved with ${JSON.stringify(value)} instead of rejecting`);
  } catch (e) {
    if (!(e instanceof DatabaseError)) throw new Error(`rejected with an untyped error: ${String(e)}`);
    return e;
  }
}

/** The call is refused with INVALID_ARGUMENT naming `op` and `arg` (and the message says both). */
async function refused(call: () => unknown, op: string, arg: string, says?: RegExp): Promise<DatabaseError> {
  const e = await refusal(call);
  expect(e.code, e.message).toBe('INVALID_ARGUMENT');
  expect(e.details).toMatchObject({ operation: op, argument: arg });
  expect(e.message).toContain(`${op}: argument "${arg}"`);
  if (says) expect(e.message).toMatch(says);
  return e;
}

const CHAT = -1001;
const msg = (over: Record<string, unknown>) => ({
  date: '2025-01-01 10:00:00',
  chatId: CHAT,
  userId: 7,
  messageId: 1,
  messageText: 'hi',
  ...over,
});

describe('bad arguments are refused at the API boundary', () => {
  let dir: TempDir;
  let db: DatabaseWrapper;
  beforeAll(async () => {
    dir = createTempDir('core-validation-');
    db = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    await db.updateChatUser({ chatId: CHAT, userId: 7, username: '@u', fullName: 'U' });
  });
  afterAll(async () => {
    await db.close();
    dir.cleanup();
  });

  const count = async (where = '1') =>
    ((await db.query({ sql: `SELECT count(*) AS n FROM chat_messages WHERE ${where}` })) as Array<{ n: number }>)[0]?.n;

  it('never throws synchronously: missing or null argument objects are rejected promises', async () => {
    const anyDb = db as unknown as Record<string, (...a: unknown[]) => unknown>;
    await refused(() => anyDb.saveChatMessage?.(), 'saveChatMessage', 'args', /one object of named arguments/);
    await refused(() => anyDb.getChatUser?.(), 'getChatUser', 'args');
    await refused(() => anyDb.getSettings?.(null), 'getSettings', 'args');
    await refused(() => anyDb.getSpamMessages?.(null), 'getSpamMessages', 'args');
    await refused(() => anyDb.getChatInfo?.([CHAT]), 'getChatInfo', 'args');
    await refused(() => anyDb.transaction?.({}, 5), 'transaction', 'fn', /must be a function/);
    await refused(() => anyDb.transaction?.(undefined, async () => 1), 'transaction', 'scope');
    await refused(() => anyDb.transaction?.({ chatid: CHAT }, async () => 1), 'transaction', 'chatid', /"chatId"/);
    const ctor = DatabaseWrapper as unknown as new (o?: unknown) => DatabaseWrapper;
    expect(() => new ctor()).toThrow(DatabaseError);
    try {
      new ctor({ dbpath: dir.file('x.db') });
    } catch (e) {
      expect((e as DatabaseError).code).toBe('INVALID_ARGUMENT');
      expect((e as DatabaseError).message).toMatch(/Did you mean "dbPath"/);
    }
    expect(() => new ctor({ dbpath: dir.file('x.db') })).toThrow(DatabaseError);
  });

  it('a getter that throws while the arguments are read is INVALID_ARGUMENT, not the raw error', async () => {
    const args = {
      chatId: CHAT,
      get userId(): number {
        throw new TypeError('boom');
      },
    };
    await refused(() => db.getChatUser(args), 'getChatUser', 'args', /could not be read: boom/);
  });

  it('booleans are booleans: isSpammer "false" does not mark a spammer', async () => {
    const bad = { chatId: CHAT, userId: 7, isSpammer: 'false' } as unknown as {
      chatId: number;
      userId: number;
      isSpammer: boolean;
    };
    await refused(() => db.markUserIsSpammer(bad), 'markUserIsSpammer', 'isSpammer', /boolean/);
    expect((await db.getChatUser({ chatId: CHAT, userId: 7 }))?.is_spammer).toBe(false);
    await refused(
      () => db.updateChatInfo({ chatId: CHAT, type: 'group', isForum: 1 as unknown as boolean }),
      'updateChatInfo',
      'isForum',
    );
    await refused(
      () => db.updateDelayedTask({ id: 't', isDone: 'yes' as unknown as boolean }),
      'updateDelayedTask',
      'isDone',
    );
  });

  it('integers: chatId, userId, threadId, topicId must be safe integers', async () => {
    for (const bad of [2 ** 60, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'abc', '5', 5n, true]) {
      await refused(
        () => db.getChatUser({ chatId: bad as number, userId: 7 }),
        'getChatUser',
        'chatId',
        /safe integer/,
      );
      await refused(() => db.getChatUser({ chatId: CHAT, userId: bad as number }), 'getChatUser', 'userId');
    }
    await refused(() => db.saveChatMessage(msg({ threadId: 1.5 }) as never), 'saveChatMessage', 'threadId');
    await refused(
      () =>
        db.addChatSummarization({
          chatId: CHAT,
          topicId: 2.5,
          firstMessageId: 1,
          lastMessageId: 2,
          prompt: 'p',
          summary: 's',
        }),
      'addChatSummarization',
      'topicId',
    );
    await refused(
      () => db.updateChatTopicInfo({ chatId: CHAT, topicId: Number.NaN }),
      'updateChatTopicInfo',
      'topicId',
    );
    expect(await count('thread_id = 1.5')).toBe(0);
    expect(
      await db
        .getChatSummarization({ chatId: CHAT, topicId: 2.5, firstMessageId: 1, lastMessageId: 2, prompt: 'p' })
        .catch((e) => e.code),
    ).toBe('INVALID_ARGUMENT');
  });

  it('-0 is normalised to 0 (stored as the integer 0)', async () => {
    await db.updateChatUser({ chatId: -0, userId: -0, username: '@z', fullName: 'Z' });
    expect(await db.getChatUser({ chatId: 0, userId: 0 })).toMatchObject({ chat_id: 0, user_id: 0 });
    const rows = await db.query({ sql: 'SELECT typeof(chat_id) AS t, chat_id FROM chat_users WHERE user_id = 0' });
    expect(rows).toEqual([{ t: 'integer', chat_id: 0 }]);
  });

  it(`limit is a whole number from 1 to ${MAX_LIMIT} on every method (-1 no longer returns every row)`, async () => {
    for (let i = 0; i < 3; i++) await db.saveChatMessage(msg({ messageId: 100 + i }) as never);
    for (const bad of [-1, 0, 1.5, MAX_LIMIT + 1, Number.POSITIVE_INFINITY, '10']) {
      await refused(
        () => db.getChatMessagesByUser({ chatId: CHAT, userId: 7, limit: bad as number }),
        'getChatMessagesByUser',
        'limit',
      );
      await refused(
        () => db.getChatMessagesSince({ chatId: CHAT, limit: bad as number }),
        'getChatMessagesSince',
        'limit',
      );
      await refused(() => db.getChatUsers({ chatId: CHAT, limit: bad as number }), 'getChatUsers', 'limit');
      await refused(() => db.getSpamMessages({ limit: bad as number }), 'getSpamMessages', 'limit');
    }
    expect(await db.getChatMessagesByUser({ chatId: CHAT, userId: 7, limit: 2 })).toHaveLength(2);
    expect(
      (await db.getChatMessagesByUser({ chatId: CHAT, userId: 7, limit: MAX_LIMIT })).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('texts are strings: a number or a Buffer is refused, not stored as "5.0" or a BLOB', async () => {
    const before = await count();
    await refused(
      () => db.saveChatMessage(msg({ messageId: 200, messageText: 5 }) as never),
      'saveChatMessage',
      'messageText',
      /String\(value\)/,
    );
    await refused(
      () => db.saveChatMessage(msg({ messageId: 201, messageText: Buffer.from('x') }) as never),
      'saveChatMessage',
      'messageText',
      /Buffer/,
    );
    await refused(
      () => db.saveChatMessage(msg({ messageId: 202, quoteText: 5 }) as never),
      'saveChatMessage',
      'quoteText',
    );
    await refused(
      () => db.saveChatMessage(msg({ messageId: 203, mediaId: {} }) as never),
      'saveChatMessage',
      'mediaId',
    );
    await refused(
      () => db.updateChatInfo({ chatId: CHAT, type: 'group', title: 5 as unknown as string }),
      'updateChatInfo',
      'title',
    );
    await refused(
      () => db.updateChatTopicInfo({ chatId: CHAT, topicId: 1, topicName: 5 as unknown as string }),
      'updateChatTopicInfo',
      'topicName',
    );
    await refused(
      () => db.setChatSetting({ chatId: CHAT, key: 'k', value: 'half \uD800 pair' }),
      'setChatSetting',
      'value',
      /lone surrogate/,
    );
    expect(await count()).toBe(before);
  });

  it('timestamps: impossible dates and years outside 1..9999 are refused; early years are padded', async () => {
    const bad = [
      '2024-13-45 99:99:99',
      '2024-02-30',
      '2023-02-29 00:00:00',
      '2024-01-01 24:00:00',
      '0000-01-01 00:00:00',
      '10000-01-01 00:00:00',
      'yesterday',
      '2024-01-01 10:00',
      new Date(Number.NaN),
      new Date(Date.UTC(10000, 0, 1)),
      1_700_000_000,
    ];
    for (const date of bad) {
      await refused(
        () => db.saveChatMessage(msg({ messageId: 300, date }) as never),
        'saveChatMessage',
        'date',
        /YYYY-MM-DD HH:MM:SS/,
      );
      await refused(
        () => db.getChatMessagesSince({ chatId: CHAT, sinceDateTime: date as string }),
        'getChatMessagesSince',
        'sinceDateTime',
      );
      await refused(
        () => db.getChatMessagesSince({ chatId: CHAT, tillDateTime: date as string }),
        'getChatMessagesSince',
        'tillDateTime',
      );
      await refused(() => db.getChatUsers({ chatId: CHAT, seenSince: date as string }), 'getChatUsers', 'seenSince');
    }
    expect(await count('message_id = 300')).toBe(0);
    // Accepted forms, all stored as UTC text.
    const early = new Date(0);
    early.setUTCFullYear(5, 0, 2);
    await db.saveChatMessage(msg({ messageId: 301, date: early }) as never);
    await db.saveChatMessage(msg({ messageId: 302, date: '2024-02-29T23:30:00+02:00' }) as never);
    await db.saveChatMessage(msg({ messageId: 303, date: '2024-03-01T00:00:00.999Z' }) as never);
    const rows = (await db.query({
      sql: "SELECT message_id, date FROM chat_messages WHERE message_id IN ('301', '302', '303') ORDER BY date",
    })) as Array<{ message_id: string; date: string }>;
    expect(rows).toEqual([
      { message_id: '301', date: '0005-01-02 00:00:00' },
      { message_id: '302', date: '2024-02-29 21:30:00' },
      { message_id: '303', date: '2024-03-01 00:00:00' },
    ]);
    const since = await db.getChatMessagesSince({
      chatId: CHAT,
      sinceDateTime: '0001-01-01',
      tillDateTime: '1000-01-01',
    });
    expect(since.map((m) => m.message_id)).toEqual(['301']);
  });

  it('message ids: numbers beyond 2**53 − 1 are refused, strings kept as given, bigints stored exactly', async () => {
    await refused(
      () => db.saveChatMessage(msg({ messageId: 2 ** 60 }) as never),
      'saveChatMessage',
      'messageId',
      /string or a bigint/,
    );
    await refused(
      () => db.getChatMessageByMessageId({ chatId: CHAT, messageId: 2 ** 60 }),
      'getChatMessageByMessageId',
      'messageId',
    );
    await refused(() => db.saveChatMessage(msg({ messageId: 1.5 }) as never), 'saveChatMessage', 'messageId');
    await refused(
      () => db.saveChatMessage(msg({ messageId: 400, replyId: 2 ** 54 }) as never),
      'saveChatMessage',
      'replyId',
    );
    const big = '1152921504606846977';
    await db.saveChatMessage(msg({ messageId: big }) as never);
    expect((await db.getChatMessageByMessageId({ chatId: CHAT, messageId: big }))?.message_id).toBe(big);
    await db.saveChatMessage(msg({ messageId: 2n ** 64n + 1n }) as never);
    expect((await db.getChatMessageByMessageId({ chatId: CHAT, messageId: '18446744073709551617' }))?.message_id).toBe(
      '18446744073709551617',
    );
  });

  it('enumerations, lists and unknown argument names are refused with the closest valid name', async () => {
    await refused(
      () => db.getChatMessagesSince({ chatId: CHAT, messageCategory: 'user' as never }),
      'getChatMessagesSince',
      'messageCategory',
      /wrap it in a list: \["user"\]/,
    );
    await refused(
      () => db.getChatMessagesSince({ chatId: CHAT, messageCategory: ['usr'] as never }),
      'getChatMessagesSince',
      'messageCategory[0]',
      /Did you mean "user"/,
    );
    // An empty list is a valid filter that matches nothing, as the bot's `IN ()`.
    expect(await db.getChatMessagesSince({ chatId: CHAT, messageCategory: [], limit: 1 })).toHaveLength(0);
    await refused(
      () => db.saveChatMessage(msg({ messageId: 500, messagetext: 'typo' }) as never),
      'saveChatMessage',
      'messagetext',
      /Did you mean "messageText"/,
    );
    await refused(
      () => db.getChatUser({ chat_id: CHAT, userId: 7 } as never),
      'getChatUser',
      'chat_id',
      /Did you mean "chatId"/,
    );
    // A name carried over from the sibling method: setChatSetting / unsetChatSetting take `key`.
    await refused(
      () => db.getChatSetting({ chatId: CHAT, key: 'model' } as never),
      'getChatSetting',
      'key',
      /Did you mean "setting"/,
    );
    await refused(
      () => db.unsetChatSetting({ chatId: CHAT, setting: 'model' } as never),
      'unsetChatSetting',
      'setting',
      /Did you mean "key"/,
    );
    await refused(
      () =>
        db.addSpamMessage({
          chatId: CHAT,
          userId: 7,
          messageId: 1,
          messageText: 't',
          spamReason: 'auot' as never,
          score: 1,
        }),
      'addSpamMessage',
      'spamReason',
      /Did you mean "auto"/,
    );
    await refused(
      () => db.saveChatMessage(msg({ messageId: 501, messageType: 'photo' }) as never),
      'saveChatMessage',
      'messageType',
    );
    await refused(
      () => db.getCacheEntry({ key: 'k', cacheType: 'wether' as never }),
      'getCacheEntry',
      'cacheType',
      /"weather"/,
    );
    await refused(() => db.getSettings({ __proto__: null, constructor: 1 } as never), 'getSettings', 'constructor');
    expect(await count('message_id IN (500, 501)')).toBe(0);
  });

  it('dataSource: refused on chat writes as before; "" on a read means none', async () => {
    await refused(
      () => db.saveChatMessage(msg({ messageId: 600, dataSource: 'default' }) as never),
      'saveChatMessage',
      'dataSource',
      /not accepted by writes/,
    );
    expect(await db.getChatUser({ chatId: CHAT, userId: 7, dataSource: '' })).toMatchObject({ user_id: 7 });
    await refused(
      () => db.getChatUser({ chatId: CHAT, userId: 7, dataSource: 5 as never }),
      'getChatUser',
      'dataSource',
    );
  });

  it('routeFor (synchronous) throws INVALID_ARGUMENT for bad input, never a raw TypeError', () => {
    const thrown = (req: unknown) => {
      try {
        db.routeFor(req as never);
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(thrown(null)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { operation: 'routeFor', argument: 'req' },
    });
    expect(thrown({ chatId: 1.5 })).toMatchObject({ code: 'INVALID_ARGUMENT', details: { argument: 'chatId' } });
    expect((thrown({ chatid: 1 }) as Error).message).toMatch(/Did you mean "chatId"/);
    expect(thrown({ chatId: CHAT, write: 'yes' })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { argument: 'write' },
    });
    expect(db.routeFor({ chatId: CHAT, dataSource: '' })).toMatchObject({ source: 'default', reason: 'default' });
    expect(db.routeFor({ chatId: CHAT, write: true, operation: 'saveChatMessage' })).toMatchObject({
      source: 'default',
    });
    expect(thrown({ chatId: CHAT, operation: 5 })).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { argument: 'operation' },
    });
  });

  it('query and tx.query: a bad sql or parameter is INVALID_ARGUMENT, never QUERY_FAILED', async () => {
    await refused(() => db.query({ sql: 5 as never }), 'query', 'sql', /non-empty string of SQL/);
    await refused(() => db.query({ sql: '' }), 'query', 'sql');
    await refused(() => (db.query as (a?: unknown) => unknown)(), 'query', 'args');
    // Booleans bind (as 1/0 on SQLite: the bot's Bayes storage binds is_spam so); Dates do not.
    expect(await db.query({ sql: 'SELECT ? AS v', params: [true] })).toEqual([{ v: 1 }]);
    await refused(() => db.query({ sql: 'SELECT ?', params: [new Date()] }), 'query', 'params[0]', /stored text/);
    await refused(() => db.query({ sql: 'SELECT ?', params: 'x' as never }), 'query', 'params');
    await refused(() => db.query({ sql: 'SELECT 1', chatId: 1.5 }), 'query', 'chatId');
    await refused(() => db.query({ sql: 'SELECT 1', parms: [] } as never), 'query', 'parms', /Did you mean "params"/);
    expect(await db.query({ sql: 'SELECT ? AS a, ? AS b', params: [1n, Buffer.from('x')] })).toHaveLength(1);
    // Found by the property test: parameters the SQL cannot take were QUERY_FAILED (INTERNAL).
    await refused(() => db.query({ sql: 'SELECT ? AS v', params: [] }), 'query', 'params', /Too few parameter/);
    await refused(() => db.query({ sql: 'SELECT ? AS v', params: [1, 2] }), 'query', 'params', /Too many parameter/);
    await refused(() => db.query({ sql: '-- nothing' }), 'query', 'sql');
    await db.transaction({ chatId: CHAT }, async (tx) => {
      await refused(() => tx.query(5 as never), 'tx.query', 'sql');
      await refused(() => tx.getChatUser({ chatId: 'x' as never, userId: 7 }), 'getChatUser', 'chatId');
    });
  });
});
