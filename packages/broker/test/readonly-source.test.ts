import { createTempDir, fileSha256, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a readonly source', () => {
  let dir: TempDir;
  let path: string;
  beforeEach(() => {
    dir = createTempDir('broker-ro-');
    path = dir.file('ro.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('x', 'stored');`);
    db.close();
  });
  afterEach(() => dir.cleanup());

  it('refuses a raw write inside its worker: SQLite itself says SQLITE_READONLY, and the file is unchanged', async () => {
    const before = fileSha256(path);
    const b = broker([spec('ro', path, { readonly: true })]);
    try {
      expect(await b.call('ro', 'get', { k: 'x' })).toBe('stored');
      for (const sql of [
        `INSERT INTO kv VALUES ('y', 'no')`,
        `UPDATE kv SET v = 'no'`,
        'DROP TABLE kv',
        'CREATE TABLE t (a)',
      ]) {
        await expect(b.query('ro', sql, [], 'run')).rejects.toMatchObject({
          code: 'QUERY_FAILED',
          details: { sqliteCode: expect.stringMatching(/^SQLITE_READONLY/) },
        });
      }
      await expect(b.call('ro', 'put', { k: 'y', v: 'no' })).rejects.toMatchObject({ code: 'QUERY_FAILED' });
      await expect(b.query('ro', 'PRAGMA query_only', [], 'get')).resolves.toEqual({ query_only: 1 });
    } finally {
      await b.close();
    }
    expect(fileSha256(path)).toBe(before);
  });
});
