import { performance } from 'node:perf_hooks';

const started = performance.now();

/** A progress line with the time since the bench started. */
export function progress(message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[bench ${s}s] ${message}`);
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}
