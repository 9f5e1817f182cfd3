import { SourceOverloadedError } from '@pkg/errors';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a source with a bounded queue', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-queue-');
  });
  afterEach(() => dir.cleanup());

  it('fails calls past max-queued at once with SOURCE_OVERLOADED and runs the rest', async () => {
    const b = broker([spec('a', dir.file('a.db'), { maxQueued: 50 })]);
    try {
      await b.ready();
      const calls = Array.from({ length: 200 }, (_, i) => b.call('a', 'put', { k: `k${i}`, v: String(i) }));
      const settled = await Promise.allSettled(calls);
      const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason);
      const done = settled.filter((s) => s.status === 'fulfilled').length;
      expect(done).toBe(50);
      expect(refused).toHaveLength(150);
      for (const e of refused) {
        expect(e).toBeInstanceOf(SourceOverloadedError);
        expect(e.code).toBe('SOURCE_OVERLOADED');
        expect(e.message).toContain('"a"');
      }
      // Nothing refused was written; everything accepted was.
      expect(await b.call('a', 'count', {})).toBe(50);
      // The queue drains and the source takes calls again.
      expect(await b.call('a', 'get', { k: 'k0' })).toBe('0');
    } finally {
      await b.close();
    }
  });

  it('sends calls made in the same tick together, as one batch', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await b.ready();
      const before = (await b.stats()).a?.batches ?? 0;
      await Promise.all(Array.from({ length: 500 }, (_, i) => b.call('a', 'get', { k: `k${i}` })));
      const after = (await b.stats()).a?.batches ?? 0;
      expect(after - before).toBeLessThanOrEqual(2);
    } finally {
      await b.close();
    }
  });

  it('never refuses a transaction’s own calls, even with the queue full of writes waiting for it', async () => {
    const b = broker([spec('a', dir.file('a.db'), { maxQueued: 5 })]);
    try {
      await b.ready();
      const waiting: Promise<unknown>[] = [];
      await b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'in', v: 'tx' });
        for (let i = 0; i < 5; i++) waiting.push(b.call('a', 'put', { k: `w${i}`, v: 'after' }));
        await Promise.resolve();
        for (let i = 0; i < 3; i++) await tx.call('put', { k: `in${i}`, v: 'tx' });
      });
      await Promise.all(waiting);
      expect(await b.call('a', 'count', {})).toBe(9);
    } finally {
      await b.close();
    }
  });
});
