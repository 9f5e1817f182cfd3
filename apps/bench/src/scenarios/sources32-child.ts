/**
 * Runs in a child process (node --expose-gc) so its memory baseline is not the parent's heap:
 * configures 32 sources with one DatabaseWrapper and measures the RSS delta while none has been called
 * (lazy: no worker yet), then times ready() (which starts and opens every source) and measures again.
 * Paths come in argv; the result goes back over IPC.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseWrapper } from '@pkg/core';
import { hasGc } from '../measure.js';
import { settled } from './child-sample.js';

export interface Sources32Sample {
  sources: number;
  startupMs: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  rssDeltaMB: number;
  memoryPerSourceMB: number;
  /** RSS per source configured and never called (before ready()). */
  memoryUnusedSourceMB: number;
  /** RSS per source opened, then left idle with stopIdleWorkerAfterMs (its worker stopped). */
  memoryIdleStoppedSourceMB: number;
  gc: boolean;
}

const MB = 1024 * 1024;
const IDLE_STOP_MS = 200;

async function main(): Promise<void> {
  const paths = process.argv.slice(2);
  const sources: Record<string, { path: string }> = {};
  for (const [i, path] of paths.entries()) sources[`s${String(i).padStart(2, '0')}`] = { path };
  await settled();
  const before = process.memoryUsage.rss();
  const db = new DatabaseWrapper({ config: { default: 's00', sources, chatMapping: {} } });
  await settled();
  const unused = process.memoryUsage.rss();
  const t0 = performance.now();
  await db.ready();
  const startupMs = performance.now() - t0;
  await settled();
  const after = process.memoryUsage.rss();
  await db.close();
  // The option for open sources that go quiet: stopped after an idle time, started again by the next call.
  const idle = new DatabaseWrapper({
    config: { default: 's00', sources, chatMapping: {} },
    broker: { stopIdleWorkerAfterMs: IDLE_STOP_MS },
  });
  await idle.ready();
  await new Promise((r) => setTimeout(r, IDLE_STOP_MS * 4));
  await settled();
  const stopped = process.memoryUsage.rss();
  await idle.close();
  const sample: Sources32Sample = {
    sources: paths.length,
    startupMs,
    rssBeforeMB: before / MB,
    rssAfterMB: after / MB,
    rssDeltaMB: (after - before) / MB,
    memoryPerSourceMB: (after - before) / MB / paths.length,
    memoryUnusedSourceMB: (unused - before) / MB / paths.length,
    memoryIdleStoppedSourceMB: (stopped - before) / MB / paths.length,
    gc: hasGc,
  };
  process.send?.(sample);
}

await main();
