/**
 * Forward compatibility: the bot's recorded writes, replayed through our API into a new file,
 * produce the same reads and the same schema, so the existing bot can open what we write.
 */

import { DatabaseWrapper } from '@pkg/core';
import {
  createTempDir,
  REFERENCE,
  readReferenceExpected,
  readReferenceWrites,
  replay,
  type TempDir,
  withLibraryTieOrder,
} from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectReferenceReads, withoutWallClock } from './helpers.js';

/** The bot's answers, with the library's deliberate same-second order (docs/migration-guide.md). */
const expected = withLibraryTieOrder(readReferenceExpected());
const writes = readReferenceWrites();

function schemaOf(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();
  } finally {
    db.close();
  }
}

describe('replaying the bot’s writes into a fresh file', () => {
  let dir: TempDir;
  let path: string;
  let reads: unknown;

  beforeAll(async () => {
    dir = createTempDir('core-replay-');
    path = dir.file('replayed.db');
    const db = new DatabaseWrapper({ dbPath: path });
    try {
      await replay(db, writes.ops);
      reads = await collectReferenceReads(db, expected, writes);
    } finally {
      await db.close();
    }
  }, 120_000);
  afterAll(() => dir.cleanup());

  it('gives the same reads as the bot’s file, ignoring only created_at/updated_at', () => {
    expect(withoutWallClock(reads)).toEqual(withoutWallClock(expected));
  });

  it('creates exactly the schema the bot’s file has (sqlite_master), so the bot opens it without migrating', () => {
    expect(schemaOf(path)).toEqual(schemaOf(REFERENCE.db));
  });

  it('records the schema version where the bot looks for it', () => {
    const db = new Database(path, { readonly: true });
    try {
      const rows = db.prepare(`SELECT key, value FROM settings WHERE key LIKE 'db-migration-%'`).all() as {
        key: string;
        value: string;
      }[];
      const byKey = Object.fromEntries(rows.map((r) => [r.key, r.value]));
      expect(byKey['db-migration-version']).toBe('6');
      expect(byKey['db-migration-last-run']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    } finally {
      db.close();
    }
  });

  it('stores rows in the bot’s formats: text timestamps, TEXT message ids, 0/1 flags, thread 0', () => {
    const db = new Database(path, { readonly: true });
    try {
      const row = db
        .prepare(
          `SELECT typeof(message_id) AS id_type, date, thread_id FROM chat_messages WHERE chat_id = -1001000000012 AND message_id = '1'`,
        )
        .get() as { id_type: string; date: string; thread_id: number };
      expect(row).toEqual({ id_type: 'text', date: '2025-11-01 08:00:00', thread_id: 0 });
      const flags = db.prepare('SELECT DISTINCT typeof(is_spammer) AS t, is_spammer FROM chat_users ORDER BY 2').all();
      expect(flags).toEqual([
        { t: 'integer', is_spammer: 0 },
        { t: 'integer', is_spammer: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});
