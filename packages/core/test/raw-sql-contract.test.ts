/**
 * One raw-SQL contract on every engine: parameters bind the same way through db.query, tx.query and
 * tx.execute (booleans included); query runs only statements that read rows, execute only statements that
 * return none; a NUL byte in text round-trips on SQLite and is refused before the server on PostgreSQL; and
 * the statement cache stays bounded, counting its evictions.
 */
import { DatabaseWrapper } from '@pkg/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines } from './engines.js';

const INSERT_CLASS = 'INSERT INTO bayes_classes (chat_id, is_spam, message_count, token_count) VALUES (?, ?, ?, ?)';

describeEngines('raw SQL contract', (h) => {
  let db: DatabaseWrapper;
  const count = async () =>
    Number(((await db.query({ sql: 'SELECT count(*) AS n FROM bayes_classes' })) as Array<{ n: number }>)[0]?.n);

  beforeAll(() => {
    db = new DatabaseWrapper({ config: { default: 'main', sources: { main: h.fresh('raw-sql') } } });
  });
  afterAll(() => db?.close());

  it('binds booleans the same way through db.query, tx.query and tx.execute', async () => {
    await db.transaction({}, async (tx) => {
      await tx.execute(INSERT_CLASS, [1, true, 3, 30]);
      await tx.execute(
        'INSERT INTO bayes_classes (chat_id, is_spam, message_count, token_count) VALUES (:c, :s, :m, :t)',
        { c: 1, s: false, m: 4, t: 40 },
      );
      expect(await tx.query('SELECT message_count FROM bayes_classes WHERE is_spam = ?', [true])).toEqual([
        { message_count: 3 },
      ]);
    });
    expect(
      await db.query({ sql: 'SELECT message_count FROM bayes_classes WHERE is_spam = :s', params: [{ s: false }] }),
    ).toEqual([{ message_count: 4 }]);
    expect(await db.query({ sql: 'SELECT token_count FROM bayes_classes WHERE is_spam = ?', params: [true] })).toEqual([
      { token_count: 30 },
    ]);
  });

  it('query refuses writes (INSERT ... RETURNING, DELETE) with INVALID_ARGUMENT and writes nothing', async () => {
    const before = await count();
    const insert = `${INSERT_CLASS} RETURNING chat_id`;
    await expect(db.query({ sql: insert, params: [2, true, 1, 1] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { operation: 'query', argument: 'sql' },
    });
    await expect(db.query({ sql: 'DELETE FROM bayes_classes' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await db.transaction({}, async (tx) => {
      await expect(tx.query(insert, [2, true, 1, 1])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { operation: 'tx.query', argument: 'sql' },
      });
      await expect(tx.query('DELETE FROM bayes_classes')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // The transaction goes on after a refused statement, and its writes commit.
      await tx.execute(INSERT_CLASS, [3, true, 1, 1]);
    });
    expect(await count()).toBe(before + 1);
  });

  it('execute refuses a statement that returns rows, and applies nothing of it', async () => {
    const before = await count();
    await db.transaction({}, async (tx) => {
      await expect(tx.execute('SELECT * FROM bayes_classes')).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        details: { argument: 'sql' },
      });
      await expect(tx.execute(`${INSERT_CLASS} RETURNING chat_id`, [4, true, 1, 1])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    });
    expect(await count()).toBe(before);
  });

  it('NUL bytes in text: stored on SQLite and MySQL, INVALID_ARGUMENT before the server on PostgreSQL', async () => {
    const text = 'a\u0000b';
    const save = () => db.setSetting({ key: 'nul-test', value: text } as never) as unknown as Promise<unknown>;
    const raw = () =>
      db.transaction({}, (tx) =>
        tx.execute('INSERT INTO bayes_tokens (token, chat_id) VALUES (:token, :chat)', { token: text, chat: 9 }),
      );
    if (h.engine !== 'postgresql') {
      await raw();
      expect(await db.query({ sql: 'SELECT token FROM bayes_tokens WHERE chat_id = ?', params: [9] })).toEqual([
        { token: text },
      ]);
      return;
    }
    await expect(raw()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { operation: 'execute', argument: 'params.token' },
    });
    await expect(db.query({ sql: 'SELECT ?::text AS t', params: [text] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { operation: 'query', argument: 'params[0]' },
    });
    await expect(save()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('NUL') });
  });

  it('keeps the statement cache bounded: many distinct SQL texts evict, and the count shows it', async () => {
    const n = 1_300;
    for (let i = 0; i < n; i++) await db.query({ sql: `SELECT ${i} AS v` });
    const s = (await db.stats()).main;
    // Bounded at STATEMENT_CACHE_SIZE (128) statements per SQLite connection / texts per server source.
    expect(s?.statementsEvicted).toBeGreaterThanOrEqual(n - 128 * Math.max(1, s?.connectionsOpen ?? 1));
    expect(await db.query({ sql: 'SELECT 0 AS v' })).toEqual([{ v: 0 }]);
  }, 120_000);
});
