/**
 * The event loop stays free: a ~2-second recursive CTE runs on source "slow" (db.query) while 16 callers
 * keep reading by key from source "main". The main thread's event-loop delay is sampled with
 * monitorEventLoopDelay (1 ms resolution; the histogram includes the 1 ms timer interval itself).
 */
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import type { DatabaseWrapper } from '@pkg/core';
import Database from 'better-sqlite3';
import { KEY_MASK, type Key } from '../dataset.js';
import { fmt, fmtInt, progress } from '../log.js';
import { sleep } from '../measure.js';
import { cpuMark, cpuSince } from '../thread-cpu.js';

export interface EventLoopResult {
  slowQueryMs: number;
  cteRows: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayP50Ms: number;
  eventLoopDelayMaxMs: number;
  /** The same histogram over 500 ms of an idle loop, for scale. */
  idleDelayP99Ms: number;
  otherSourceReads: number;
  otherSourceReadsPerSec: number;
  otherSourceReaders: number;
  /** The same slow query with no reader on "main": the loop's delay from the library alone. */
  eventLoopDelayP99NoReadersMs: number;
  eventLoopDelayMaxNoReadersMs: number;
  /**
   * Where the delay with the readers comes from. Work on the main thread: its CPU time and its GC pauses
   * (count, total, longest) in the window. Preemption: busy time (event-loop utilisation, wall clock) minus
   * CPU time, i.e. time the loop was inside a callback but the thread was not running.
   */
  readersWindow: {
    wallMs: number;
    busyMs: number;
    mainCpuMs: number;
    gcCount: number;
    gcTotalMs: number;
    gcMaxMs: number;
  };
}

export const SLOW_CTE =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) AS n, sum(x % 7) AS s FROM c';

/** Rows of the CTE for about `targetMs` on this machine, timed in the main thread before the scenario. */
function calibrate(targetMs: number): number {
  const db = new Database(':memory:');
  const stmt = db.prepare(SLOW_CTE);
  stmt.get(100_000);
  const probe = 500_000;
  const t0 = performance.now();
  stmt.get(probe);
  const ms = performance.now() - t0;
  db.close();
  return Math.round((probe * targetMs) / ms);
}

async function idleDelayP99(): Promise<number> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await sleep(500);
  h.disable();
  return h.percentile(99) / 1e6;
}

export async function runEventLoop(db: DatabaseWrapper, keys: readonly Key[], readers = 16): Promise<EventLoopResult> {
  const rows = calibrate(2000);
  const idle = await idleDelayP99();
  // Warm the readers' path on "main" before the measured window.
  for (let i = 0; i < 256; i++) await db.getChatMessageByMessageId(keys[i] as Key);

  // First without the readers: the delay the slow query itself causes on the main thread.
  const quiet = monitorEventLoopDelay({ resolution: 1 });
  quiet.enable();
  await db.query({ sql: SLOW_CTE, params: [rows], dataSource: 'slow' });
  quiet.disable();

  const gcs: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcs.push(entry.duration);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = cpuMark();
  const t0 = performance.now();
  let running = true;
  const slow = db.query({ sql: SLOW_CTE, params: [rows], dataSource: 'slow' }).finally(() => {
    running = false;
  });
  let next = 0;
  let reads = 0;
  const reader = async () => {
    while (running) {
      await db.getChatMessageByMessageId(keys[next++ & KEY_MASK] as Key);
      if (running) reads++;
    }
  };
  await Promise.all([slow, ...Array.from({ length: readers }, reader)]);
  const slowQueryMs = performance.now() - t0;
  const cpu = cpuSince(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  h.disable();
  await sleep(10); // the last GC entries are delivered asynchronously
  gcObserver.disconnect();
  const result: EventLoopResult = {
    slowQueryMs,
    cteRows: rows,
    eventLoopDelayP99Ms: h.percentile(99) / 1e6,
    eventLoopDelayP50Ms: h.percentile(50) / 1e6,
    eventLoopDelayMaxMs: h.max / 1e6,
    idleDelayP99Ms: idle,
    otherSourceReads: reads,
    otherSourceReadsPerSec: reads / (slowQueryMs / 1000),
    otherSourceReaders: readers,
    eventLoopDelayP99NoReadersMs: quiet.percentile(99) / 1e6,
    eventLoopDelayMaxNoReadersMs: quiet.max / 1e6,
    readersWindow: {
      wallMs: slowQueryMs,
      busyMs: elu.active,
      mainCpuMs: cpu.mainUs / 1000,
      gcCount: gcs.length,
      gcTotalMs: gcs.reduce((a, b) => a + b, 0),
      gcMaxMs: gcs.length === 0 ? 0 : Math.max(...gcs),
    },
  };
  const w = result.readersWindow;
  progress(
    `event loop: slow query ${fmt(slowQueryMs, 0)} ms on "slow"; loop delay p99 ${fmt(result.eventLoopDelayP99Ms, 2)} ms ` +
      `(idle ${fmt(idle, 2)} ms), max ${fmt(result.eventLoopDelayMaxMs, 2)} ms; ${fmtInt(reads)} reads answered by "main" meanwhile; ` +
      `main thread busy ${fmt(w.busyMs, 0)} ms, on CPU ${fmt(w.mainCpuMs, 0)} ms, ${w.gcCount} GCs ${fmt(w.gcTotalMs, 1)} ms (longest ${fmt(w.gcMaxMs, 2)} ms); ` +
      `without the readers: p99 ${fmt(result.eventLoopDelayP99NoReadersMs, 2)} ms, max ${fmt(result.eventLoopDelayMaxNoReadersMs, 2)} ms`,
  );
  return result;
}
