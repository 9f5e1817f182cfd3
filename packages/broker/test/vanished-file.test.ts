import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { SourceUnavailableError } from '@pkg/errors';
import { createTempDir, fileSha256, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a source file deleted or replaced while the source is open', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-vanished-');
  });
  afterEach(() => dir.cleanup());

  it('deleted: writes fail with SOURCE_UNAVAILABLE naming the file, and no empty file is created in its place', async () => {
    const path = dir.file('a.db');
    const b = broker([spec('a', path)]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'before' });
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      const write = b.call('a', 'put', { k: 'y', v: 'lost?' });
      await expect(write).rejects.toBeInstanceOf(SourceUnavailableError);
      await expect(write).rejects.toMatchObject({
        code: 'SOURCE_UNAVAILABLE',
        message: expect.stringContaining(path),
        details: { source: 'a', path, reason: expect.stringMatching(/deleted/) },
      });
      // The source is marked unavailable: reads and transactions fail too, nothing is written.
      await expect(b.call('a', 'get', { k: 'x' })).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      await expect(b.transaction('a', (tx) => tx.call('put', { k: 'z', v: '1' }))).rejects.toMatchObject({
        code: 'SOURCE_UNAVAILABLE',
      });
      expect((await b.stats()).a?.unavailable).toMatch(/deleted/);
      // A restarted worker does not create a fresh empty database either.
      await expect(b.call('a', 'crash', {})).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      expect(existsSync(path)).toBe(false);
    } finally {
      await b.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it('deleted, then the worker restarts: it refuses to open instead of creating an empty file', async () => {
    const path = dir.file('a.db');
    const b = broker([spec('a', path)]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'before' });
      rmSync(path);
      await expect(b.call('a', 'crash', {})).rejects.toMatchObject({ code: 'SOURCE_CRASHED' });
      await expect(b.call('a', 'get', { k: 'x' })).rejects.toMatchObject({
        code: 'SOURCE_UNAVAILABLE',
        details: { path },
      });
      expect((await b.stats()).a?.unavailable).toMatch(/deleted/);
      expect(existsSync(path)).toBe(false);
    } finally {
      await b.close();
    }
  });

  it('replaced by another file: writes and commits fail with SOURCE_UNAVAILABLE; the new file is not written', async () => {
    const path = dir.file('a.db');
    const other = dir.file('other.db');
    const db = new Database(other);
    db.exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('o', 'other')`);
    db.close();
    const b = broker([spec('a', path)]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'before' });
      const committed = b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'in-tx', v: '1' });
        // A restore as a script would do it: the old WAL files removed, the backup renamed into place.
        for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        copyFileSync(other, `${path}.tmp`);
        renameSync(`${path}.tmp`, path);
      });
      await expect(committed).rejects.toMatchObject({
        code: 'SOURCE_UNAVAILABLE',
        details: { reason: expect.stringMatching(/replaced/) },
      });
      await expect(b.call('a', 'put', { k: 'y', v: '1' })).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
    } finally {
      await b.close();
    }
    expect(fileSha256(path)).toBe(fileSha256(other));
  });
});
