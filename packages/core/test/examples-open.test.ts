/**
 * Every file in configs/examples is loaded AND opened: copied into a temp folder (paths in an
 * example are relative to its own folder), readonly sources given an existing file (the bot's
 * reference database: a readonly source is never created), then a real DatabaseWrapper opens every
 * source, reads each one and writes each writable one. A readonly source refuses the write.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DatabaseConfig, DatabaseWrapper, loadConfig } from '@pkg/core';
import { copyReferenceDb, createTempDir, REFERENCE_CHAT_IDS, type TempDir } from '@pkg/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const EXAMPLES_DIR = fileURLToPath(new URL('../../../configs/examples/', import.meta.url));
const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.toml'));
const ARCHIVED_CHAT = REFERENCE_CHAT_IDS[0] as number;

let dir: TempDir | undefined;
let db: DatabaseWrapper | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
  dir?.cleanup();
  dir = undefined;
});

/** Copies an example into a temp folder and loads it; readonly sources get a copy of the reference db. */
async function openExample(name: string): Promise<{ config: DatabaseConfig; db: DatabaseWrapper; dir: TempDir }> {
  dir = createTempDir('core-examples-');
  const file = dir.file(name);
  copyFileSync(path.join(EXAMPLES_DIR, name), file);
  const { config } = await loadConfig({ path: file, env: {}, logger: { warn: () => undefined } });
  for (const source of Object.values(config.sources)) {
    // The examples are SQLite files next to the config.
    if (source.type !== 'sqlite') throw new Error(`example ${name} has a ${source.type} source`);
    expect(path.dirname(source.path)).toBe(dir.path);
    if (source.readonly) copyReferenceDb(dir.path, path.basename(source.path));
  }
  db = new DatabaseWrapper({ config, logger: { debug: () => undefined, warn: () => undefined } });
  await db.ready();
  return { config, db, dir };
}

describe('configs/examples open with a real DatabaseWrapper', () => {
  it('holds the seeds four multi-source examples', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'multi-source-basic.toml',
        'multi-source-advanced.toml',
        'multi-source-readonly-only.toml',
        'multi-source-migration.toml',
      ]),
    );
  });

  it.each(examples)('%s: every source opens, answers a read, and takes (or refuses) a write', async (name) => {
    const { config, db } = await openExample(name);
    expect(db.sources).toEqual([config.default, ...Object.keys(config.sources).filter((n) => n !== config.default)]);
    for (const [source, spec] of Object.entries(config.sources)) {
      const rows = (await db.query({ sql: 'SELECT count(*) AS n FROM chat_messages', dataSource: source })) as {
        n: number;
      }[];
      expect(rows[0]?.n).toBeGreaterThanOrEqual(0);
      const write = db.setSetting({ key: `example-${source}`, value: 'yes', dataSource: source });
      if (spec.readonly) {
        await expect(write).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
      } else {
        await expect(write).resolves.toBe(true);
        await expect(db.getSetting({ key: `example-${source}`, dataSource: source })).resolves.toBe('yes');
      }
    }
    const stats = await db.stats();
    expect(Object.keys(stats).sort()).toEqual(Object.keys(config.sources).sort());
  });
});

describe('what each multi-source example promises', () => {
  it('multi-source-basic: the archived chat is read from archive.db, its writes are refused', async () => {
    const { db } = await openExample('multi-source-basic.toml');
    expect(db.routeFor({ chatId: ARCHIVED_CHAT })).toMatchObject({ source: 'archive', readonly: true });
    expect(await db.getChatInfo({ chatId: ARCHIVED_CHAT })).not.toBeNull();
    await expect(
      db.updateChatInfo({ chatId: ARCHIVED_CHAT, type: 'supergroup', title: 'moved' }),
    ).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
    // Another chat lives in the fresh primary: not there yet, written there.
    expect(await db.getChatInfo({ chatId: 777 })).toBeNull();
    await db.updateChatInfo({ chatId: 777, type: 'private', title: 'new' });
    expect(db.routeFor({ chatId: 777 }).source).toBe('primary');
  });

  it('multi-source-advanced: five sources with their pools and limits; an unknown dataSource is refused', async () => {
    const { config, db } = await openExample('multi-source-advanced.toml');
    expect(db.sources).toEqual(['primary', 'archive', 'external_bot', 'test', 'test_staging']);
    expect(config.sources.primary).toMatchObject({ poolSize: 8, maxQueued: 20000, transactionTimeout: 30 });
    expect(config.sources.test).toMatchObject({ poolSize: 1, maxQueued: 100, queryTimeout: 2, maxMemoryMb: 64 });
    expect(db.routeFor({ chatId: 100200 }).source).toBe('test');
    expect(db.routeFor({ chatId: -1001000000020 })).toMatchObject({ source: 'external_bot', readonly: true });
    await expect(db.getSetting({ key: 'x', dataSource: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_SOURCE' });
    await db.updateChatInfo({ chatId: 100200, type: 'private', title: 'test chat' });
    expect(await db.getChatInfo({ chatId: 100200, dataSource: 'primary' })).toBeNull();
    expect(await db.getChatInfo({ chatId: 100200 })).toMatchObject({ title: 'test chat' });
  });

  it('multi-source-readonly-only: reads work; every write, system-wide ones included, is READONLY_SOURCE', async () => {
    const { db } = await openExample('multi-source-readonly-only.toml');
    expect(await db.getChatInfo({ chatId: ARCHIVED_CHAT })).not.toBeNull();
    for (const write of [
      db.setSetting({ key: 'k', value: 'v' }),
      db.setCacheEntry({ key: 'k', data: 'v', cacheType: 'weather' }),
      db.clearCache({ cacheType: 'weather' }),
      db.setCacheStorage({ namespace: 'n', key: 'k', value: 'v' }),
      db.addMediaAttachment({ fileUniqueId: 'u', fileId: 'f' }),
      db.addDelayedTask({ taskId: 't', function: 'f', kwargs: '{}', delayedTS: 1 }),
      db.updateChatInfo({ chatId: 5, type: 'private', title: 't' }),
    ]) {
      await expect(write).rejects.toMatchObject({ code: 'READONLY_SOURCE' });
    }
  });

  it('multi-source-migration: an existing bot.db is the "default" source, read unchanged', async () => {
    dir = createTempDir('core-examples-');
    const file = dir.file('multi-source-migration.toml');
    copyFileSync(path.join(EXAMPLES_DIR, 'multi-source-migration.toml'), file);
    copyReferenceDb(dir.path, 'bot.db');
    const { config } = await loadConfig({ path: file, env: {} });
    db = new DatabaseWrapper({ config });
    await db.ready();
    expect(db.sources).toEqual(['default']);
    const legacy = new DatabaseWrapper({ dbPath: dir.file('bot.db') });
    try {
      for (const chatId of REFERENCE_CHAT_IDS) {
        expect(await db.getChatInfo({ chatId })).toEqual(await legacy.getChatInfo({ chatId }));
      }
      expect(await db.getChatInfo({ chatId: ARCHIVED_CHAT })).not.toBeNull();
    } finally {
      await legacy.close();
    }
  });
});
