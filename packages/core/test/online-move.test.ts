/**
 * Online chat moves (issue #20) between a SQLite file and a PostgreSQL schema, with the bot writing all along:
 * 50 chats written continuously while 10 of them move (SQLite -> PostgreSQL, some back again). Afterwards every
 * acknowledged message is stored exactly once, in the chat's placed source only, and every messages_count is
 * exact. Real file, real server, real workers.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir, testSchemaName } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMoverAt, startWriterProcess } from './online-move/child.js';
import { mergeAcked, seedChats, startTraffic, verifyAcked } from './online-move/traffic.js';
import { pgClient, postgresUrlOrExplain } from './pg-harness.js';

const url = postgresUrlOrExplain();
const CHATS = Array.from({ length: 50 }, (_, i) => -100_000 - i);
const MOVED = CHATS.slice(0, 10);
const BACK = MOVED.slice(0, 3);

describe.skipIf(url === null)('online chat moves while the bot writes (SQLite <-> PostgreSQL)', () => {
  let dir: TempDir;
  const schemas: string[] = [];
  const opened: DatabaseWrapper[] = [];

  const configOf = (label: string) => {
    const schema = testSchemaName(`online-move-${label}`);
    schemas.push(schema);
    return {
      default: 'lite',
      sources: {
        lite: { path: dir.file(`${label}.db`) },
        pg: { type: 'postgresql' as const, url: url as string, schema },
      },
      chatMapping: {},
    };
  };

  beforeAll(() => {
    dir = createTempDir('online-move-');
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    const admin = pgClient(url as string, null);
    try {
      for (const s of schemas) await admin.unsafe(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    dir.cleanup();
  });

  it('10 of 50 chats move while writes go on: every acknowledged message once, in the right source, exact counters', async () => {
    const db = new DatabaseWrapper({ config: configOf('inproc') });
    opened.push(db);
    await seedChats(db, CHATS);
    const traffic = startTraffic(db, CHATS, 'a');
    const waitFor = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while (traffic.count() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    const results = [];
    try {
      await waitFor(200);
      for (const chatId of MOVED) {
        results.push(await db.moveChat({ chatId, to: 'pg', drainMs: 300 }));
        await waitFor(traffic.count() + 20);
      }
      for (const chatId of BACK) results.push(await db.moveChat({ chatId, to: 'lite', drainMs: 300 }));
      await waitFor(traffic.count() + 100);
    } finally {
      await traffic.stop();
    }
    const { acked, errors } = await traffic.stop();
    expect(errors).toEqual([]);
    expect(results.map((r) => r.outcome)).toEqual(results.map(() => 'moved'));

    const owner = (chatId: number) => (MOVED.includes(chatId) && !BACK.includes(chatId) ? 'pg' : 'lite');
    for (const chatId of CHATS) expect(db.routeFor({ chatId, write: true }).source).toBe(owner(chatId));
    const problems = await verifyAcked(db, ['lite', 'pg'], CHATS, owner, acked);
    expect(problems).toEqual([]);
    // A moved chat's writes reached its new source during the run.
    expect((acked.get(MOVED[5] as number) ?? []).length).toBeGreaterThan(0);
  }, 300_000);

  it('the same with a second bot process writing: its writes of a moved chat are fenced in the old source and re-sent', async () => {
    const config = configOf('twoproc');
    const db = new DatabaseWrapper({ config });
    opened.push(db);
    await seedChats(db, CHATS);
    const other = await startWriterProcess(config, CHATS, 'b');
    const traffic = startTraffic(db, CHATS, 'a');
    const waitFor = async (n: () => boolean) => {
      const deadline = Date.now() + 60_000;
      while (!n() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await waitFor(() => traffic.count() > 100 && other.acks() > 100);
      for (const chatId of MOVED) {
        await db.moveChat({ chatId, to: 'pg', drainMs: 300 });
        const [a, b] = [traffic.count(), other.acks()];
        await waitFor(() => traffic.count() > a + 20 && other.acks() > b + 20);
      }
      for (const chatId of BACK) await db.moveChat({ chatId, to: 'lite', drainMs: 300 });
      const [a, b] = [traffic.count(), other.acks()];
      await waitFor(() => traffic.count() > a + 100 && other.acks() > b + 100);
    } finally {
      await traffic.stop();
    }
    const mine = await traffic.stop();
    const theirs = await other.stop();
    expect(mine.errors).toEqual([]);
    expect(theirs.errors).toEqual([]);
    const owner = (chatId: number) => (MOVED.includes(chatId) && !BACK.includes(chatId) ? 'pg' : 'lite');
    const acked = mergeAcked(mine.acked, theirs.acked);
    const problems = await verifyAcked(db, ['lite', 'pg'], CHATS, owner, acked);
    expect(problems).toEqual([]);
  }, 300_000);

  it('a mover SIGKILLed part-way, then the same move again: the same result, no write lost', async () => {
    const config = configOf('sigkill');
    const db = new DatabaseWrapper({ config });
    opened.push(db);
    const chats = CHATS.slice(0, 10);
    await seedChats(db, chats);
    const traffic = startTraffic(db, chats, 'a', 4);
    const seen: string[][] = [];
    try {
      const deadline = Date.now() + 60_000;
      while (traffic.count() < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Killed at three points: after the intent, after the fence (writes refused and waiting), after the switch.
      const points = [/^step intent$/, /^step fence$/, /^step switch$/];
      for (const [i, killAt] of points.entries()) {
        const chatId = chats[i] as number;
        const steps = await killMoverAt(config, chatId, 'pg', killAt);
        expect(steps.some((l) => killAt.test(l))).toBe(true);
        seen.push(steps);
        const result = await db.moveChat({ chatId, to: 'pg', drainMs: 300 });
        expect(result.to).toBe('pg');
        const before = traffic.count();
        while (traffic.count() < before + 50 && Date.now() < deadline + 60_000)
          await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await traffic.stop();
    }
    const { acked, errors } = await traffic.stop();
    expect(errors).toEqual([]);
    expect(seen.every((steps) => !steps.includes('moved'))).toBe(true);
    const owner = (chatId: number) => (chats.indexOf(chatId) < 3 ? 'pg' : 'lite');
    const problems = await verifyAcked(db, ['lite', 'pg'], chats, owner, acked);
    expect(problems).toEqual([]);
  }, 300_000);
});
