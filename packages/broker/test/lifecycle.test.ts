import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('broker lifecycle', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-life-');
  });
  afterEach(() => dir.cleanup());

  it('close() drains the calls already queued, then refuses new ones with SOURCE_CLOSED', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    const queued = Array.from({ length: 100 }, (_, i) => b.call('a', 'put', { k: `k${i}`, v: 'v' }));
    await b.close();
    expect((await Promise.allSettled(queued)).every((s) => s.status === 'fulfilled')).toBe(true);
    await expect(b.call('a', 'get', { k: 'k0' })).rejects.toMatchObject({ code: 'SOURCE_CLOSED' });
    // The data is on disk: a new broker reads it.
    const again = broker([spec('a', dir.file('a.db'))]);
    try {
      expect(await again.call('a', 'count', {})).toBe(100);
    } finally {
      await again.close();
    }
  });

  it('names an unknown source and lists the known ones', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await expect(b.call('nope', 'get', { k: 'x' })).rejects.toMatchObject({
        code: 'UNKNOWN_SOURCE',
        message: expect.stringContaining('"a"'),
      });
    } finally {
      await b.close();
    }
  });

  it('a readonly source whose file is missing fails to open with SOURCE_OPEN_FAILED naming the path', async () => {
    const path = dir.file('missing.db');
    const b = broker([spec('ro', path, { readonly: true })]);
    try {
      await expect(b.ready()).rejects.toMatchObject({
        code: 'SOURCE_OPEN_FAILED',
        message: expect.stringContaining(path),
      });
      await expect(b.call('ro', 'get', { k: 'x' })).rejects.toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
    } finally {
      await b.close();
    }
  });

  it('reports SQLite failures as QUERY_FAILED with the SQLite code, and keeps serving', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await expect(b.call('a', 'fail', {})).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        details: { sqliteCode: 'SQLITE_ERROR', source: 'a' },
      });
      expect(await b.call('a', 'count', {})).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('a call whose arguments cannot be copied to the worker fails alone, with INVALID_ARGUMENT', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await b.call('a', 'put', { k: 'x', v: '1' });
      const [before, bad, after] = await Promise.allSettled([
        b.call('a', 'get', { k: 'x' }),
        b.call('a', 'get', { k: () => 'x' }),
        b.call('a', 'get', { k: 'x' }),
      ]);
      expect(before).toEqual({ status: 'fulfilled', value: '1' });
      expect(after).toEqual({ status: 'fulfilled', value: '1' });
      expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_ARGUMENT' } });
    } finally {
      await b.close();
    }
  });

  it('close() while a transaction is open lets it finish, then the writes waiting for it run', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    let closed: Promise<void> | undefined;
    let waiting: Promise<unknown> | undefined;
    await b.transaction('a', async (tx) => {
      await tx.call('put', { k: 'x', v: 'tx' });
      waiting = b.call('a', 'put', { k: 'y', v: 'after tx' });
      closed = b.close();
      await tx.call('put', { k: 'z', v: 'tx' });
    });
    await closed;
    await waiting;
    const again = broker([spec('a', dir.file('a.db'))]);
    try {
      expect(await again.call('a', 'count', {})).toBe(3);
    } finally {
      await again.close();
    }
  });
});
