import { DatabaseWrapper, SCHEMA_VERSION } from '@pkg/core';
import { copyReferenceDb, createTempDir, fileSha256, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

function setVersion(path: string, version: string): void {
  const db = new Database(path);
  db.prepare(`UPDATE settings SET value = ? WHERE key = 'db-migration-version'`).run(version);
  db.close();
}

describe('schema versions and migrations', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-schema-');
  });
  afterEach(() => dir.cleanup());

  it('a new file gets the version-6 schema and the bot’s version marker', async () => {
    const path = dir.file('new.db');
    const db = new DatabaseWrapper({ dbPath: path });
    await db.ready();
    await db.close();
    const raw = new Database(path, { readonly: true });
    const version = raw.prepare(`SELECT value FROM settings WHERE key = 'db-migration-version'`).get();
    const tables = raw.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get();
    raw.close();
    expect(SCHEMA_VERSION).toBe(6);
    expect(version).toEqual({ value: '6' });
    expect(tables).toEqual({ n: 23 });
  });

  it('a file with a newer version: reads work, writes fail with SCHEMA_TOO_NEW, nothing is migrated', async () => {
    const path = copyReferenceDb(dir.path, 'future.db');
    setVersion(path, '7');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      expect((await db.getChatInfo({ chatId: -1001000000011 }))?.title).toBe('Chat 1 ü\'"');
      await expect(db.setSetting({ key: 'x', value: 'y' })).rejects.toMatchObject({
        code: 'SCHEMA_TOO_NEW',
        message: expect.stringMatching(/version 7.*newer than the 6/),
      });
      expect(await db.getSetting({ key: 'db-migration-version' })).toBe('7');
      expect(await db.getSetting({ key: 'x' })).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('a file that is not a bot database fails to open, naming the file and what is missing', async () => {
    const path = dir.file('other-app.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    raw.close();
    const before = fileSha256(path);
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await expect(db.ready()).rejects.toMatchObject({
        code: 'NOT_A_BOT_DATABASE',
        message: expect.stringMatching(
          new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*missing tables settings, chat_messages`),
        ),
      });
      await expect(db.getSettings()).rejects.toMatchObject({ code: 'NOT_A_BOT_DATABASE' });
    } finally {
      await db.close();
    }
    expect(fileSha256(path)).toBe(before);
  });

  it('a readonly source is never migrated: an empty file is refused, not given a schema', async () => {
    const path = dir.file('empty.db');
    new Database(path).close();
    const before = fileSha256(path);
    const db = new DatabaseWrapper({ config: { default: 'ro', sources: { ro: { path, readonly: true } } } });
    try {
      await expect(db.ready()).rejects.toMatchObject({ code: 'NOT_A_BOT_DATABASE' });
    } finally {
      await db.close();
    }
    expect(fileSha256(path)).toBe(before);
  });

  it('a writable file at version 5 is migrated to 6 at open, as the bot would (details: parity-migrations)', async () => {
    const path = copyReferenceDb(dir.path, 'old.db');
    setVersion(path, '5');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await db.ready();
      expect(await db.getSetting({ key: 'db-migration-version' })).toBe('6');
      expect((await db.getChatInfo({ chatId: -1001000000011 }))?.title).toBe('Chat 1 ü\'"');
    } finally {
      await db.close();
    }
  });

  it('a missing readonly file fails with SOURCE_OPEN_FAILED naming the path and the fix', async () => {
    const path = dir.file('nowhere.db');
    const db = new DatabaseWrapper({ config: { default: 'ro', sources: { ro: { path, readonly: true } } } });
    try {
      await expect(db.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringMatching(/"ro".*nowhere\.db.*Fix/s),
      });
    } finally {
      await db.close();
    }
  });
});
