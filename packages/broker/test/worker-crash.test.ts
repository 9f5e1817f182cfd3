import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a source worker that dies', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-crash-');
  });
  afterEach(() => dir.cleanup());

  it('rejects the calls it held with SOURCE_CRASHED, restarts, and later calls work', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'kept' });
      const inFlight = [b.call('a', 'get', { k: 'x' }), b.call('a', 'crash', {}), b.call('a', 'get', { k: 'x' })];
      const settled = await Promise.allSettled(inFlight);
      const crashed = settled.filter((s) => s.status === 'rejected');
      expect(crashed.length).toBeGreaterThan(0);
      for (const s of crashed) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'SOURCE_CRASHED' });
      // Committed data survived; the restarted worker serves reads and writes.
      expect(await b.call('a', 'get', { k: 'x' })).toBe('kept');
      await b.call('a', 'put', { k: 'y', v: 'after' });
      expect(await b.call('a', 'get', { k: 'y' })).toBe('after');
      expect((await b.stats()).a?.restarts).toBe(1);
    } finally {
      await b.close();
    }
  });

  it('recovers from an uncaught exception thrown inside the worker', async () => {
    const b = broker([spec('a', dir.file('a.db'))]);
    try {
      // The worker answers, then dies on its next turn: the answer and the death race to the main
      // thread (under load the death can win), and either outcome is the documented contract.
      const first = await b.call('a', 'throwUncaught', {}).catch((e: unknown) => e);
      if (first !== 'scheduled') expect(first).toMatchObject({ code: 'SOURCE_CRASHED' });
      // Poll until the restart has happened.
      for (let i = 0; i < 100 && (await b.stats()).a?.restarts === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await b.stats()).a?.restarts).toBe(1);
      await b.call('a', 'put', { k: 'z', v: '1' });
      expect(await b.call('a', 'get', { k: 'z' })).toBe('1');
    } finally {
      await b.close();
    }
  });

  it('does not affect the other sources', async () => {
    const b = broker([spec('a', dir.file('a.db')), spec('b', dir.file('b.db'))]);
    try {
      await b.call('b', 'put', { k: 'x', v: 'b' });
      const [crash, other] = await Promise.allSettled([b.call('a', 'crash', {}), b.call('b', 'get', { k: 'x' })]);
      expect(crash.status).toBe('rejected');
      expect(other).toEqual({ status: 'fulfilled', value: 'b' });
      expect((await b.stats()).b?.restarts).toBe(0);
    } finally {
      await b.close();
    }
  });
});
