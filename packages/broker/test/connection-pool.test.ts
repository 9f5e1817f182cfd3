import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('the connection pool of a source', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-pool-');
  });
  afterEach(() => dir.cleanup());

  it('reuses its connections: 1,000 calls open one connection', async () => {
    const b = broker([spec('a', dir.file('a.db'), { poolSize: 5 })]);
    try {
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => b.call('a', 'put', { k: `k${i}`, v: String(round) })));
      }
      const s = (await b.stats()).a;
      expect(s?.connectionsOpened).toBe(1);
      expect(s?.connectionsAcquired).toBeGreaterThanOrEqual(1000);
      expect(s?.reuseRate).toBeGreaterThan(0.99);
      expect(s?.statementsPrepared).toBeLessThanOrEqual(3);
    } finally {
      await b.close();
    }
  });

  it('reserves a connection for a transaction while another serves reads; outside writes wait for it', async () => {
    const b = broker([spec('a', dir.file('a.db'), { poolSize: 2 })]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'before' });
      let outsideWrite: Promise<unknown> | undefined;
      await b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'x', v: 'inside' });
        // A read outside sees committed data only, on the other connection.
        expect(await b.call('a', 'get', { k: 'x' })).toBe('before');
        outsideWrite = b.call('a', 'put', { k: 'x', v: 'outside' });
        expect(await tx.call('get', { k: 'x' })).toBe('inside');
      });
      await outsideWrite;
      expect(await b.call('a', 'get', { k: 'x' })).toBe('outside');
      expect((await b.stats()).a?.connectionsOpened).toBe(2);
    } finally {
      await b.close();
    }
  });

  it('rolls a transaction back when its callback throws', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await expect(
        b.transaction('a', async (tx) => {
          await tx.call('put', { k: 'gone', v: '1' });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await b.call('a', 'get', { k: 'gone' })).toBeNull();
    } finally {
      await b.close();
    }
  });

  it('a transaction and a write issued in the same tick both settle (no batch waits on the other)', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await b.ready();
      const tx = b.transaction('a', async (t) => {
        await t.call('put', { k: 'x', v: 'tx' });
      });
      const write = b.call('a', 'put', { k: 'x', v: 'outside' });
      const twoTx = [1, 2].map((n) =>
        b.transaction('a', async (t) => {
          await t.call('put', { k: `t${n}`, v: String(n) });
        }),
      );
      await Promise.all([tx, write, ...twoTx]);
      expect(await b.call('a', 'get', { k: 'x' })).toBe('outside');
      expect(await b.call('a', 'count', {})).toBe(3);
    } finally {
      await b.close();
    }
  });
});

describe('plans on the SQLite engine', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-plans-');
  });
  afterEach(() => dir.cleanup());

  it('an Atomic step applies all its statements or none, inside a transaction too (a savepoint)', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      expect(await b.call('a', 'putPair', { a: 'x', b: 'y' })).toEqual([1, 1, 2]);
      await expect(b.call('a', 'putPair', { a: 'p', b: 'q', fail: true })).rejects.toMatchObject({
        code: 'QUERY_FAILED',
      });
      expect(await b.call('a', 'get', { k: 'p' })).toBeNull();
      await b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'kept', v: '1' });
        await expect(tx.call('putPair', { a: 'p', b: 'q', fail: true })).rejects.toMatchObject({
          code: 'QUERY_FAILED',
        });
        // Only the failed step's savepoint was rolled back.
        expect(await tx.call('get', { k: 'kept' })).toBe('1');
        expect(await tx.call('get', { k: 'p' })).toBeNull();
      });
      expect(await b.call('a', 'count', {})).toBe(3);
    } finally {
      await b.close();
    }
  });

  it('gives plans the SQLite bindings and converts the dates and flags named on a query', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      expect(await b.call('a', 'engineInfo', {})).toEqual({
        engine: 'sqlite',
        source: 'a',
        row: { t: 'sqlite text', f: true, ts: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) },
      });
    } finally {
      await b.close();
    }
  });
});
