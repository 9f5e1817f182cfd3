/** The migration runner on real files: all-or-nothing, versioned where the bot keeps it. */
import type { SqliteSourceSpec } from '@pkg/broker';
import { copyReferenceDb, createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, type Migration, prepareSchema } from '../src/engines/sqlite/prepare.js';

const spec = (path: string): SqliteSourceSpec => ({
  engine: 'sqlite',
  name: 'primary',
  path,
  readonly: false,
  poolSize: 1,
  timeoutMs: 1000,
  maxQueued: 10,
  transactionTimeoutMs: 60_000,
  queryTimeoutMs: 30_000,
  maxMemoryMb: 512,
  operationsModule: '',
});

const tables = (db: Database.Database) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
    (r) => r.name,
  );

describe('the migration runner', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('core-migrate-');
  });
  afterEach(() => dir.cleanup());

  it('rolls everything back when a migration fails: no table, no version marker', () => {
    const db = new Database(dir.file('new.db'));
    const failing: Migration = {
      version: 7,
      description: 'breaks halfway',
      up(d) {
        d.exec('CREATE TABLE half_done (a)');
        d.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    try {
      expect(() => prepareSchema(db, spec(dir.file('new.db')), [...MIGRATIONS, failing])).toThrow(
        expect.objectContaining({
          code: 'MIGRATION_FAILED',
          message: expect.stringMatching(/version 7.*no_such_table.*left as it was/s),
        }),
      );
      expect(tables(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('upgrades a version-6 file step by step and records the new version', () => {
    const path = copyReferenceDb(dir.path, 'v6.db');
    const db = new Database(path);
    const addIndex: Migration = {
      version: 7,
      description: 'adds a table',
      up(d) {
        d.exec('CREATE TABLE reactions (chat_id INTEGER, message_id TEXT, emoji TEXT)');
      },
    };
    try {
      expect(prepareSchema(db, spec(path), [...MIGRATIONS, addIndex])).toEqual({});
      expect(tables(db)).toContain('reactions');
      const version = db.prepare(`SELECT value FROM settings WHERE key = 'db-migration-version'`).get();
      expect(version).toEqual({ value: '7' });
      expect(db.prepare('SELECT count(*) AS n FROM chat_messages').get()).toEqual({ n: 2000 });
    } finally {
      db.close();
    }
  });

  it('leaves a file already at the latest version untouched', () => {
    const path = copyReferenceDb(dir.path, 'same.db');
    const db = new Database(path);
    try {
      const before = db.prepare('SELECT * FROM settings ORDER BY key').all();
      expect(prepareSchema(db, spec(path))).toEqual({});
      expect(db.prepare('SELECT * FROM settings ORDER BY key').all()).toEqual(before);
    } finally {
      db.close();
    }
  });
});
