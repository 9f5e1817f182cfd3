/**
 * Two movers of one chat at once (two processes, `botdb shards apply` twice, db.moveChat next to
 * `botdb move --online`): the placement row's compare-and-set lets exactly one move it; the other stops with
 * CHAT_MOVE_FAILED before any destructive step, and every acknowledged write is in the target once.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir } from '@pkg/testkit';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeEngines } from './engines.js';
import { mergeAcked, seedChats, startTraffic, verifyAcked } from './online-move/traffic.js';

const CHATS = Array.from({ length: 6 }, (_, i) => -300_000 - i);
const MOVED = CHATS.slice(0, 3);

describeEngines('two concurrent online moves of one chat, SQLite to', (h) => {
  const dir = createTempDir('online-move-concurrent-');
  const opened: DatabaseWrapper[] = [];
  let n = 0;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
  });
  afterAll(() => dir.cleanup());

  it('exactly one of two simultaneous moves wins, the other fails CHAT_MOVE_FAILED; no acknowledged write is lost', async () => {
    n++;
    const config = {
      default: 'home',
      sources: { home: { path: dir.file(`home-${h.engine}-${n}.db`) }, other: h.fresh(`concurrent-${n}`) },
      chatMapping: {},
    };
    const a = new DatabaseWrapper({ config });
    const b = new DatabaseWrapper({ config });
    opened.push(a, b);
    await seedChats(a, CHATS);
    const ta = startTraffic(a, CHATS, 'a', 3);
    const tb = startTraffic(b, CHATS, 'b', 3);
    const grow = async (by: number) => {
      const target = ta.count() + tb.count() + by;
      const deadline = Date.now() + 60_000;
      while (ta.count() + tb.count() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    const outcomes: PromiseSettledResult<unknown>[] = [];
    try {
      await grow(60);
      for (const chatId of MOVED) {
        const both = await Promise.allSettled([
          a.moveChat({ chatId, to: 'other', drainMs: 200 }),
          b.moveChat({ chatId, to: 'other', drainMs: 200 }),
        ]);
        outcomes.push(...both);
        const won = both.filter((r) => r.status === 'fulfilled');
        const lost = both.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost[0]?.reason).toMatchObject({ code: 'CHAT_MOVE_FAILED' });
        expect(String(lost[0]?.reason?.message)).toContain(`chat ${chatId}`);
        await grow(30);
      }
    } finally {
      await Promise.all([ta.stop(), tb.stop()]);
    }
    const [ra, rb] = await Promise.all([ta.stop(), tb.stop()]);
    expect([...ra.errors, ...rb.errors]).toEqual([]);
    const acked = mergeAcked(ra.acked, rb.acked);
    const problems = await verifyAcked(
      a,
      ['home', 'other'],
      CHATS,
      (chatId) => (MOVED.includes(chatId) ? 'other' : 'home'),
      acked,
    );
    expect(problems).toEqual([]);
    expect(outcomes.filter((r) => r.status === 'rejected')).toHaveLength(MOVED.length);
  }, 300_000);
});
