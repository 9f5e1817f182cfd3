/**
 * `botdb move --online` against a running bot (issue #20): the bot (a DatabaseWrapper in this process) writes
 * into a chat while the real `botdb` process moves it; the bot has no hook into that process, so its writes
 * into the old source are fenced and re-sent once the placement switches. Afterwards every acknowledged message
 * is in the new source once, none in the old one, the counters exact; `--resume` then finds nothing to finish.
 */
import { DatabaseWrapper, loadConfig } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { json, primaryConfig, runCli } from './helpers.js';

const CHAT = -1009000000555;
const USERS = [1, 2, 3];
let dir: TempDir | undefined;
let bot: DatabaseWrapper | undefined;

afterEach(async () => {
  await bot?.close();
  bot = undefined;
  dir?.cleanup();
});

function rows(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

it('moves a chat the bot keeps writing: no acknowledged message lost or duplicated, counters exact', async () => {
  dir = createTempDir('botdb-online-');
  const config = primaryConfig(dir, '[database.sources.moved]\npath = "moved.db"\n', 'botdb.toml');
  bot = new DatabaseWrapper({ config: (await loadConfig({ path: config })).config });
  await bot.updateChatInfo({ chatId: CHAT, type: 'group', title: 'moving' });
  for (const userId of USERS)
    await bot.updateChatUser({ chatId: CHAT, userId, username: `@u${userId}`, fullName: 'U' });
  const acked: { id: string; userId: number }[] = [];
  const errors: unknown[] = [];
  let stop = false;
  let k = 0;
  const lane = async () => {
    while (!stop && errors.length < 20) {
      const i = k++;
      const userId = USERS[i % USERS.length] as number;
      try {
        await (bot as DatabaseWrapper).saveChatMessage({
          date: new Date(Date.UTC(2025, 0, 1) + i * 1000),
          chatId: CHAT,
          userId,
          messageId: `m${i}`,
          messageText: `text ${i}`,
        });
        acked.push({ id: `m${i}`, userId });
      } catch (e) {
        errors.push(e);
      }
    }
  };
  const lanes = Promise.all([lane(), lane(), lane()]);
  let r: Awaited<ReturnType<typeof runCli>>;
  try {
    while (acked.length < 50) await new Promise((res) => setTimeout(res, 10));
    r = await runCli(
      ['move', '--online', '--to', 'moved', '--chat', '--', String(CHAT), '--json', '--config', config],
      {
        timeoutMs: 120_000,
      },
    );
    const after = acked.length;
    const deadline = Date.now() + 30_000;
    while (acked.length < after + 50 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  } finally {
    stop = true;
    await lanes;
  }
  expect(errors).toEqual([]);
  const out = json<{ ok: boolean; moves: { outcome: string; from: string; to: string; removedOld: boolean }[] }>(r);
  expect(out.ok, r.stdout + r.stderr).toBe(true);
  expect(out.moves).toMatchObject([{ outcome: 'moved', from: 'primary', to: 'moved', removedOld: true }]);
  expect(bot.routeFor({ chatId: CHAT }).source).toBe('moved');

  const moved = dir.file('moved.db');
  const stored = rows(moved, `SELECT message_id FROM chat_messages WHERE chat_id = ${CHAT}`).map((x) => x.message_id);
  expect(stored.length).toBe(acked.length);
  expect(new Set(stored)).toEqual(new Set(acked.map((a) => a.id)));
  expect(rows(dir.file('bot.db'), `SELECT count(*) AS n FROM chat_messages WHERE chat_id = ${CHAT}`)[0]?.n).toBe(0);
  const counters = rows(
    moved,
    `SELECT user_id, messages_count FROM chat_users WHERE chat_id = ${CHAT} ORDER BY user_id`,
  );
  expect(counters).toEqual(
    USERS.map((u) => ({ user_id: u, messages_count: acked.filter((a) => a.userId === u).length })),
  );

  const resumed = await runCli(['move', '--resume', '--json', '--config', config], { timeoutMs: 60_000 });
  expect(json(resumed)).toMatchObject({ ok: true, moves: [] });
}, 180_000);

it('the offline copy names the online command for a running bot', async () => {
  dir = createTempDir('botdb-online-');
  const config = primaryConfig(dir, '[database.sources.moved]\npath = "moved.db"\n', 'botdb.toml');
  const seed = new DatabaseWrapper({ config: (await loadConfig({ path: config })).config });
  await seed.updateChatInfo({ chatId: CHAT, type: 'group', title: 'x' });
  await seed.close();
  const r = await runCli([
    'move',
    '--from',
    'primary',
    '--to',
    'moved',
    '--chat',
    '--',
    String(CHAT),
    '--config',
    config,
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`botdb move --online --to moved --chat -- ${CHAT}`);
  const missing = await runCli(['move', '--to', 'moved', '--chat', '1', '--config', config]);
  expect(missing.code).toBe(2);
  expect(missing.stderr + missing.stdout).toContain('--online');
}, 120_000);
