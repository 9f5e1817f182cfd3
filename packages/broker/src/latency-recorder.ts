/**
 * Call latencies, two ways: the most recent calls in a fixed ring (percentiles, no memory growth),
 * and a cumulative histogram over every call (fixed buckets), which a metrics system can add up
 * across processes where percentiles cannot be.
 */
export interface LatencyPercentiles {
  samples: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
  /** Every call since the wrapper opened, in LATENCY_BUCKETS_US buckets. */
  histogram: LatencyHistogram;
}

/**
 * Bucket `i` holds the calls that took more than `boundsUs[i - 1]` and at most `boundsUs[i]`; the
 * last bucket (one more than there are bounds) holds the slower ones. Not cumulative: `counts[i]`
 * calls in bucket `i`, taking `sumsUs[i]` microseconds together.
 */
export interface LatencyHistogram {
  boundsUs: readonly number[];
  counts: number[];
  sumsUs: number[];
}

/** Bucket upper bounds, microseconds: 50 µs (a batched read) to 30 s (the default query timeout). */
export const LATENCY_BUCKETS_US: readonly number[] = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
  5_000_000, 10_000_000, 30_000_000,
];

export class LatencyRecorder {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  /** Calls and their summed latency per bucket; the last slot is above the highest bound. */
  private readonly counts = new Float64Array(LATENCY_BUCKETS_US.length + 1);
  private readonly sumsUs = new Float64Array(LATENCY_BUCKETS_US.length + 1);

  constructor(capacity = 8192) {
    this.ring = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
    const us = ms * 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_US.length && us > (LATENCY_BUCKETS_US[i] as number)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sumsUs[i] = (this.sumsUs[i] ?? 0) + us;
  }

  percentiles(): LatencyPercentiles {
    const sorted = this.ring.slice(0, this.filled).sort();
    const at = (q: number) =>
      sorted.length === 0
        ? 0
        : Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000);
    return {
      samples: this.filled,
      p50Us: at(0.5),
      p95Us: at(0.95),
      p99Us: at(0.99),
      maxUs: at(1),
      histogram: { boundsUs: LATENCY_BUCKETS_US, counts: Array.from(this.counts), sumsUs: Array.from(this.sumsUs) },
    };
  }
}
