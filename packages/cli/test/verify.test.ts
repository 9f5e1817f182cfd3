import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { DatabaseWrapper } from '@pkg/core';
import { copyReferenceDb, createTempDir, REFERENCE_CHAT_IDS, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { json, runCli } from './helpers.js';

interface VerifyJson {
  ok: boolean;
  integrity: string | null;
  schemaVersion: number | null;
  missingTables: string[];
  chats: number | null;
  messages: number | null;
  problems: { code: string; message: string }[];
}

describe('botdb verify', () => {
  let dir: TempDir;
  afterEach(() => dir?.cleanup());

  it('the reference bot database: integrity ok, schema version 6, its counts', async () => {
    dir = createTempDir('botdb-verify-');
    const file = copyReferenceDb(dir.path);
    const r = await runCli(['verify', file, '--json']);
    expect(r.code, r.stdout).toBe(0);
    const body = json<VerifyJson>(r);
    expect(body).toMatchObject({ ok: true, integrity: 'ok', schemaVersion: 6, missingTables: [], problems: [] });
    expect(body.chats).toBe(REFERENCE_CHAT_IDS.length);
    const text = await runCli(['verify', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('integrity ok');
    expect(text.stdout).toContain('schema version 6');
  });

  it('a file @pkg/core creates passes: the CLI knows the same v6 tables as the library', async () => {
    dir = createTempDir('botdb-verify-');
    const file = dir.file('new.db');
    const db = new DatabaseWrapper({ dbPath: file });
    await db.ready();
    await db.close();
    const r = await runCli(['verify', file, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(json<VerifyJson>(r)).toMatchObject({ ok: true, schemaVersion: 6, chats: 0, messages: 0 });
  });

  it('a file that is not SQLite is a clean error, exit 1', async () => {
    dir = createTempDir('botdb-verify-');
    const file = dir.file('notes.db');
    writeFileSync(file, 'hello, this is text and not a database\n'.repeat(200));
    const r = await runCli(['verify', file, '--json']);
    expect(r.code).toBe(1);
    expect(json<VerifyJson>(r).problems.map((p) => p.code)).toEqual(['NOT_SQLITE']);
    const text = await runCli(['verify', file]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('is not a SQLite database');
    expect(text.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('a damaged file fails the integrity check, exit 1', async () => {
    dir = createTempDir('botdb-verify-');
    const file = copyReferenceDb(dir.path);
    // Overwrite the header of the messages table's root page: a page every read of the table needs.
    const probe = new Database(file, { readonly: true });
    const root = probe
      .prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'chat_messages'`)
      .pluck()
      .get() as number;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, (root - 1) * pageSize);
    closeSync(fd);
    const r = await runCli(['verify', file, '--json']);
    expect(r.code).toBe(1);
    const body = json<VerifyJson>(r);
    expect(body.ok).toBe(false);
    expect(body.problems.map((p) => p.code)).toContain('INTEGRITY_CHECK_FAILED');
  });

  it('a SQLite file without the bot tables is not a bot database, exit 1', async () => {
    dir = createTempDir('botdb-verify-');
    const file = dir.file('other.db');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
    other.close();
    const r = await runCli(['verify', file, '--json']);
    expect(r.code).toBe(1);
    const body = json<VerifyJson>(r);
    expect(body.integrity).toBe('ok');
    expect(body.problems.map((p) => p.code)).toEqual(['NOT_A_BOT_DATABASE']);
    expect(body.missingTables).toContain('chat_messages');
  });

  it('a missing file, exit 1', async () => {
    dir = createTempDir('botdb-verify-');
    const r = await runCli(['verify', dir.file('nothing.db')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FILE_NOT_FOUND');
  });
});
