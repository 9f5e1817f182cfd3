import { existsSync, linkSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { DatabaseWrapper } from '@pkg/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { json, makeWorkspace, runCli, type Workspace } from './helpers.js';

interface BackupJson {
  ok: boolean;
  file: string;
  pages: number;
  snapshot: { messages: number; chats: number };
  verify: { ok: boolean; integrity: string; messages: number; schemaVersion: number };
  problems: { code: string; message: string }[];
}

const WRITER_CHAT = 100100;
const WRITER_USER = 100100;
/** Message ids the writer uses: 'w1', 'w2', ... in order, one transaction each. */
const writerId = (n: number) => `w${n}`;

/** Grows the file so the copy takes many backup steps (each step yields; the writer runs between them). */
function grow(path: string, rows: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO chat_messages (chat_id, message_id, date, user_id, message_text) VALUES (?, ?, '2025-01-01 00:00:00', ?, ?)`,
  );
  const text = 'x'.repeat(400);
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(WRITER_CHAT, `bulk${i}`, WRITER_USER, text);
  })();
  db.close();
}

function messages(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM chat_messages').pluck().get() as number;
  } finally {
    db.close();
  }
}

/**
 * The bot writing messages w1, w2, ... one at a time until `stop()`; `written()` counts the acknowledged
 * ones. `past(n)` waits until n have landed (bounded; a failed write rejects it, and `stop()`).
 */
function startWriter(bot: DatabaseWrapper) {
  let written = 0;
  let writing = true;
  let failure: unknown;
  const loop = (async () => {
    while (writing) {
      await bot.saveChatMessage({
        date: new Date(),
        chatId: WRITER_CHAT,
        userId: WRITER_USER,
        messageId: writerId(written + 1),
        messageText: `written by the bot ${written + 1}`,
      });
      written++;
    }
  })();
  loop.catch((error: unknown) => {
    failure = error;
  });
  return {
    written: () => written,
    async past(n: number): Promise<void> {
      const deadline = Date.now() + 60_000;
      while (written < n) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error(`the writer did not reach ${n} writes in 60 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop(): Promise<void> {
      writing = false;
      await loop;
    },
  };
}

describe('botdb backup', () => {
  let ws: Workspace;
  afterEach(() => ws?.dir.cleanup());

  it('copies a source while the bot keeps writing: consistent, verified, counts of that moment', async () => {
    ws = makeWorkspace();
    grow(ws.primary, 20_000);
    const before = messages(ws.primary);
    const bot = new DatabaseWrapper({ dbPath: ws.primary });
    await bot.ready();
    const writer = startWriter(bot);
    try {
      // Let some writes land first, so the backup starts on a busy file.
      await writer.past(20);
      const atStart = writer.written();
      const dest = ws.dir.file('backup.db');
      const r = await runCli(['backup', 'primary', dest, '--config', ws.config, '--json']);
      const atEnd = writer.written();
      await writer.stop();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(atEnd).toBeGreaterThan(atStart); // the bot really wrote while the copy ran

      const body = json<BackupJson>(r);
      expect(body.ok).toBe(true);
      expect(body.file).toBe(dest);
      expect(body.pages).toBeGreaterThan(1000);
      expect(body.verify).toMatchObject({ ok: true, integrity: 'ok', schemaVersion: 6 });

      // The copy: integrity ok through `verify`, and exactly the messages the source held at the snapshot.
      const v = await runCli(['verify', dest, '--json']);
      expect(v.code, v.stdout).toBe(0);
      const copied = json<{ messages: number; integrity: string }>(v);
      expect(copied.integrity).toBe('ok');
      expect(copied.messages).toBe(body.snapshot.messages);
      expect(copied.messages).toBeGreaterThanOrEqual(before + atStart);
      expect(copied.messages).toBeLessThanOrEqual(before + atEnd);
      // Consistent: the writer's messages in the copy are exactly w1..wk, no gap, none half-written.
      const copy = new Database(dest, { readonly: true });
      const ids = copy
        .prepare(`SELECT message_id FROM chat_messages WHERE message_id LIKE 'w%'`)
        .pluck()
        .all() as string[];
      copy.close();
      const k = copied.messages - before;
      expect(new Set(ids)).toEqual(new Set(Array.from({ length: k }, (_, i) => writerId(i + 1))));
      // The source went on: it now holds more than the copy.
      expect(messages(ws.primary)).toBe(before + writer.written());
    } finally {
      await writer.stop().catch(() => undefined);
      await bot.close();
    }
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    ws = makeWorkspace();
    const dest = ws.dir.file('exists.db');
    writeFileSync(dest, 'keep me');
    const r = await runCli(['backup', 'primary', dest, '--config', ws.config, '--json']);
    expect(r.code).toBe(1);
    expect(json<BackupJson>(r).problems[0]?.code).toBe('FILE_EXISTS');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(dest, 'utf8')).toBe('keep me');

    const forced = await runCli(['backup', 'archive', dest, '--config', ws.config, '--force']);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stdout).toContain('verified: integrity ok');
    expect(messages(dest)).toBe(messages(ws.archive));
    // No temporary file left behind.
    expect(readdirSync(ws.dir.path).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('an unknown source is bad usage (exit 2); a source whose file is missing exits 1 with SOURCE_OPEN_FAILED', async () => {
    ws = makeWorkspace();
    const dest = ws.dir.file('x.db');
    const unknown = await runCli(['backup', 'nope', dest, '--config', ws.config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('primary, archive');
    const { rmSync } = await import('node:fs');
    rmSync(ws.archive);
    const missing = await runCli(['backup', 'archive', dest, '--config', ws.config, '--json']);
    expect(missing.code).toBe(1);
    expect(json<BackupJson>(missing).problems[0]?.code).toBe('SOURCE_OPEN_FAILED');
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses to write the backup over the source itself', async () => {
    ws = makeWorkspace();
    const r = await runCli(['backup', 'primary', ws.primary, '--config', ws.config, '--force']);
    expect(r.code).toBe(2);
    expect(messages(ws.primary)).toBeGreaterThan(0);
  });

  it('--force never replaces the live source, whatever path names it: a symlinked folder, a hard link, its WAL', async () => {
    ws = makeWorkspace();
    const before = messages(ws.primary);
    const linked = ws.dir.file('linked'); // a folder that is the workspace, under another name
    symlinkSync(ws.dir.path, linked, 'dir');
    const hard = ws.dir.file('hard.db');
    const bot = new DatabaseWrapper({ dbPath: ws.primary });
    await bot.ready();
    linkSync(ws.primary, hard);
    const writer = startWriter(bot);
    try {
      await writer.past(20);
      for (const dest of [`${linked}/bot.db`, hard, `${linked}/bot.db-wal`]) {
        const atStart = writer.written();
        const r = await runCli(['backup', 'primary', dest, '--config', ws.config, '--force', '--json']);
        expect(r.code, `${dest}: ${r.stdout}${r.stderr}`).toBe(2);
        const body = json<{ error: { code: string; message: string } }>(r);
        expect(body.error.code).toBe('BACKUP_IS_SOURCE');
        expect(body.error.message).toContain(ws.primary);
        expect(body.error.message).toContain('Fix:');
        await writer.past(atStart + 5); // the bot kept writing
      }
      await writer.stop();
      // Every acknowledged write is still in the live file.
      expect(messages(ws.primary)).toBe(before + writer.written());
      expect(readdirSync(ws.dir.path).filter((f) => f.includes('.partial-'))).toEqual([]);
    } finally {
      await writer.stop().catch(() => undefined);
      await bot.close();
    }
  });
});
