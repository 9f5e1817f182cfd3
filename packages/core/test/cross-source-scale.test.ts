/**
 * Issue #16 item 10 (here with 100 sources): one getAllGroupChats over 1,000 sources once started every worker at once (9 GB,
 * no answer in 92 s). A cross-source read asks at most `cross-source-concurrency` sources at once,
 * merges as they answer, and answers within `cross-source-timeout` with the sources that did (the rest
 * in `sources.skipped`, QUERY_TIMEOUT). Workers it started stop again with the broker's idle stop.
 */
import { copyFileSync } from 'node:fs';
import { type DatabaseConfigInput, DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { populate } from './helpers.js';

/** As many as a busy 2-core machine opens in well under a minute (each source starts a worker). */
const SOURCES = 100;
const LIMIT = 8;
const chatOf = (i: number) => -100_000 - i;
const nameOf = (i: number) => (i === 0 ? 'main' : `s${String(i).padStart(3, '0')}`);

let dir: TempDir;
const open: DatabaseWrapper[] = [];

/** SOURCES bot files, each holding one group chat of its own (copies of one file, the chat renamed in each). */
beforeAll(async () => {
  dir = createTempDir('core-cross-source-scale-');
  const template = dir.file('template.db');
  await populate(template, [['updateChatInfo', { chatId: chatOf(0), type: 'group', title: 'chat 0' }]]);
  const sqlite = new Database(template);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  for (let i = 0; i < SOURCES; i++) {
    const file = dir.file(`${nameOf(i)}.db`);
    copyFileSync(template, file);
    const db = new Database(file);
    db.prepare('UPDATE chat_info SET chat_id = ?, title = ?').run(chatOf(i), `chat ${i}`);
    db.close();
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((db) => db.close()));
  dir.cleanup();
});

function wrapper(extra: Partial<DatabaseConfigInput>, stopIdleWorkerAfterMs?: number): DatabaseWrapper {
  const sources = Object.fromEntries(
    Array.from({ length: SOURCES }, (_, i) => [nameOf(i), { path: dir.file(`${nameOf(i)}.db`), poolSize: 1 }]),
  );
  const db = new DatabaseWrapper({
    config: { default: 'main', sources, ...extra },
    broker: stopIdleWorkerAfterMs === undefined ? {} : { stopIdleWorkerAfterMs },
    logger: { warn: () => undefined },
  });
  open.push(db);
  return db;
}

/** Sources with a call queued or in flight, sampled while `during` runs; resolves with the highest count seen. */
async function peakBusy(db: DatabaseWrapper, during: Promise<unknown>): Promise<number> {
  let done = false;
  during.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  let peak = 0;
  while (!done) {
    const stats = await db.stats();
    peak = Math.max(peak, Object.values(stats).filter((s) => s.queued + s.inFlight > 0).length);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return peak;
}

describe('a cross-source read over 100 sources', () => {
  it('asks at most cross-source-concurrency sources at once and merges every answer', async () => {
    const db = wrapper({ crossSourceConcurrency: LIMIT, crossSourceTimeout: 600 }, 300);
    const read = db.getAllGroupChats();
    const peak = await peakBusy(db, read);
    const chats = await read;
    expect(chats.map((c) => c.chat_id)).toEqual(Array.from({ length: SOURCES }, (_, i) => chatOf(SOURCES - 1 - i)));
    expect(chats.map((c) => c.title)).toContain('chat 77');
    expect(chats.sources.answered).toEqual(Array.from({ length: SOURCES }, (_, i) => nameOf(i)));
    expect(chats.sources.skipped).toEqual([]);
    // The bound held (the sampler saw some work, so it was looking at the right thing).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    // The workers the read started are stopped again once idle, as any idle worker is.
    await vi.waitFor(async () => expect(Object.values(await db.stats()).filter((s) => s.running)).toHaveLength(0), {
      timeout: 60_000,
      interval: 200,
    });
  }, 180_000);

  it('answers within cross-source-timeout with the sources that answered, the others skipped', async () => {
    // One at a time, 1 s: far less than 100 worker starts take, far more than the warm default needs.
    const db = wrapper({ crossSourceConcurrency: 1, crossSourceTimeout: 1 });
    // The default source is warm, so it answers in time whatever the machine's load.
    await db.getChatInfo({ chatId: chatOf(0) });
    const started = Date.now();
    const chats = await db.getAllGroupChats();
    // 1 s plus a generous margin for a busy machine: never the time 100 worker starts take.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(chats.sources.answered[0]).toBe('main');
    expect(chats.sources.answered.length).toBeLessThan(SOURCES);
    expect(chats.sources.answered.length + chats.sources.skipped.length).toBe(SOURCES);
    expect(chats.map((c) => c.title)).toEqual(
      chats.sources.answered
        .map((name) => Number(name === 'main' ? 0 : name.slice(1)))
        .sort((a, b) => b - a)
        .map((i) => `chat ${i}`),
    );
    const timedOut = chats.sources.skipped.filter((s) => s.code === 'QUERY_TIMEOUT');
    expect(timedOut.length).toBe(chats.sources.skipped.length);
    expect(timedOut[0]?.message).toMatch(/getAllGroupChats: no answer within the cross-source read's 1 s limit/);
    const skippedName = timedOut.at(-1)?.source as string;
    expect((await db.stats())[skippedName]?.skippedReads).toBe(1);
  }, 180_000);

  it('refuses a cross-source limit out of range', () => {
    expect(() => wrapper({ crossSourceConcurrency: 0 })).toThrow(/cross-source-concurrency|crossSourceConcurrency/);
    expect(() => wrapper({ crossSourceTimeout: -1 })).toThrow(/crossSourceTimeout/);
  });
});
