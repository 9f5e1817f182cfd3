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
import { isTransactionBound, type PoolStats, type SourceWorkerApi, type WorkerRequest } from './protocol.js';

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
  private died!: Promise<never>;
  private readonly queue: PQueue;
  private pending: PendingCall[] = [];
  private txPending: PendingCall[] = [];
  private flushScheduled = false;
  private sendQueued = false;
  private inFlightCalls = 0;
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
    if (this.pending.length >= this.spec.maxQueued) {
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
      if (this.state !== 'closed') pool = await Promise.race([this.remote.poolStats(), this.died]);
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

  /** Drains what is queued, closes every connection and ends the worker. */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.flush();
    await this.queue.onIdle();
    try {
      await this.ready;
      await Promise.race([this.remote.close(), this.died]);
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
    const opened = this.remote.open(this.spec).then((outcome) => {
      if (!outcome.ok) throw reviveError(outcome.error);
      this.opened = true;
    });
    let lastError = '';
    worker.on('error', (e) => {
      lastError = e instanceof Error ? e.message : String(e);
    });
    // Every remote call races this: Comlink never answers for a dead worker.
    this.died = new Promise<never>((_, reject) => {
      worker.once('exit', (code) => {
        reject(new SourceCrashedError(this.spec.name, lastError || `exit code ${code}`));
        if (this.state !== 'closed' && worker === this.worker) this.restart();
      });
    });
    this.died.catch(() => undefined);
    this.ready = Promise.race([opened, this.died]);
    this.ready.catch(() => undefined); // observed by every call; never an unhandled rejection
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
    this.inFlightCalls += calls.length;
    this.counters.batches++;
    try {
      const outcome = await Promise.race([this.remote.run(calls.map((c) => c.req)), this.died]);
      const now = performance.now();
      const failed = outcome.errors === null ? null : new Map(outcome.errors);
      this.counters.calls += calls.length;
      this.counters.errors += failed?.size ?? 0;
      for (let i = 0; i < calls.length; i++) {
        const call = calls[i] as PendingCall;
        this.latency.record(now - call.startedAt);
        const error = failed?.get(i);
        if (error === undefined) call.resolve(outcome.values[i]);
        else call.reject(reviveError(error));
      }
    } catch (e) {
      if (isDataCloneError(e)) {
        // One call's arguments could not be copied to the worker: fail that call alone.
        this.inFlightCalls -= calls.length;
        if (calls.length > 1) for (const c of calls) await this.send([c]);
        else
          this.settleAll(
            calls,
            new InvalidArgumentError(
              describe(calls[0]?.req),
              'args',
              `cannot be sent to a worker (${(e as Error).message})`,
            ),
          );
        return;
      }
      this.settleAll(calls, e);
    }
    this.inFlightCalls -= calls.length;
  }

  private settleAll(calls: PendingCall[], e: unknown): void {
    this.counters.calls += calls.length;
    this.counters.errors += calls.length;
    for (const call of calls) call.reject(e);
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
