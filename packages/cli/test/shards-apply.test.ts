/**
 * A group of 3 SQLite shards grows to 4 while the bot runs: the bot (this process) writes continuously
 * with the grown configuration (`previous` = the old members) while `botdb shards apply` (a child process)
 * moves the planned chats to s4 with the online move. Afterwards the reference reads are unchanged, every
 * acknowledged message is stored exactly once, on the chat's new shard, and a new plan lists nothing.
 */

import { spawn } from 'node:child_process';
import { loadConfig } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, json, runCli, writeConfig } from './helpers.js';

const CHATS = Array.from({ length: 40 }, (_, i) => -1_002_000_000_000 - i * 7919);
const USERS = [11, 12];
const DAY = Date.UTC(2025, 0, 1);

function groupToml(sources: string[], previous?: string[]): string {
  return `[database]
default = "chats"
${sources.map((s) => `[database.sources.${s}]\npath = "${s}.db"\n`).join('')}
[database.shards.chats]
sources = ${JSON.stringify(sources)}
${previous === undefined ? '' : `previous = ${JSON.stringify(previous)}`}
`;
}

/** The reads the bot makes of each chat's seeded data (traffic adds messages with ids from 1000 only). */
async function referenceReads(db: DatabaseWrapper): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const chatId of CHATS) {
    out.push(await db.getChatInfo({ chatId }));
    out.push(await db.getChatSettings({ chatId }));
    for (const userId of USERS) out.push(await db.getChatUser({ chatId, userId }));
    for (let m = 1; m <= 3; m++) out.push(await db.getChatMessageByMessageId({ chatId, messageId: m }));
  }
  return out.map((row) => stripCounters(row));
}

/** A user's counters grow with the traffic: compared apart. */
function stripCounters(row: unknown): unknown {
  if (row === null || typeof row !== 'object') return row;
  const { messages_count: _m, updated_at: _u, ...rest } = row as Record<string, unknown>;
  return rest;
}

/** Three shards seeded with CHATS, the grown configuration written; the reads before, and its path. */
async function seeded(dir: TempDir): Promise<{ before: unknown[]; four: string }> {
  const three = writeConfig(dir, groupToml(['s1', 's2', 's3']), 'three.toml');
  const seed = new DatabaseWrapper({ config: (await loadConfig({ path: three, env: {} })).config });
  for (const chatId of CHATS) {
    await seed.updateChatInfo({ chatId, type: 'supergroup', title: `chat ${chatId}` });
    await seed.setChatSetting({ chatId, key: 'lang', value: 'en' });
    for (const userId of USERS) await seed.updateChatUser({ chatId, userId, username: `u${userId}`, fullName: 'U' });
    for (let m = 1; m <= 3; m++) {
      await seed.saveChatMessage({
        chatId,
        messageId: m,
        userId: USERS[m % 2] as number,
        date: new Date(DAY + m * 1000),
        messageText: `seed ${m}`,
      });
    }
  }
  const before = await referenceReads(seed);
  await seed.close();
  return { before, four: writeConfig(dir, groupToml(['s1', 's2', 's3', 's4'], ['s1', 's2', 's3']), 'four.toml') };
}

describe('botdb shards apply killed half-way', () => {
  let dir: TempDir;
  afterAll(() => dir?.cleanup());

  it('a second run finishes the moves: reads unchanged, nothing left on the old shards, nothing left to plan', async () => {
    dir = createTempDir('cli-shards-resume-');
    const { before, four } = await seeded(dir);
    const planned = json<{ moves: Array<{ chatId: number; from: string }> }>(
      await runCli(['shards', 'plan', '--config', four, '--json'], { timeoutMs: 60_000 }),
    ).moves;
    expect(planned.length).toBeGreaterThan(1);
    // The first run is SIGKILLed once its first chat is placed (read from the placement table like a bot would).
    const child = spawn(process.execPath, [BIN, 'shards', 'apply', '--config', four, '--json'], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const bot = new DatabaseWrapper({ config: (await loadConfig({ path: four, env: {} })).config });
    try {
      const deadline = Date.now() + 120_000;
      const placed = () => planned.filter((m) => bot.routeFor({ chatId: m.chatId }).reason === 'placement').length;
      // A call now and then keeps the bot's placement cache refreshing (it refreshes as calls need it).
      while (placed() === 0 && Date.now() < deadline) {
        await bot.getChatInfo({ chatId: CHATS[0] as number });
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGKILL');
      await exited;
      expect(placed()).toBeGreaterThan(0);
      expect(placed()).toBeLessThan(planned.length);
    } finally {
      child.kill('SIGKILL');
      await bot.close();
    }
    const r = await runCli(['shards', 'apply', '--config', four, '--json'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ ok: boolean }>(r).ok).toBe(true);
    const after = new DatabaseWrapper({ config: (await loadConfig({ path: four, env: {} })).config });
    try {
      await after.ready();
      expect(await referenceReads(after)).toEqual(before);
      for (const m of planned) {
        expect(after.routeFor({ chatId: m.chatId })).toMatchObject({ source: 's4', reason: 'placement' });
        expect(await after.getChatInfo({ chatId: m.chatId, dataSource: m.from })).toBeNull();
      }
    } finally {
      await after.close();
    }
    const again = json<{ moves: unknown[] }>(
      await runCli(['shards', 'plan', '--config', four, '--json'], { timeoutMs: 60_000 }),
    );
    expect(again.moves).toEqual([]);
  }, 300_000);
});

describe('growing a group of 3 SQLite shards to 4 while the bot runs', () => {
  let dir: TempDir;
  let bot: DatabaseWrapper;
  let before: unknown[];
  let four: string;

  beforeAll(async () => {
    dir = createTempDir('cli-shards-apply-');
    ({ before, four } = await seeded(dir));
    bot = new DatabaseWrapper({ config: (await loadConfig({ path: four, env: {} })).config });
    await bot.ready();
  });
  afterAll(async () => {
    await bot?.close();
    dir?.cleanup();
  });
  it('apply moves the planned quarter to s4 under traffic; reads unchanged, every acknowledged write once', async () => {
    expect(await referenceReads(bot)).toEqual(before);
    const planned = json<{ moves: Array<{ chatId: number; from: string; to: string }> }>(
      await runCli(['shards', 'plan', '--config', four, '--json'], { timeoutMs: 60_000 }),
    ).moves;
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((m) => m.to === 's4')).toBe(true);

    // The bot writes all along: messages 1000, 1001, ... round-robin over every chat.
    const acked = new Map<number, number[]>();
    const errors: unknown[] = [];
    let stopped = false;
    let next = 0;
    const lane = async () => {
      while (!stopped && errors.length < 20) {
        const k = next++;
        const chatId = CHATS[k % CHATS.length] as number;
        const messageId = 1000 + k;
        try {
          await bot.saveChatMessage({
            chatId,
            messageId,
            userId: USERS[k % 2] as number,
            date: new Date(DAY + messageId * 1000),
            messageText: `t${k}`,
          });
          acked.set(chatId, [...(acked.get(chatId) ?? []), messageId]);
        } catch (e) {
          errors.push(e);
        }
      }
    };
    const traffic = Promise.all(Array.from({ length: 4 }, lane));
    let applied: { ok: boolean; moved: Array<{ chatId: number; to: string }>; failed: unknown[] };
    try {
      const r = await runCli(['shards', 'apply', '--config', four, '--json'], { timeoutMs: 240_000 });
      expect(r.code, r.stderr).toBe(0);
      applied = json(r);
    } finally {
      // Let the bot see the last placement, then stop.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      stopped = true;
      await traffic;
    }
    expect(errors).toEqual([]);
    expect([...acked.values()].flat().length).toBeGreaterThan(100);
    expect(planned.length / CHATS.length).toBeGreaterThan(0.1);
    expect(planned.length / CHATS.length).toBeLessThan(0.45);
    expect(applied.ok).toBe(true);
    expect(applied.failed).toEqual([]);
    expect(applied.moved.map((m) => m.chatId).sort()).toEqual(planned.map((m) => m.chatId).sort());

    // Routing now sends each moved chat to s4 by its recorded placement, the others where they were.
    for (const m of planned) {
      expect(bot.routeFor({ chatId: m.chatId })).toMatchObject({ source: 's4', reason: 'placement' });
      expect(await bot.getChatInfo({ chatId: m.chatId, dataSource: m.from })).toBeNull();
    }
    expect(await referenceReads(bot)).toEqual(before);
    // Every acknowledged message is on the chat's shard, exactly once (no gaps, no duplicates).
    for (const chatId of CHATS) {
      const ids = acked.get(chatId) ?? [];
      const stored = await bot.getChatMessagesSince({ chatId, sinceDateTime: new Date(DAY + 999_000), limit: 100_000 });
      expect(stored.map((m) => Number(m.message_id)).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
      // Exact counters: the seeded messages (user 11: one, user 12: two) plus the acknowledged ones.
      for (const userId of USERS) {
        const sent = ids.filter((id) => USERS[(id - 1000) % 2] === userId).length;
        const user = await bot.getChatUser({ chatId, userId });
        expect(user?.messages_count, `chat ${chatId} user ${userId}`).toBe((userId === 11 ? 1 : 2) + sent);
      }
    }
    const again = json<{ moves: unknown[] }>(
      await runCli(['shards', 'plan', '--config', four, '--json'], { timeoutMs: 60_000 }),
    );
    expect(again.moves).toEqual([]);
  }, 300_000);
});
