/**
 * The main thread's handle on one source worker. Calls made in the same tick travel to the
 * worker together as one Comlink message (a batch); a p-queue bounds the batches in flight,
 * and `maxQueued` bounds the calls waiting for a batch, so an overloaded source fails fast
 * instead of growing memory. A worker that dies is restarted; the calls it held are rejected.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  InvalidArgumentError,
  reviveError,
  SourceClosedError,
  SourceCrashedError,
  SourceOverloadedError,
} from '@pkg/errors';
import { type Remote, releaseProxy, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import PQueue from 'p-queue';
import { type LatencyPercentiles, LatencyRecorder } from './latency-recorder.js';
import type { SourceSpec } from './operation.js';
import {
  type BatchOutcome,
  isLateAnswer,
  isTransactionBound,
  type LateAnswer,
  type PoolStats,
  type SourceWorkerApi,
  type WorkerRequest,
} from './protocol.js';

const WORKER_URL = new URL('./source-worker.js', import.meta.url);

interface PendingCall {
  req: WorkerRequest;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  startedAt: number;
}

export interface SourceStats extends PoolStats {
  source: string;
  readonly: boolean;
  calls: number;
  errors: number;
  /** Calls waiting to be sent to the worker. */
  queued: number;
  /** Calls sent and not yet answered. */
  inFlight: number;
  /** Messages sent to the worker; calls / batches is the coalescing factor. */
  batches: number;
  restarts: number;
  /** Share of connection acquisitions served by an already-open connection. */
  reuseRate: number;
  latency: LatencyPercentiles;
}

export interface SourceClientOptions {
  /** Batches sent to the worker and not yet answered (pipelining depth). */
  maxBatchesInFlight: number;
}

export class SourceClient {
  readonly spec: SourceSpec;
  private worker!: Worker;
  private remote!: Remote<SourceWorkerApi>;
  private ready!: Promise<void>;
  private readonly queue: PQueue;
  private pending: PendingCall[] = [];
  private txPending: PendingCall[] = [];
  private flushScheduled = false;
  private sendQueued = false;
  private inFlightCalls = 0;
  private openTransactions = 0;
  private drainWaiters: Array<() => void> = [];
  private nextBatch = 1;
  /** Calls the worker answers late, by `batch:index`; and late answers that beat their batch's reply. */
  private readonly late = new Map<string, PendingCall>();
  private readonly early = new Map<string, LateAnswer>();
  /** Rejecters of every remote call in progress: a dead worker never answers, so its exit rejects them. */
  private readonly guards = new Set<(error: unknown) => void>();
  private opened = false;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly latency = new LatencyRecorder();
  private readonly counters = { calls: 0, errors: 0, batches: 0, restarts: 0 };

  constructor(spec: SourceSpec, options: SourceClientOptions) {
    this.spec = spec;
    this.queue = new PQueue({ concurrency: options.maxBatchesInFlight });
    this.start();
  }

  /** Resolves when the worker has opened the source; rejects with the reason it could not. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  call(req: WorkerRequest): Promise<unknown> {
    // While closing, an open transaction may still finish: queued writes are waiting for it.
    if (this.state !== 'open' && !(this.state === 'closing' && isTransactionBound(req))) {
      return Promise.reject(new SourceClosedError(this.spec.name));
    }
    // A transaction's own calls are never refused: the calls filling the queue may be waiting for it.
    if (this.pending.length >= this.spec.maxQueued && !isTransactionBound(req)) {
      this.counters.errors++;
      return Promise.reject(new SourceOverloadedError(this.spec.name, this.spec.maxQueued));
    }
    return new Promise((resolve, reject) => {
      const call = { req, resolve, reject, startedAt: performance.now() };
      if (isTransactionBound(req)) this.txPending.push(call);
      else this.pending.push(call);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After every promise job of this tick has run, so callers resumed together batch together.
        RESOLVED.then(() => process.nextTick(this.flush));
      }
    });
  }

  async stats(): Promise<SourceStats> {
    let pool = zeroPool();
    try {
      await this.ready;
      if (this.state !== 'closed') pool = await this.guard(this.remote.poolStats());
    } catch {
      // A source that failed to open or died reports what it had.
    }
    // Counters restart with a restarted worker; pool figures are those of the live one.
    const acquired = pool.connectionsAcquired;
    return {
      source: this.spec.name,
      readonly: this.spec.readonly,
      ...this.counters,
      ...pool,
      queued: this.pending.length + this.txPending.length,
      inFlight: this.inFlightCalls,
      reuseRate: acquired === 0 ? 1 : 1 - pool.connectionsOpened / acquired,
      latency: this.latency.percentiles(),
    };
  }

  /** Drains what is queued (open transactions finish first), closes every connection and ends the worker. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.flush();
    await this.queue.onIdle();
    if (!this.isDrained()) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    try {
      await this.ready;
      await this.guard(this.remote.close());
    } catch {
      // Closing a source that never opened (or already died) only needs the thread gone.
    }
    this.remote[releaseProxy]();
    this.state = 'closed';
    await this.worker.terminate();
  }

  private start(): void {
    const worker = new Worker(WORKER_URL, { name: `source:${this.spec.name}` });
    this.worker = worker;
    this.remote = wrap<SourceWorkerApi>(nodeEndpoint(worker));
    this.opened = false;
    this.ready = this.guard(
      this.remote.open(this.spec).then((outcome) => {
        if (!outcome.ok) throw reviveError(outcome.error);
        this.opened = true;
      }),
    );
    this.ready.catch(() => undefined); // observed by every call; never an unhandled rejection
    let lastError = '';
    worker.on('error', (e) => {
      lastError = e instanceof Error ? e.message : String(e);
    });
    worker.on('message', (message: unknown) => {
      if (isLateAnswer(message)) this.onLateAnswer(message);
    });
    worker.once('exit', (code) => {
      if (worker !== this.worker) return;
      const error = new SourceCrashedError(this.spec.name, lastError || `exit code ${code}`);
      for (const reject of this.guards) reject(error);
      this.guards.clear();
      for (const call of this.late.values()) this.settle(call, undefined, error);
      this.inFlightCalls -= this.late.size;
      this.late.clear();
      this.early.clear();
      this.openTransactions = 0;
      this.wakeDrainWaiters();
      if (this.state !== 'closed') this.restart();
    });
  }

  /** `p`, or the worker's death if that comes first; nothing is left attached once it settles. */
  private guard<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.guards.add(reject);
      p.then(
        (v) => {
          this.guards.delete(reject);
          resolve(v);
        },
        (e) => {
          this.guards.delete(reject);
          reject(e);
        },
      );
    });
  }

  private readonly wakeDrainWaiters = (): void => {
    if (!this.isDrained()) return;
    for (const wake of this.drainWaiters.splice(0)) wake();
  };

  private onLateAnswer(answer: LateAnswer): void {
    const key = `${answer.batch}:${answer.index}`;
    const call = this.late.get(key);
    if (call === undefined) {
      this.early.set(key, answer);
      return;
    }
    this.late.delete(key);
    this.inFlightCalls--;
    this.settle(call, answer.value, answer.error && reviveError(answer.error));
  }

  private isDrained(): boolean {
    return (
      this.inFlightCalls === 0 &&
      this.pending.length === 0 &&
      this.txPending.length === 0 &&
      this.openTransactions === 0
    );
  }

  private settle(call: PendingCall, value: unknown, error: unknown): void {
    const type = call.req.type;
    if (type === 'begin' && error === undefined) this.openTransactions++;
    else if (type === 'commit' || type === 'rollback') this.openTransactions--;
    if (this.drainWaiters.length > 0) queueMicrotask(this.wakeDrainWaiters);
    this.counters.calls++;
    this.latency.record(performance.now() - call.startedAt);
    if (error === undefined) call.resolve(value);
    else {
      this.counters.errors++;
      call.reject(error);
    }
  }

  private restart(): void {
    this.remote[releaseProxy]();
    // A worker that dies while opening would die again: its calls get the error instead of a restart loop.
    if (!this.opened) return;
    this.counters.restarts++;
    this.start();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.txPending.length > 0) {
      // An open transaction's calls skip the queue: what fills the queue may be waiting for them.
      const calls = this.txPending;
      this.txPending = [];
      void this.send(calls);
    }
    if (this.pending.length === 0 || this.sendQueued) return;
    this.sendQueued = true;
    void this.queue.add(this.sendPending);
  };

  /** Takes every call waiting at the moment the queue lets a batch go, not at the moment it was queued. */
  private readonly sendPending = async (): Promise<void> => {
    this.sendQueued = false;
    let calls = this.pending;
    if (calls.length === 0) return;
    this.pending = [];
    if (calls.length >= SPLIT_AT && this.queue.pending < this.queue.concurrency) {
      // Nothing else in flight: send half now and half right behind it, so the worker runs the
      // second half while this thread hands out the first half's answers (and collects new calls).
      this.pending = calls.slice(calls.length >> 1);
      calls = calls.slice(0, calls.length >> 1);
      this.sendQueued = true;
      void this.queue.add(this.sendPending);
    }
    await this.send(calls);
  };

  private async send(calls: PendingCall[]): Promise<void> {
    try {
      // If the worker restarted while we waited, wait for the new one to open too.
      for (let ready = this.ready; ; ready = this.ready) {
        await ready;
        if (ready === this.ready) break;
      }
    } catch (e) {
      this.settleAll(calls, e);
      return;
    }
    const batch = this.nextBatch++;
    this.inFlightCalls += calls.length;
    this.counters.batches++;
    let outcome: BatchOutcome;
    try {
      outcome = await this.guard(
        this.remote.run(
          batch,
          calls.map((c) => c.req),
        ),
      );
    } catch (e) {
      this.inFlightCalls -= calls.length;
      if (isDataCloneError(e)) {
        // One call's arguments could not be copied to the worker: fail that call alone.
        if (calls.length > 1) for (const c of calls) await this.send([c]);
        else {
          const what = describe(calls[0]?.req);
          this.settleAll(
            calls,
            new InvalidArgumentError(what, 'args', `cannot be sent to a worker (${(e as Error).message})`),
          );
        }
        return;
      }
      this.settleAll(calls, e);
      return;
    }
    const failed = outcome.errors === null ? null : new Map(outcome.errors);
    const late = outcome.late === null ? null : new Set(outcome.late);
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as PendingCall;
      if (late?.has(i)) {
        this.parkLate(`${batch}:${i}`, call);
        continue;
      }
      this.inFlightCalls--;
      const error = failed?.get(i);
      this.settle(call, outcome.values[i], error && reviveError(error));
    }
  }

  private parkLate(key: string, call: PendingCall): void {
    const answer = this.early.get(key);
    if (answer === undefined) {
      this.late.set(key, call);
      return;
    }
    this.early.delete(key);
    this.inFlightCalls--;
    this.settle(call, answer.value, answer.error && reviveError(answer.error));
  }

  private settleAll(calls: PendingCall[], e: unknown): void {
    this.counters.calls += calls.length;
    this.counters.errors += calls.length;
    for (const call of calls) call.reject(e);
    if (this.drainWaiters.length > 0) queueMicrotask(this.wakeDrainWaiters);
  }
}

const RESOLVED = Promise.resolve();
/** Below this many calls, one message beats two: a round trip costs more than the calls. */
const SPLIT_AT = 16;

function isDataCloneError(e: unknown): boolean {
  return e instanceof Error && e.name === 'DataCloneError';
}

function describe(req: WorkerRequest | undefined): string {
  if (req === undefined) return 'call';
  return req.type === 'op' ? req.op : req.type;
}

function zeroPool(): PoolStats {
  return { connectionsOpened: 0, connectionsAcquired: 0, connectionsOpen: 0, statementsPrepared: 0 };
}
