import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('lazy sources', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-lazy-');
  });
  afterEach(() => dir.cleanup());

  it('starts a source’s worker on its first call, not before; stats() shows which run', async () => {
    const a = join(dir.path, 'a.db');
    const b = join(dir.path, 'b.db');
    const br = broker([spec('a', a), spec('b', b)]);
    try {
      // A worker would have created the (writable) file while opening it.
      await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(a) || existsSync(b)).toBe(false);
      let stats = await br.stats();
      expect([stats.a?.running, stats.b?.running]).toEqual([false, false]);
      expect(existsSync(a) || existsSync(b)).toBe(false);

      await br.call('a', 'put', { k: 'x', v: '1' });
      expect(await br.call('a', 'get', { k: 'x' })).toBe('1');
      stats = await br.stats();
      expect([stats.a?.running, stats.b?.running]).toEqual([true, false]);
      expect([existsSync(a), existsSync(b)]).toEqual([true, false]);
    } finally {
      await br.close();
    }
    // A source never called closes without ever starting; later calls are refused.
    expect(existsSync(b)).toBe(false);
    await expect(br.call('b', 'get', { k: 'x' })).rejects.toMatchObject({ code: 'SOURCE_CLOSED' });
  });

  it('ready() starts every source and proves each opens', async () => {
    const a = join(dir.path, 'a.db');
    const br = broker([spec('a', a), spec('missing', join(dir.path, 'nope.db'), { readonly: true })]);
    try {
      // Rejects with the first failure, possibly while "a" is still opening.
      await expect(br.ready()).rejects.toMatchObject({ code: 'SOURCE_OPEN_FAILED' });
      expect((await br.stats()).a?.running).toBe(true);
      // "a" was started by ready() and opens (creates) its file; never called, it would not exist.
      for (let i = 0; i < 100 && !existsSync(a); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(a)).toBe(true);
    } finally {
      await br.close();
    }
  });
});

describe('stopIdleWorkerAfterMs', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-idle-');
  });
  afterEach(() => dir.cleanup());

  it('stops a worker with nothing to do; its next call starts a new one on the same file', async () => {
    const br = broker([spec('a', join(dir.path, 'a.db'))], { stopIdleWorkerAfterMs: 60 });
    try {
      await br.call('a', 'put', { k: 'x', v: '1' });
      expect((await br.stats()).a?.running).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect((await br.stats()).a?.running).toBe(false);
      expect(await br.call('a', 'get', { k: 'x' })).toBe('1');
      const stats = await br.stats();
      expect([stats.a?.running, stats.a?.restarts, stats.a?.errors]).toEqual([true, 0, 0]);
    } finally {
      await br.close();
    }
  });

  it('keeps a worker that has an open transaction', async () => {
    const br = broker([spec('a', join(dir.path, 'a.db'))], { stopIdleWorkerAfterMs: 60 });
    try {
      await br.transaction('a', async (tx) => {
        await tx.call('put', { k: 'y', v: '2' });
        await new Promise((r) => setTimeout(r, 300));
        expect((await br.stats()).a?.running).toBe(true);
      });
      expect(await br.call('a', 'get', { k: 'y' })).toBe('2');
    } finally {
      await br.close();
    }
  });

  it('is range-checked', () => {
    expect(() => broker([spec('a', join(dir.path, 'a.db'))], { stopIdleWorkerAfterMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
