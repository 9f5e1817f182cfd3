/**
 * The worker's check of its data port before parking (`broker.spinUs`). Parked in its event loop, a worker
 * needs a wake-up (an OS thread switch, tens of µs on a shared VM) for every batch; with one call in flight
 * the next batch comes right after the answer, so the worker checks the port for a short while first and
 * runs what arrives at once. Only in source workers, never on the main thread.
 *
 * Bounded and adaptive: at most MAX_BATCHES_PER_SPIN batches are run from one spin before the event loop gets
 * its turn (timers, Comlink, sockets), and a worker whose checks find nothing skips the next 1, 2, 4 ... 64
 * chances to spin, so a quiet source or a bot whose calls come far apart pays little CPU for it.
 */
import { performance } from 'node:perf_hooks';
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** Off unless asked for: see docs/benchmarks.md for what it gains and what it costs. */
export const DEFAULT_SPIN_US = 0;
export const MAX_SPIN_US = 1_000;
/** Batches run from one spin before the event loop gets its turn. */
const MAX_BATCHES_PER_SPIN = 16;
/** Longest run of spin chances skipped after checks that found nothing. */
const MAX_SKIP = 64;

export class PortSpinner {
  private readonly spinMs: number;
  private skip = 0;
  private misses = 0;

  /** `run` runs one batch message and tells whether it was answered at once (nothing left for the event loop). */
  constructor(
    private readonly port: MessagePort,
    spinUs: number,
    private readonly run: (message: unknown) => boolean,
  ) {
    this.spinMs = spinUs / 1000;
  }

  /** Called after a batch answered at once: checks the port for the next one, and runs it. */
  afterBatch(): void {
    if (this.spinMs <= 0) return;
    if (this.skip > 0) {
      this.skip--;
      return;
    }
    let runs = 0;
    let deadline = performance.now() + this.spinMs;
    while (runs < MAX_BATCHES_PER_SPIN) {
      const got = receiveMessageOnPort(this.port);
      if (got === undefined) {
        if (performance.now() < deadline) continue;
        break;
      }
      runs++;
      this.misses = 0;
      // A batch left waiting on a promise needs the event loop: stop spinning.
      if (!this.run(got.message)) return;
      deadline = performance.now() + this.spinMs;
    }
    if (runs > 0) return;
    this.misses++;
    this.skip = Math.min(MAX_SKIP, 2 ** (this.misses - 1));
  }
}
