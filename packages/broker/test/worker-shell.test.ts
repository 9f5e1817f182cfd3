import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { createTempDir, type TempDir } from '@pkg/testkit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

/** What the one worker shell adds around a runner, seen through the broker on SQLite. */
describe('the worker shell', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-shell-');
  });
  afterEach(() => dir.cleanup());

  const settledWithin = <T>(p: Promise<T>, ms: number) =>
    Promise.race([
      p.then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      ),
      new Promise((r) => setTimeout(() => r('still waiting'), ms)),
    ]);

  it('a commit that finds the file replaced rolls back and frees the transaction: the writes waiting for it are answered', async () => {
    const path = dir.file('a.db');
    const other = dir.file('other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)');
    db.close();
    const b = broker([spec('a', path)]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'before' });
      let outside: Promise<unknown> | undefined;
      const committed = b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'in-tx', v: '1' });
        outside = b.call('a', 'put', { k: 'outside', v: '1' }); // waits in the worker for the transaction's end
        outside.catch(() => undefined); // observed below, after the commit
        await new Promise((r) => setTimeout(r, 50)); // it reaches the worker before the file changes
        for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
        copyFileSync(other, `${path}.tmp`);
        renameSync(`${path}.tmp`, path);
        // The callback catches the failed write and goes on to COMMIT.
        await expect(tx.call('put', { k: 'in-tx', v: '2' })).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      });
      await expect(committed).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      expect(await settledWithin(outside as Promise<unknown>, 3_000)).toBe('SOURCE_UNAVAILABLE');
    } finally {
      await b.close();
    }
  });

  it('an operations module that cannot be loaded fails the open with SOURCE_OPEN_FAILED naming the module', async () => {
    const missing = new URL('./fixtures/no-such-module.mjs', import.meta.url).href;
    const b = broker([spec('a', dir.file('a.db'), { operationsModule: missing })]);
    try {
      await expect(b.call('a', 'get', { k: 'x' })).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringContaining('no-such-module.mjs'),
      });
    } finally {
      await b.close();
    }
  });

  it('an unknown operation fails alone, naming it; the calls beside it are answered', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      const [put, unknown, get] = await Promise.allSettled([
        b.call('a', 'put', { k: 'x', v: '1' }),
        b.call('a', 'noSuchOperation' as 'get', { k: 'x' }),
        b.call('a', 'get', { k: 'x' }),
      ]);
      expect(put).toEqual({ status: 'fulfilled', value: 1 });
      expect(unknown).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringContaining('noSuchOperation') },
      });
      expect(get).toEqual({ status: 'fulfilled', value: '1' });
    } finally {
      await b.close();
    }
  });
});
