/**
 * The online move between SQLite and every engine (SQLite, PostgreSQL, MySQL), both ways, with the bot writing:
 * each engine's fence (triggers) refuses the moved chat's writes in the old source, the writes are re-sent to
 * the new one, and every acknowledged message ends up once in the right source with exact counters. A write
 * through a second wrapper that has not seen the move is fenced, not lost.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir } from '@pkg/testkit';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';
import { seedChats, startTraffic, verifyAcked } from './online-move/traffic.js';

const CHATS = Array.from({ length: 20 }, (_, i) => -200_000 - i);
const MOVED = CHATS.slice(0, 5);
const BACK = MOVED.slice(0, 2);

describeEngines('online chat moves between SQLite and', (h) => {
  const dir = createTempDir('online-move-engines-');
  const opened: DatabaseWrapper[] = [];
  let n = 0;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });
  afterAll(() => dir.cleanup());
  const configOf = () => {
    n++;
    return {
      default: 'home',
      sources: { home: { path: dir.file(`home-${h.engine}-${n}.db`) }, other: h.fresh(`online-${n}`) },
      chatMapping: {},
    };
  };

  it('moves 5 of 20 chats there and 2 back while writes go on: each message once, in the right source, exact counters', async () => {
    const db = new DatabaseWrapper({ config: configOf() });
    opened.push(db);
    await seedChats(db, CHATS);
    const traffic = startTraffic(db, CHATS, 'a', 4);
    const grow = async (by: number) => {
      const target = traffic.count() + by;
      const deadline = Date.now() + 60_000;
      while (traffic.count() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await grow(100);
      for (const chatId of MOVED) {
        expect((await db.moveChat({ chatId, to: 'other', drainMs: 200 })).outcome).toBe('moved');
        await grow(20);
      }
      for (const chatId of BACK)
        expect((await db.moveChat({ chatId, to: 'home', drainMs: 200 })).outcome).toBe('moved');
      await grow(50);
    } finally {
      await traffic.stop();
    }
    const { acked, errors } = await traffic.stop();
    expect(errors).toEqual([]);
    const owner = (chatId: number) => (MOVED.includes(chatId) && !BACK.includes(chatId) ? 'other' : 'home');
    const problems = await verifyAcked(db, ['home', 'other'], CHATS, owner, acked);
    expect(problems).toEqual([]);
  }, 300_000);

  it('a process that has not seen the move: its write into the old source is fenced, then goes to the new one', async () => {
    const config = configOf();
    const mover = new DatabaseWrapper({ config });
    const stale = new DatabaseWrapper({ config });
    opened.push(mover, stale);
    const chatId = CHATS[0] as number;
    await seedChats(mover, [chatId]);
    // The stale process routes (and caches its placement) before the move.
    expect(stale.routeFor({ chatId }).source).toBe('home');
    await stale.getChatInfo({ chatId });
    await mover.moveChat({ chatId, to: 'other', keepOld: true, drainMs: 0 });
    // Straight after the move, before its next refresh, the stale process still routes to the old source.
    expect(stale.routeFor({ chatId }).source).toBe('home');
    // A transaction routed by the stale placement meets the fence: CHAT_MOVING, nothing written.
    await expect(
      stale.transaction({ chatId }, (tx) =>
        tx.saveChatMessage({ date: new Date(), chatId, userId: 11, messageId: 'in-tx', messageText: 'x' }),
      ),
    ).rejects.toMatchObject({ code: 'CHAT_MOVING' });
    await stale.saveChatMessage({ date: new Date(), chatId, userId: 11, messageId: 'late', messageText: 'x' });
    const inOther = await mover.query({
      sql: `SELECT count(*) AS n FROM chat_messages WHERE chat_id = ${chatId}`,
      dataSource: 'other',
    });
    const inHome = await mover.query({
      sql: `SELECT count(*) AS n FROM chat_messages WHERE chat_id = ${chatId}`,
      dataSource: 'home',
    });
    expect(Number((inOther[0] as { n: unknown }).n)).toBe(1);
    expect(Number((inHome[0] as { n: unknown }).n)).toBe(0);
    expect(stale.routeFor({ chatId }).source).toBe('other');
    expect(stale.routeFor({ chatId }).reason).toBe('placement');

    // And back: a process that saw 'other' writes there after the chat moved home: that engine's fence refuses it.
    const stale2 = new DatabaseWrapper({ config });
    opened.push(stale2);
    await stale2.getChatInfo({ chatId });
    expect(stale2.routeFor({ chatId }).source).toBe('other');
    await mover.moveChat({ chatId, to: 'home', drainMs: 0 });
    expect(stale2.routeFor({ chatId }).source).toBe('other');
    await stale2.saveChatMessage({ date: new Date(), chatId, userId: 11, messageId: 'later', messageText: 'y' });
    const count = async (source: string) =>
      Number(
        (
          (
            await mover.query({
              sql: `SELECT count(*) AS n FROM chat_messages WHERE chat_id = ${chatId}`,
              dataSource: source,
            })
          )[0] as { n: unknown }
        ).n,
      );
    expect(await count('home')).toBe(2);
    expect(await count('other')).toBe(0);
  }, 120_000);
});
