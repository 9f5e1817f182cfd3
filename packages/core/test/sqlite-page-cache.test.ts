/**
 * Every connection of a SQLite source has SQLite's page cache sized by the broker (PAGE_CACHE_KIB, 1 MiB), not
 * better-sqlite3's build default of 16 MB, which an active source filled (+16 MB of RSS per source): the first
 * connection, one opened beside a transaction, the transaction's own, and a readonly source's.
 */
import { DatabaseWrapper } from '@pkg/core';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, expect, it } from 'vitest';

const EXPECTED = [{ cache_size: -1024 }];
let dir: TempDir;
beforeEach(() => {
  dir = createTempDir('core-page-cache-');
});
afterEach(() => dir.cleanup());

it('sizes the page cache on every connection of a SQLite source, readonly ones too', async () => {
  const path = dir.file('bot.db');
  const archivePath = dir.file('archive.db');
  const seed = new DatabaseWrapper({ dbPath: archivePath });
  await seed.ready();
  await seed.close();
  const db = new DatabaseWrapper({
    config: { default: 'main', sources: { main: { path }, archive: { path: archivePath, readonly: true } } },
  });
  try {
    expect(await db.query({ sql: 'PRAGMA cache_size' })).toEqual(EXPECTED);
    await db.transaction({ dataSource: 'main' }, async (tx) => {
      expect(await tx.query('PRAGMA cache_size')).toEqual(EXPECTED);
      // The transaction holds the first connection: this read opens a second one.
      expect(await db.query({ sql: 'PRAGMA cache_size' })).toEqual(EXPECTED);
    });
    expect((await db.stats()).main?.connectionsOpened).toBe(2);
    expect(await db.query({ sql: 'PRAGMA cache_size', dataSource: 'archive' })).toEqual(EXPECTED);
  } finally {
    await db.close();
  }
});
