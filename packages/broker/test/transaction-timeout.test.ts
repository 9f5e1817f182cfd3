import { TransactionTimeoutError } from '@pkg/errors';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec } from './helpers.js';

describe('a transaction past its transactionTimeoutMs', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-txtimeout-');
  });
  afterEach(() => dir.cleanup());

  it('is rolled back: it rejects with TRANSACTION_TIMEOUT, its later calls are refused, and the source serves others', async () => {
    const b = broker([spec('a', dir.file('a.db'), { transactionTimeoutMs: 150 })]);
    try {
      let tx: { call: (op: string, args: unknown) => Promise<unknown> } | undefined;
      const started = Date.now();
      const hung = b.transaction('a', async (t) => {
        tx = t;
        await t.call('put', { k: 'in-tx', v: 'never committed' });
        await new Promise(() => undefined); // a callback that never settles
      });
      // Writes from outside queue behind the transaction until it is rolled back.
      await new Promise((r) => setTimeout(r, 20));
      const waiting = b.call('a', 'put', { k: 'outside', v: 'ran' });
      await expect(hung).rejects.toBeInstanceOf(TransactionTimeoutError);
      await expect(hung).rejects.toMatchObject({
        code: 'TRANSACTION_TIMEOUT',
        details: { source: 'a', timeoutMs: 150 },
      });
      expect(Date.now() - started).toBeLessThan(10_000); // its own timeout, not the 60 s default; room for a busy machine
      await expect(waiting).resolves.toBe(1);
      await expect(tx?.call('put', { k: 'late', v: 'x' })).rejects.toMatchObject({ code: 'TRANSACTION_TIMEOUT' });
      expect(await b.call('a', 'get', { k: 'in-tx' })).toBeNull();
      expect(await b.call('a', 'get', { k: 'outside' })).toBe('ran');
      // Another transaction runs normally.
      await b.transaction('a', (t) => t.call('put', { k: 'next', v: 'ok' }));
      expect(await b.call('a', 'get', { k: 'next' })).toBe('ok');
    } finally {
      await b.close();
    }
  });

  it('close() returns even while a transaction callback hangs', async () => {
    const b = broker([spec('a', dir.file('a.db'), { transactionTimeoutMs: 100 })]);
    const hung = b.transaction('a', () => new Promise(() => undefined));
    hung.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await b.close();
    expect(Date.now() - started).toBeLessThan(10_000); // its own timeout, not the 60 s default; room for a busy machine
    await expect(hung).rejects.toMatchObject({ code: 'TRANSACTION_TIMEOUT' });
  });
});
