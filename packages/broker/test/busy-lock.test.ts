import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a write waiting for another connection’s lock', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-busy-');
  });
  afterEach(() => dir.cleanup());

  it('does not hold up reads on the same source, and succeeds once the lock is released', async () => {
    const path = dir.file('a.db');
    const b = broker([spec('a', path, { timeoutMs: 5_000 })]);
    const other = new Database(path);
    try {
      await b.call('a', 'put', { k: 'x', v: 'committed' });
      other.exec('BEGIN IMMEDIATE'); // another process's writer holds the write lock
      const write = b.call('a', 'put', { k: 'y', v: 'waited' });
      const laterWrite = b.call('a', 'put', { k: 'y', v: 'second' }); // keeps its order behind the first
      let written = false;
      void write.then(() => {
        written = true;
      });
      await new Promise((r) => setTimeout(r, 30));
      const started = Date.now();
      for (let i = 0; i < 5; i++) expect(await b.call('a', 'get', { k: 'x' })).toBe('committed');
      // Not stuck behind the write, which waits up to its 5 s timeout (a bound with room for a busy machine).
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(written).toBe(false);
      other.exec('ROLLBACK');
      await expect(write).resolves.toBe(1);
      await expect(laterWrite).resolves.toBe(1);
      expect(await b.call('a', 'get', { k: 'y' })).toBe('second');
    } finally {
      other.close();
      await b.close();
    }
  });

  it('fails with QUERY_FAILED SQLITE_BUSY and a clear message when the lock outlasts the timeout', async () => {
    const path = dir.file('a.db');
    const b = broker([spec('a', path, { timeoutMs: 150 })]);
    const other = new Database(path);
    try {
      await b.ready();
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      await expect(b.call('a', 'put', { k: 'y', v: 'never' })).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        details: { sqliteCode: 'SQLITE_BUSY', source: 'a' },
        message: expect.stringMatching(/write lock for the whole 150 ms timeout.*Fix:/),
      });
      expect(Date.now() - started).toBeLessThan(10_000); // the 150 ms timeout, not a hang; room for a busy machine
      await expect(b.transaction('a', (tx) => tx.call('put', { k: 'z', v: '1' }))).rejects.toMatchObject({
        details: { sqliteCode: 'SQLITE_BUSY' },
      });
      other.exec('ROLLBACK');
      await expect(b.call('a', 'put', { k: 'y', v: 'now' })).resolves.toBe(1);
    } finally {
      other.close();
      await b.close();
    }
  });
});
