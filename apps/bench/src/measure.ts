/**
 * Timing primitives. A "round" runs one contender for a fixed wall-clock time and reports ops/s and,
 * for asynchronous contenders, per-call latency; the scenarios run several rounds and keep the median.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface RoundResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** Per-call latency in microseconds; absent for synchronous loops (timing each call would distort them). */
  latencyUs?: { p50: number; p99: number };
}

/**
 * `gc` from --expose-gc, else exposed here: the library's source workers start with the process's node flags,
 * and node refuses a worker started with --expose-gc, so a bench that opens PostgreSQL sources runs without it.
 */
const gc = (globalThis as { gc?: () => void }).gc ?? exposeGc();

function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** A full GC when node runs with --expose-gc, so one contender's garbage is not billed to the next. */
export function collectGarbage(): void {
  gc?.();
}

export const hasGc = gc !== undefined;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile of the first `n` values of `values` (sorted in place). */
export function percentile(values: Float64Array, n: number, q: number): number {
  if (n === 0) return Number.NaN;
  const sorted = values.subarray(0, n).sort();
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
}

/**
 * Calls `step(i)` for i = 0, 1, 2 ... until `durationMs` have passed, checking the clock every `checkEvery` steps.
 * Each step counts as `opsPerStep` operations.
 */
export function syncRound(
  step: (i: number) => void,
  durationMs: number,
  opts: { checkEvery?: number; opsPerStep?: number } = {},
): RoundResult {
  const checkEvery = opts.checkEvery ?? 256;
  const start = performance.now();
  const deadline = start + durationMs;
  let i = 0;
  let now = start;
  while (now < deadline) {
    for (let j = 0; j < checkEvery; j++) step(i++);
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  const ops = i * (opts.opsPerStep ?? 1);
  return { ops, seconds, opsPerSec: ops / seconds };
}

const LATENCIES = new Float64Array(1 << 21);

/**
 * `inFlight` async loops, each awaiting one `call(i)` at a time (i taken from one shared counter, so the
 * contenders see the same key sequence), until `durationMs` have passed. Each call counts as `opsPerCall`.
 */
export async function concurrentRound(
  call: (i: number) => Promise<unknown>,
  opts: { inFlight: number; durationMs: number; opsPerCall?: number },
): Promise<RoundResult> {
  const start = performance.now();
  const deadline = start + opts.durationMs;
  let next = 0;
  let done = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= deadline) return;
      await call(next++);
      const t1 = performance.now();
      if (done < LATENCIES.length) LATENCIES[done] = t1 - t0;
      done++;
    }
  };
  const loops: Promise<void>[] = [];
  for (let k = 0; k < opts.inFlight; k++) loops.push(loop());
  await Promise.all(loops);
  const seconds = (performance.now() - start) / 1000;
  const ops = done * (opts.opsPerCall ?? 1);
  const n = Math.min(done, LATENCIES.length);
  return {
    ops,
    seconds,
    opsPerSec: ops / seconds,
    latencyUs: { p50: percentile(LATENCIES, n, 0.5) * 1000, p99: percentile(LATENCIES, n, 0.99) * 1000 },
  };
}

/** Times `fn` on `count` items, each timed individually with hrtime; returns p50/p99 in microseconds. */
export function timedEach(fn: (i: number) => void, count: number): { p50: number; p99: number } {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return { p50: percentile(samples, count, 0.5), p99: percentile(samples, count, 0.99) };
}

/**
 * Nanoseconds per call of `fn`, timed in groups of `groupSize` calls (one hrtime pair per group, so the
 * timer's own ~50 ns is spread over the group): p50/p99 over `groups` group averages.
 */
export function timedInGroups(
  fn: (i: number) => number,
  opts: { groups: number; groupSize: number },
): { p50Ns: number; p99Ns: number; sink: number } {
  const samples = new Float64Array(opts.groups);
  let sink = 0;
  let i = 0;
  for (let g = 0; g < opts.groups; g++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < opts.groupSize; j++) sink += fn(i++);
    samples[g] = Number(process.hrtime.bigint() - t0) / opts.groupSize;
  }
  return {
    p50Ns: percentile(samples, opts.groups, 0.5),
    p99Ns: percentile(samples, opts.groups, 0.99),
    sink,
  };
}

export interface Summary {
  /** Median over rounds. */
  opsPerSec: number;
  /** Every round's ops/s, in run order. */
  rounds: number[];
  latencyUs?: { p50: number; p99: number };
}

/** Median ops/s over rounds; latency percentiles are the median of each round's percentile. */
export function summarize(results: readonly RoundResult[]): Summary {
  const rounds = results.map((r) => r.opsPerSec);
  const lat = results.map((r) => r.latencyUs).filter((l) => l !== undefined);
  return {
    opsPerSec: median(rounds),
    rounds,
    latencyUs:
      lat.length === 0 ? undefined : { p50: median(lat.map((l) => l.p50)), p99: median(lat.map((l) => l.p99)) },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
