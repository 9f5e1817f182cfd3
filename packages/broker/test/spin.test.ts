import { ConfigError } from '@pkg/errors';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec, thrown } from './helpers.js';

/** `spinUs`: the worker checks its data port before parking. It must change nothing but the timing. */
describe('a worker that spins on its data port (spinUs)', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-spin-');
  });
  afterEach(() => dir.cleanup());

  it('answers calls one at a time and 64 at once in order, and still serves stats, transactions and close', async () => {
    const b = broker([spec('a', dir.file('a.db'))], { spinUs: 1_000 });
    try {
      // One in flight: each next call arrives while the worker spins after the previous answer.
      for (let i = 0; i < 200; i++) await b.call('a', 'put', { k: `k${i}`, v: String(i) });
      for (let i = 0; i < 200; i++) expect(await b.call('a', 'get', { k: `k${i}` })).toBe(String(i));
      const many = await Promise.all(Array.from({ length: 64 }, (_, i) => b.call('a', 'get', { k: `k${i}` })));
      expect(many).toEqual(Array.from({ length: 64 }, (_, i) => String(i)));
      // The control plane (Comlink) is not starved by a spinning worker.
      const stats = (await b.stats()).a;
      expect(stats?.calls).toBeGreaterThanOrEqual(464);
      await b.transaction('a', async (tx) => {
        await tx.call('put', { k: 'tx', v: 'in' });
        expect(await tx.call('get', { k: 'tx' })).toBe('in');
      });
      expect(await b.call('a', 'count', {})).toBe(201);
    } finally {
      await b.close();
    }
  }, 30_000);

  it('refuses spinUs out of range with CONFIG_INVALID naming the option and the range', () => {
    for (const bad of [-1, 1.5, 1_001, Number.NaN]) {
      const e = thrown(() => broker([spec('a', dir.file('a.db'))], { spinUs: bad }));
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues[0]).toMatchObject({
        key: 'options.spinUs',
        message: expect.stringMatching(/from 0 to 1000/),
      });
    }
  });
});
