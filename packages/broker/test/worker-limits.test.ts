import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTempDir, type TempDir } from '@pkg/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { broker, spec, TEST_OPERATIONS } from './helpers.js';

const RUNAWAY = fileURLToPath(new URL('./fixtures/runaway-query.mjs', import.meta.url));

describe('a worker past its limits', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = createTempDir('broker-limits-');
  });
  afterEach(() => dir.cleanup());

  it('a call that never returns fails with QUERY_TIMEOUT; the worker restarts; calls queued behind it run', async () => {
    const b = broker([spec('a', dir.file('a.db'), { queryTimeoutMs: 150 })]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'kept' });
      const started = Date.now();
      const stuck = b.call('a', 'spin', {});
      await new Promise((r) => setImmediate(r));
      const behind = b.call('a', 'get', { k: 'x' }); // next batch: waits, then runs on the new worker
      const stats = b.stats(); // bounded even while the worker is stuck
      await expect(stuck).rejects.toMatchObject({
        code: 'QUERY_TIMEOUT',
        details: { source: 'a', operation: 'spin', timeoutMs: 150 },
      });
      expect(Date.now() - started).toBeLessThan(10_000); // its own limit, not the 30 s default; room for a busy machine
      await expect(behind).resolves.toBe('kept');
      await expect(stats).resolves.toHaveProperty('a.source', 'a');
      expect((await b.stats()).a?.restarts).toBe(1);
      await b.call('a', 'put', { k: 'y', v: 'after' });
      expect(await b.call('a', 'get', { k: 'y' })).toBe('after');
    } finally {
      await b.close();
    }
  });

  it('of the stuck call’s batch, calls before it fail with SOURCE_CRASHED, calls after it run on the new worker', async () => {
    // The limit leaves room for an ordinary write on a starved machine: only `spin` (which never
    // returns) may pass it, or `before` itself would time out instead of losing its answer.
    const b = broker([spec('a', dir.file('a.db'), { queryTimeoutMs: 500 })]);
    try {
      await b.call('a', 'put', { k: 'warm-up', v: '0' }); // the first write (WAL creation) is paid here
      const [before, stuck, after] = await Promise.allSettled([
        b.call('a', 'put', { k: 'x', v: '1' }),
        b.call('a', 'spin', {}),
        b.call('a', 'get', { k: 'x' }),
      ]);
      expect(stuck).toMatchObject({ status: 'rejected', reason: { code: 'QUERY_TIMEOUT' } });
      // It ran, but its answer was lost with the worker: "may or may not have been applied".
      expect(before).toMatchObject({ status: 'rejected', reason: { code: 'SOURCE_CRASHED' } });
      expect((before as PromiseRejectedResult).reason.message).toMatch(/may or may not have been applied/);
      // It had not started: sent again, it runs on the new worker (and sees the write before).
      expect(after).toEqual({ status: 'fulfilled', value: '1' });
    } finally {
      await b.close();
    }
  });

  it('close() finishes within its bound while a call is stuck', async () => {
    const b = broker([spec('a', dir.file('a.db'), { queryTimeoutMs: 100, transactionTimeoutMs: 100 })]);
    await b.ready();
    const stuck = b.call('a', 'spin', {});
    stuck.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await b.close();
    expect(Date.now() - started).toBeLessThan(10_000); // its own limit, not the 30 s default; room for a busy machine
    await expect(stuck).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
  });

  it('a worker out of heap dies alone: SOURCE_CRASHED, restart, and the source serves again', async () => {
    const b = broker([spec('a', dir.file('a.db'), { maxMemoryMb: 32 }), spec('b', dir.file('b.db'))]);
    try {
      await b.call('a', 'put', { k: 'x', v: 'kept' });
      await expect(b.call('a', 'allocate', {})).rejects.toMatchObject({
        code: 'SOURCE_CRASHED',
        message: expect.stringContaining('out of memory: its heap passed max-memory-mb (32 MB)'),
      });
      expect(await b.call('a', 'get', { k: 'x' })).toBe('kept');
      expect(await b.call('b', 'count', {})).toBe(0);
      expect((await b.stats()).a?.restarts).toBe(1);
    } finally {
      await b.close();
    }
  });

  it('a runaway query inside SQLite fails with QUERY_TIMEOUT; the source serves on a new worker; close() is bounded', async () => {
    // In a child process: the thread stuck in SQLite's native code cannot be stopped (see
    // docs/troubleshooting.md#query_timeout), so that process is killed once it has reported.
    const child = spawn(process.execPath, [RUNAWAY, dir.file('a.db'), TEST_OPERATIONS], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.split('\n')[0] as string);
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('exit', (code) => reject(new Error(`child exited (${code}) before reporting: ${err}`)));
      });
      const report = JSON.parse(line);
      expect(report.runaway).toMatchObject({
        code: 'QUERY_TIMEOUT',
        message: expect.stringContaining('WITH RECURSIVE'),
      });
      expect(report.ms).toBeLessThan(10_000); // its own limit, not the 30 s default
      expect(report.behind).toEqual({ value: 'kept' });
      expect(report.write).toEqual({ value: 1 });
      expect(report.stats).toEqual({ value: 1 });
      expect(report.closeMs).toBeLessThan(10_000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
