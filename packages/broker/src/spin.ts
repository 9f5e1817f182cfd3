/**
 * The worker's spin before parking (`broker.spinUs`). Parked in its event loop, a worker needs a wake-up (an OS
 * thread switch: tens of µs, and on a nested VM a hundred or more) for every batch, and a server engine's worker
 * one more for every answer from its server. With one call in flight the next batch comes right after the
 * answer, so for `spinUs` after its last activity the worker does not park:
 * - SQLite (`PortSpinner`): nothing else can wake it, so it checks the data port itself with
 *   `receiveMessageOnPort` and runs what arrives at once;
 * - server engines (`LoopSpinner`): their answers come on sockets, so it keeps the event loop turning
 *   (`setImmediate`), which then polls the port and the sockets without sleeping.
 * Only in source workers, never on the main thread.
 *
 * Bounded and adaptive: a spin that found nothing makes the worker skip its next 1, 2, 4 ... 64 chances to spin,
 * so a quiet source, or a bot whose calls come far apart, pays little CPU for it.
 */
import { performance } from 'node:perf_hooks';
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';

/** Off unless asked for: see docs/benchmarks.md for what it gains and what it costs. */
export const DEFAULT_SPIN_US = 0;
export const MAX_SPIN_US = 1_000;
/** Batches run from one port spin before the event loop gets its turn (timers, Comlink). */
const MAX_BATCHES_PER_SPIN = 16;
/** Longest run of spin chances skipped after spins that found nothing. */
const MAX_SKIP = 64;

/** Skips the next 1, 2, 4 ... MAX_SKIP chances after spins that found nothing in a row. */
class Backoff {
  private skip = 0;
  private misses = 0;

  /** Whether this chance to spin is taken (false: skipped). */
  take(): boolean {
    if (this.skip === 0) return true;
    this.skip--;
    return false;
  }

  found(): void {
    this.misses = 0;
  }

  missed(): void {
    this.misses++;
    this.skip = Math.min(MAX_SKIP, 2 ** (this.misses - 1));
  }
}

/** SQLite's worker: after a batch answered at once, checks the data port for the next one and runs it. */
export class PortSpinner {
  private readonly spinMs: number;
  private readonly backoff = new Backoff();

  /** `run` runs one batch message and tells whether it was answered at once (nothing left for the event loop). */
  constructor(
    private readonly port: MessagePort,
    spinUs: number,
    private readonly run: (message: unknown) => boolean,
  ) {
    this.spinMs = spinUs / 1000;
  }

  /** Called after a batch answered at once. */
  afterBatch(): void {
    if (this.spinMs <= 0 || !this.backoff.take()) return;
    let runs = 0;
    let deadline = performance.now() + this.spinMs;
    while (runs < MAX_BATCHES_PER_SPIN) {
      const got = receiveMessageOnPort(this.port);
      if (got === undefined) {
        if (performance.now() < deadline) continue;
        break;
      }
      runs++;
      this.backoff.found();
      // A batch left waiting on a promise needs the event loop: stop spinning.
      if (!this.run(got.message)) return;
      deadline = performance.now() + this.spinMs;
    }
    if (runs === 0) this.backoff.missed();
  }
}

/** A server engine's worker: keeps its event loop turning for `spinUs` after each batch in and answer out. */
export class LoopSpinner {
  private readonly spinMs: number;
  private readonly backoff = new Backoff();
  private deadline = 0;
  private spinning = false;
  /** Something happened since this spin started (a batch came, an answer went). */
  private busy = false;

  constructor(spinUs: number) {
    this.spinMs = spinUs / 1000;
  }

  /** A batch came in or an answer went out. */
  activity(): void {
    if (this.spinMs <= 0) return;
    if (this.spinning) {
      this.busy = true;
      this.deadline = performance.now() + this.spinMs;
      return;
    }
    if (!this.backoff.take()) return;
    this.spinning = true;
    this.busy = false;
    this.deadline = performance.now() + this.spinMs;
    setImmediate(this.turn);
  }

  /** While an immediate is pending, the event loop polls without sleeping. */
  private readonly turn = (): void => {
    if (performance.now() < this.deadline) {
      setImmediate(this.turn);
      return;
    }
    this.spinning = false;
    if (this.busy) this.backoff.found();
    else this.backoff.missed();
  };
}
