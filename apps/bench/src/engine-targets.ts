/**
 * Issue #22's per-engine targets for the server engines' benches (bench:pg, bench:mysql): a source at its
 * driver's speed, measured against the same driver on the main thread in the same run.
 * - one call in flight: library / direct >= 0.9x with the worker spinning (`SPIN_US`; the plain ratio is reported);
 *   64 in flight: >= 1.0x (ops/s);
 * - the main thread spends less than a third of the direct driver's time per call (64 in flight);
 * - `memoryPerSourceMB`: the RSS an open source adds (its worker, driver, pool), printed with no target.
 */
import { SPIN_US } from './bench-spin.js';
import { collectGarbage, sleep } from './measure.js';
import { type Target, target } from './report.js';

export interface EngineFigures {
  /** Library / direct at one call in flight, the spin off (the default). */
  oneInFlightRatio: number;
  /** The same with the worker spinning `spinUs` (the issue: with the spin off by default, the target holds with it on). */
  oneInFlightSpinRatio: number;
  spinUs: number;
  reads64Ratio: number;
  mainThreadUsPerCall: number;
  directMainThreadUsPerCall: number;
  memoryPerSourceMB: number;
}

export function engineFigures(
  ratios: { reads1: number; reads1Spin: number; reads64: number },
  mainUs64: { library: number; direct: number },
  memoryPerSourceMB: number,
): EngineFigures {
  return {
    oneInFlightRatio: ratios.reads1,
    oneInFlightSpinRatio: ratios.reads1Spin,
    spinUs: SPIN_US,
    reads64Ratio: ratios.reads64,
    mainThreadUsPerCall: mainUs64.library,
    directMainThreadUsPerCall: mainUs64.direct,
    memoryPerSourceMB,
  };
}

export function engineTargets(engine: string, f: EngineFigures): Target[] {
  return [
    target(
      `${engine} reads x1 (worker spins ${f.spinUs} us): library / direct`,
      f.oneInFlightSpinRatio,
      '>=',
      0.9,
      'x',
    ),
    target(`${engine} reads x64: library / direct`, f.reads64Ratio, '>=', 1, 'x'),
    target(
      `${engine} main-thread us per read x64: library < direct / 3`,
      f.mainThreadUsPerCall,
      '<',
      f.directMainThreadUsPerCall / 3,
      'us',
      2,
    ),
  ];
}

/** RSS after three GCs, in MB. */
async function settledRssMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await sleep(20);
  }
  return process.memoryUsage().rss / (1024 * 1024);
}

/** The RSS `open` adds (start a source and make its first call), in MB. */
export async function rssAddedBy(open: () => Promise<void>): Promise<number> {
  const before = await settledRssMb();
  await open();
  return (await settledRssMb()) - before;
}
