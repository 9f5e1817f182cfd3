import { existsSync, rmSync } from 'node:fs';
import { DatabaseWrapper, MAX_LIMIT } from '@pkg/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ARCHIVED_CHAT,
  json,
  killOnceRowsLand,
  type MoveJson,
  makeWorkspace,
  runCli,
  type Workspace,
} from './helpers.js';

/** The chat moved in these tests: a group (negative id) of the reference database. */
const CHAT = ARCHIVED_CHAT;

/** The workspace plus a writable source "moved" whose file does not exist yet. */
function workspace(): Workspace & { moved: string } {
  const ws = makeWorkspace(`[database.sources.moved]\npath = "moved.db"\n`);
  return { ...ws, moved: ws.dir.file('moved.db') };
}

function countRows(path: string, table: string, chatId?: number): number {
  const db = new Database(path, { readonly: true });
  try {
    const sql = `SELECT count(*) FROM ${table}${chatId === undefined ? '' : ' WHERE chat_id = ?'}`;
    return db
      .prepare(sql)
      .pluck()
      .get(...(chatId === undefined ? [] : [chatId])) as number;
  } finally {
    db.close();
  }
}

/** Every read of one chat the bot makes, through a DatabaseWrapper on the file. */
async function readsOfChat(path: string, chatId: number): Promise<Record<string, unknown>> {
  const raw = new Database(path, { readonly: true });
  const users = raw
    .prepare('SELECT DISTINCT user_id FROM chat_messages WHERE chat_id = ? ORDER BY 1')
    .pluck()
    .all(chatId) as number[];
  const summaries = raw
    .prepare(
      'SELECT topic_id, first_message_id, last_message_id, prompt FROM chat_summarization_cache WHERE chat_id = ?',
    )
    .all(chatId) as { topic_id: number | null; first_message_id: string; last_message_id: string; prompt: string }[];
  raw.close();
  const db = new DatabaseWrapper({ dbPath: path });
  try {
    const reads: Record<string, unknown> = {
      chatInfo: await db.getChatInfo({ chatId }),
      users: await db.getChatUsers({ chatId, limit: MAX_LIMIT }),
      settings: await db.getChatSettings({ chatId }),
      topics: await db.getChatTopics({ chatId }),
    };
    for (const userId of users) {
      reads[`messages ${userId}`] = await db.getChatMessagesByUser({ chatId, userId, limit: MAX_LIMIT });
      reads[`user ${userId}`] = await db.getChatUser({ chatId, userId });
      reads[`userData ${userId}`] = await db.getUserData({ chatId, userId });
      reads[`spam ${userId}`] = await db.getSpamMessagesByUserId({ chatId, userId });
    }
    for (const s of summaries) {
      reads[`summary ${s.first_message_id}`] = await db.getChatSummarization({
        chatId,
        topicId: s.topic_id,
        firstMessageId: s.first_message_id,
        lastMessageId: s.last_message_id,
        prompt: s.prompt,
      });
    }
    return reads;
  } finally {
    await db.close();
  }
}

/** Adds messages to the chat so a copy in small transactions takes long enough to be killed midway. */
function grow(path: string, chatId: number, rows: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (?, ?, '2025-01-01 00:00:00', 100100, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(chatId, `bulk${String(i).padStart(6, '0')}`, 'x'.repeat(200));
  })();
  db.close();
}

/** `botdb move` of the test chat from the readonly archive to the new source (as JSON unless `asJson` is false). */
const moveChatArgs = (config: string, asJson = true) => [
  'move',
  '--from',
  'archive',
  '--to',
  'moved',
  '--chat',
  String(CHAT),
  '--config',
  config,
  ...(asJson ? ['--json'] : []),
];

describe('botdb move', () => {
  let ws: (Workspace & { moved: string }) | undefined;
  afterEach(() => ws?.dir.cleanup());

  it('copies one group chat (negative id) from a readonly source into a new source: every read equals the source', async () => {
    ws = workspace();
    const r = await runCli(moveChatArgs(ws.config));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    expect(body.ok).toBe(true);
    expect(body.chatMapping).toEqual([`${CHAT} = "moved"`]);
    const messages = body.tables.find((t) => t.table === 'chat_messages');
    expect(messages).toMatchObject({ chatId: CHAT, destinationBefore: 0, alreadyPresent: 0 });
    expect(messages?.source).toBeGreaterThan(0);
    expect(messages?.copied).toBe(messages?.source);
    for (const t of [
      'chat_info',
      'chat_users',
      'chat_settings',
      'chat_topics',
      'chat_summarization_cache',
      'spam_messages',
    ]) {
      expect(countRows(ws.moved, t, CHAT), t).toBe(countRows(ws.archive, t, CHAT));
      expect(countRows(ws.moved, t, CHAT), t).toBeGreaterThan(0);
    }
    // Only that chat: no other chat's rows, no system-wide rows.
    expect(countRows(ws.moved, 'chat_messages')).toBe(countRows(ws.archive, 'chat_messages', CHAT));
    expect(countRows(ws.moved, 'media_attachments')).toBe(0);

    const source = await readsOfChat(ws.archive, CHAT);
    const moved = await readsOfChat(ws.moved, CHAT);
    expect(Object.keys(source).length).toBeGreaterThan(10);
    expect(moved).toEqual(source);

    // The text output names the lines to add.
    const again = await runCli(moveChatArgs(ws.config, false));
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('[database.chatMapping]');
    expect(again.stdout).toContain(`${CHAT} = "moved"`);
    expect(again.stdout).toContain('0 row(s) copied');
  });

  it('a re-run copies nothing new and verifies; --all adds the rest, keeping rows already there', async () => {
    ws = workspace();
    const first = await runCli(moveChatArgs(ws.config));
    expect(first.code).toBe(0);
    const rerun = json<MoveJson>(await runCli(moveChatArgs(ws.config)));
    expect(rerun.ok).toBe(true);
    expect(rerun.copied).toBe(0);
    for (const t of rerun.tables) {
      expect(t.alreadyPresent, t.table).toBe(t.source);
      expect(t.destination, t.table).toBe(t.source);
    }

    // System-wide bayes rows have chat_id NULL inside their primary key: NULLs never conflict in SQLite,
    // so a plain INSERT OR IGNORE would add them again on every re-run.
    const src = new Database(ws.archive);
    src
      .prepare("INSERT INTO bayes_tokens (token, chat_id, spam_count) VALUES ('free', NULL, 3), ('free', ?, 1)")
      .run(CHAT);
    src.prepare('INSERT INTO bayes_classes (chat_id, is_spam, message_count) VALUES (NULL, 1, 7)').run();
    src.close();
    const all = await runCli(['move', '--from', 'archive', '--to', 'moved', '--all', '--config', ws.config, '--json']);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    const body = json<MoveJson>(all);
    expect(body.chats).toContain(CHAT);
    expect(body.chats.length).toBe(countRows(ws.archive, 'chat_info'));
    expect(body.chatMapping).toContain(`${CHAT} = "moved"`);
    for (const t of [
      'chat_messages',
      'chat_users',
      'media_attachments',
      'delayed_tasks',
      'cache_storage',
      'cache_weather',
    ]) {
      expect(countRows(ws.moved, t), t).toBe(countRows(ws.archive, t));
    }
    const moved = body.tables.find((t) => t.table === 'chat_messages' && t.chatId === CHAT);
    expect(moved).toMatchObject({ copied: 0, destinationBefore: moved?.source });
    // The destination keeps its own schema version; the rest of settings is copied.
    const dest = new Database(ws.moved, { readonly: true });
    const keys = dest.prepare('SELECT key FROM settings ORDER BY key').pluck().all();
    dest.close();
    expect(keys).toContain('custom-setting');
    expect(keys.filter((k) => k === 'db-migration-version')).toHaveLength(1);

    const again = json<MoveJson>(
      await runCli(['move', '--from', 'archive', '--to', 'moved', '--all', '--config', ws.config, '--json']),
    );
    expect(again).toMatchObject({ ok: true, copied: 0 });
    expect(countRows(ws.moved, 'bayes_tokens')).toBe(2);
    expect(countRows(ws.moved, 'bayes_classes')).toBe(1);
  });

  it('a run killed midway, then re-run, completes with the counts of the source and no duplicates', async () => {
    const w = workspace();
    ws = w;
    grow(w.archive, CHAT, 20_000);
    const total = countRows(w.archive, 'chat_messages', CHAT);
    const args = [
      'move',
      '--from',
      'archive',
      '--to',
      'moved',
      '--chat',
      String(CHAT),
      '--batch',
      '10',
      '--config',
      ws.config,
    ];
    await killOnceRowsLand(args, () => (existsSync(w.moved) ? countRows(w.moved, 'chat_messages', CHAT) : 0));
    const afterKill = countRows(ws.moved, 'chat_messages', CHAT);
    // Killed midway: some pages committed, not all.
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(total);

    const r = await runCli([...args.filter((a) => a !== '10' && a !== '--batch'), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const body = json<MoveJson>(r);
    const messages = body.tables.find((t) => t.table === 'chat_messages');
    expect(messages).toMatchObject({ source: total, destinationBefore: afterKill, destination: total });
    expect(messages?.copied).toBe(total - afterKill);
    for (const t of body.tables) expect(t.destination, t.table).toBe(t.source);
  }, 30_000);

  it('refuses a readonly destination (exit 1), an unknown source (exit 2), a chat the source lacks (exit 1)', async () => {
    ws = workspace();
    const ro = await runCli([
      'move',
      '--from',
      'primary',
      '--to',
      'archive',
      '--chat',
      '100100',
      '--config',
      ws.config,
      '--json',
    ]);
    expect(ro.code).toBe(1);
    expect(json<MoveJson>(ro).problems[0]?.code).toBe('READONLY_SOURCE');
    expect(json<MoveJson>(ro).problems[0]?.message).toContain('readonly');

    const unknown = await runCli(['move', '--from', 'nope', '--to', 'moved', '--all', '--config', ws.config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('primary, archive, moved');
    expect(existsSync(ws.moved)).toBe(false);

    const both = await runCli([
      'move',
      '--from',
      'primary',
      '--to',
      'moved',
      '--all',
      '--chat',
      '1',
      '--config',
      ws.config,
    ]);
    expect(both.code).toBe(2);
    const same = await runCli(['move', '--from', 'primary', '--to', 'primary', '--all', '--config', ws.config]);
    expect(same.code).toBe(2);

    const missing = await runCli([
      'move',
      '--from',
      'primary',
      '--to',
      'moved',
      '--chat',
      '424242',
      '--config',
      ws.config,
      '--json',
    ]);
    expect(missing.code).toBe(1);
    expect(json<MoveJson>(missing).problems[0]?.code).toBe('CHAT_NOT_FOUND');

    // A source whose file is missing: SOURCE_OPEN_FAILED, and the destination is not created.
    rmSync(ws.moved, { force: true });
    rmSync(ws.archive);
    const gone = await runCli(['move', '--from', 'archive', '--to', 'moved', '--all', '--config', ws.config, '--json']);
    expect(gone.code).toBe(1);
    expect(json<MoveJson>(gone).problems[0]?.code).toBe('SOURCE_OPEN_FAILED');
    expect(existsSync(ws.moved)).toBe(false);
  });

  it('--chat -- <negative id> works as route -- <id> does; other extra words are still refused', async () => {
    ws = workspace();
    const args = ['move', '--from', 'archive', '--to', 'moved', '--config', ws.config, '--json', '--chat', '--'];
    const r = await runCli([...args, String(CHAT)]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json<MoveJson>(r).chatMapping).toEqual([`${CHAT} = "moved"`]);

    const extra = await runCli(['move', '--from', 'archive', '--to', 'moved', '--all', 'x', '--config', ws.config]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('too many arguments');
  });
});
