/**
 * Backward compatibility, proven on the existing bot's own database: opened unchanged, in
 * legacy mode and as a readonly source, every read returns what the bot's own code returned.
 */
import { DatabaseWrapper } from '@pkg/core';
import {
  copyReferenceDb,
  createTempDir,
  fileSha256,
  readReferenceExpected,
  readReferenceWrites,
  type TempDir,
  withLibraryTieOrder,
} from '@pkg/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReferenceReads } from './helpers.js';

/** The bot's answers, with the library's deliberate same-second order (docs/migration-guide.md). */
const expected = withLibraryTieOrder(readReferenceExpected());
const writes = readReferenceWrites();

describe('the reference bot.db (schema version 6)', () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = createTempDir('core-ref-');
  });
  afterAll(() => dir.cleanup());

  it('opened in legacy mode (one writable file) answers every read as the bot did', async () => {
    const db = new DatabaseWrapper({ dbPath: copyReferenceDb(dir.path, 'legacy.db') });
    try {
      expect(await collectReferenceReads(db, expected, writes)).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it('opened as a readonly source answers every read as the bot did, and the file stays byte-identical', async () => {
    const path = copyReferenceDb(dir.path, 'readonly.db');
    const before = fileSha256(path);
    const db = new DatabaseWrapper({
      config: { default: 'ref', sources: { ref: { path, readonly: true } } },
    });
    try {
      expect(await collectReferenceReads(db, expected, writes)).toEqual(expected);
    } finally {
      await db.close();
    }
    expect(fileSha256(path)).toBe(before);
  });

  it('is not migrated: its schema version stays 6 and its tables are untouched', async () => {
    const path = copyReferenceDb(dir.path, 'untouched.db');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await db.ready();
      const settings = await db.getSettings();
      expect(settings['db-migration-version']).toBe('6');
      expect(settings['db-migration-last-run']).toBe('2026-11-23T04:40:51.447777');
    } finally {
      await db.close();
    }
  });
});
