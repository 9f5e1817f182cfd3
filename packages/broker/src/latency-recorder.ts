/** Keeps the most recent call latencies in a fixed ring, so percentiles cost no memory growth. */
export interface LatencyPercentiles {
  samples: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
}

export class LatencyRecorder {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity = 8192) {
    this.ring = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
  }

  percentiles(): LatencyPercentiles {
    const sorted = this.ring.slice(0, this.filled).sort();
    const at = (q: number) =>
      sorted.length === 0
        ? 0
        : Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000);
    return { samples: this.filled, p50Us: at(0.5), p95Us: at(0.95), p99Us: at(0.99), maxUs: at(1) };
  }
}
