/**
 * A group of 3 SQLite shards grows to 4. Adding s4 with the old membership kept as `previous` moves no
 * data and changes no read; `botdb shards plan` then lists the chats the new hash places on s4 (about a
 * quarter), each with its rows, taken from the shard that holds them.
 */
import { loadConfig } from '@pkg/config';
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli, writeConfig } from './helpers.js';

const CHATS = 120;
const chatIds = Array.from({ length: CHATS }, (_, i) => -1_001_000_000_000 - i * 7919);

function groupToml(sources: string[], previous?: string[]): string {
  return `[database]
default = "chats"
${sources.map((s) => `[database.sources.${s}]\npath = "${s}.db"\n`).join('')}
[database.shards.chats]
sources = ${JSON.stringify(sources)}
${previous === undefined ? '' : `previous = ${JSON.stringify(previous)}`}
`;
}

interface PlanJson {
  ok: boolean;
  group: string;
  chats: number;
  moves: Array<{ chatId: number; from: string; to: string; rows: number }>;
  balance: Array<{ source: string; chats: number; rows: number; chatsAfter: number; rowsAfter: number }>;
}

/** What the bot would read for each chat: its info and its messages. */
async function referenceReads(db: DatabaseWrapper): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const chatId of chatIds) {
    out.push(await db.getChatInfo({ chatId }));
    out.push(await db.getChatMessagesSince({ chatId }));
  }
  return out;
}

describe('a group of 3 SQLite shards grows to 4', () => {
  let dir: TempDir;
  let before: unknown[];
  const owner = new Map<number, string>();

  beforeAll(async () => {
    dir = createTempDir('cli-shards-');
    const three = writeConfig(dir, groupToml(['s1', 's2', 's3']), 'three.toml');
    const db = new DatabaseWrapper({ config: (await loadConfig({ path: three, env: {} })).config });
    for (const [i, chatId] of chatIds.entries()) {
      owner.set(chatId, db.routeFor({ chatId }).source);
      await db.updateChatInfo({ chatId, type: 'supergroup', title: `chat ${i}` });
      for (let m = 0; m < 1 + (i % 3); m++) {
        await db.saveChatMessage({
          chatId,
          messageId: m + 1,
          date: new Date(Date.UTC(2025, 0, 1, 0, 0, m)),
          userId: 42,
          messageText: `hello ${i}/${m}`,
          messageType: 'text',
          messageCategory: 'user',
        } as never);
      }
    }
    before = await referenceReads(db);
    await db.close();
  });
  afterAll(() => dir?.cleanup());

  it('the chats were spread over the three shards by the hash', () => {
    const counts = new Map<string, number>();
    for (const s of owner.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['s1', 's2', 's3']);
  });

  it('adding s4 with previous = the old members changes no read', async () => {
    const cfg = writeConfig(dir, groupToml(['s1', 's2', 's3', 's4'], ['s1', 's2', 's3']), 'four.toml');
    const db = new DatabaseWrapper({ config: (await loadConfig({ path: cfg, env: {} })).config });
    try {
      expect(await referenceReads(db)).toEqual(before);
      for (const chatId of chatIds) expect(db.routeFor({ chatId }).source).toBe(owner.get(chatId));
    } finally {
      await db.close();
    }
  });

  it('botdb shards plan lists about a quarter of the chats, each to s4 with its rows', async () => {
    const cfg = writeConfig(dir, groupToml(['s1', 's2', 's3', 's4'], ['s1', 's2', 's3']), 'four.toml');
    const r = await runCli(['shards', 'plan', '--config', cfg, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const plan = json<PlanJson>(r);
    expect(plan.group).toBe('chats');
    expect(plan.chats).toBe(CHATS);
    expect(plan.moves.length / CHATS).toBeGreaterThan(0.12);
    expect(plan.moves.length / CHATS).toBeLessThan(0.4);
    for (const m of plan.moves) {
      expect(m.to).toBe('s4');
      expect(m.from).toBe(owner.get(m.chatId));
      const i = chatIds.indexOf(m.chatId);
      // chat_info, chat_messages, chat_users, chat_stats, chat_user_stats rows of the chat.
      expect(m.rows).toBeGreaterThan(1 + (i % 3));
    }
    const s4 = plan.balance.find((b) => b.source === 's4');
    expect(s4).toMatchObject({ chats: 0, chatsAfter: plan.moves.length });

    const text = await runCli(['shards', 'plan', '--config', cfg], { timeoutMs: 60_000 });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${plan.moves.length} of ${CHATS} chat(s) change placement`);
  });
});
