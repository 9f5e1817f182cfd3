/**
 * Old bot files (schema versions 0-5, made by the bot's own code: testkit/reference/old-versions)
 * are migrated to 6 at open as the bot's migration manager does; readonly ones are refused;
 * files above 6 follow `on-newer-schema`.
 */
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatabaseWrapper } from '@pkg/core';
import { copyReferenceDb, createTempDir, fileSha256, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const oldFile = (name: string) =>
  fileURLToPath(new URL(`../../testkit/reference/old-versions/${name}`, import.meta.url));

/** sqlite_master as a sorted set: migrated files list cache_storage before the late cache tables. */
function schemaOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
  } finally {
    db.close();
  }
}

function settingsOf(path: string): Record<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  } finally {
    db.close();
  }
}

describe('drop-in parity: old bot files', () => {
  let dir: TempDir;
  let freshSchema: unknown[];
  beforeEach(async () => {
    dir = createTempDir('core-parity-mig-');
    const fresh = new DatabaseWrapper({ dbPath: dir.file('fresh.db') });
    await fresh.ready();
    await fresh.close();
    freshSchema = schemaOf(dir.file('fresh.db'));
  });
  afterEach(() => dir.cleanup());

  const copyOld = (name: string) => {
    const target = dir.file(name);
    copyFileSync(oldFile(name), target);
    return target;
  };

  for (const version of [1, 2, 3, 4, 5]) {
    it(`a writable bot.db at version ${version} is migrated to 6 at open: same schema as a new file, data kept`, async () => {
      const path = copyOld(`bot-v${version}.db`);
      expect(settingsOf(path)['db-migration-version']).toBe(String(version));
      const db = new DatabaseWrapper({ dbPath: path });
      try {
        await db.ready();
        const msg = await db.getChatMessageByMessageId({ chatId: -1001, messageId: 1 });
        expect(msg).toMatchObject({ message_text: `hello from v${version}`, username: '@ann' });
        expect(await db.getChatUser({ chatId: -1001, userId: 42 })).toMatchObject({ is_spammer: false, metadata: '' });
        expect(await db.getChatSetting({ chatId: -1001, setting: 'model' })).toBe('gpt');
        expect(
          await db.getChatSummarization({ chatId: -1001, firstMessageId: 1, lastMessageId: 1, prompt: 'p' }),
        ).toMatchObject({ summary: 'sum' });
        expect(await db.markUserIsSpammer({ chatId: -1001, userId: 43, isSpammer: true })).toBe(true);
        await db.setCacheStorage({ namespace: 'n', key: 'k', value: 'v' });
      } finally {
        await db.close();
      }
      expect(schemaOf(path)).toEqual(freshSchema);
      const settings = settingsOf(path);
      expect(Object.keys(settings).sort()).toEqual(['db-migration-last-run', 'db-migration-version']);
      expect(settings['db-migration-version']).toBe('6');
      // Python's datetime.now().isoformat(): local time, microseconds, no zone.
      expect(settings['db-migration-last-run']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    });
  }

  it('a file with the bot’s tables but no version marker is treated as version 0 and migrated, as the bot does', async () => {
    const path = copyOld('bot-no-marker.db');
    expect(settingsOf(path)).toEqual({});
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await db.ready();
      expect((await db.getChatInfo({ chatId: -1001 }))?.title).toBe('Old chat');
      expect(await db.getSetting({ key: 'db-migration-version' })).toBe('6');
    } finally {
      await db.close();
    }
    expect(schemaOf(path)).toEqual(freshSchema);
  });

  it('a failing migration leaves the old file exactly as it was (all or nothing)', async () => {
    const path = copyOld('bot-v1.db');
    // is_spammer already there: the bot's step 2 (ADD COLUMN) fails, as it would for the bot.
    const raw = new Database(path);
    raw.exec('ALTER TABLE chat_users ADD COLUMN is_spammer BOOLEAN DEFAULT FALSE NOT NULL');
    raw.close();
    const before = fileSha256(path);
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await expect(db.ready()).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringMatching(/version 2.*is_spammer/),
      });
    } finally {
      await db.close();
    }
    expect(fileSha256(path)).toBe(before);
  });

  it('a readonly source older than 6 is refused, naming the version found and the fix; the file is untouched', async () => {
    const path = copyOld('bot-v3.db');
    const before = fileSha256(path);
    const db = new DatabaseWrapper({ config: { default: 'old', sources: { old: { path, readonly: true } } } });
    try {
      await expect(db.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringMatching(
          /"old".*version 3, older than 6.*readonly source is never migrated.*Fix: open it once as a writable source/,
        ),
      });
    } finally {
      await db.close();
    }
    expect(fileSha256(path)).toBe(before);
  });

  it('a readonly marker-less bot file is refused too (version 0)', async () => {
    const path = copyOld('bot-no-marker.db');
    const db = new DatabaseWrapper({ config: { default: 'old', sources: { old: { path, readonly: true } } } });
    try {
      await expect(db.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringContaining('version 0'),
      });
    } finally {
      await db.close();
    }
  });

  describe('a file above version 6 (on-newer-schema)', () => {
    const future = () => {
      const path = copyReferenceDb(dir.path, 'future.db');
      const raw = new Database(path);
      raw.prepare(`UPDATE settings SET value = '7' WHERE key = 'db-migration-version'`).run();
      raw.close();
      return path;
    };

    it('"refuse-writes" (the default): reads work, writes fail with SCHEMA_TOO_NEW', async () => {
      const path = future();
      const db = new DatabaseWrapper({ config: { default: 'p', sources: { p: { path } } } });
      try {
        expect((await db.getChatInfo({ chatId: -1001000000011 }))?.type).toBeDefined();
        await expect(db.setSetting({ key: 'x', value: 'y' })).rejects.toMatchObject({ code: 'SCHEMA_TOO_NEW' });
      } finally {
        await db.close();
      }
    });

    it('"allow-writes": writes go through as the bot writes them; nothing is migrated, the version stays', async () => {
      const path = future();
      const db = new DatabaseWrapper({
        config: { default: 'p', sources: { p: { path, 'on-newer-schema': 'allow-writes' } } },
      });
      try {
        expect(await db.setSetting({ key: 'x', value: 'y' })).toBe(true);
        await db.updateChatUser({ chatId: -1001000000011, userId: 77, username: '@new', fullName: 'New' });
        expect(await db.getSetting({ key: 'x' })).toBe('y');
        expect(await db.getSetting({ key: 'db-migration-version' })).toBe('7');
      } finally {
        await db.close();
      }
      expect(schemaOf(path)).toEqual(schemaOf(copyReferenceDb(dir.path, 'ref.db')));
    });
  });
});
