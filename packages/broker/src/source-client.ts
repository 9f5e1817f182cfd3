/**
 * The main thread's handle on one source worker. Calls made in the same tick travel to the
 * worker together as one message on its data port (a batch); a counter bounds the batches in
 * flight, and `maxQueued` bounds the calls waiting for a batch, so an overloaded source fails fast
 * instead of growing memory. The worker starts on the first call (or `whenReady()`), not before.
 * A worker that dies is restarted; the calls it held are rejected.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  InvalidArgumentError,
  QueryTimeoutError,
  reviveError,
  SourceClosedError,
  SourceCrashedError,
  SourceOverloadedError,
} from '@pkg/errors';
import { type Remote, releaseProxy, transfer, wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { engineOf, type SourceSpec } from './engines/registry.js';
import type { FileIdentity } from './file-identity.js';
import { type LatencyPercentiles, LatencyRecorder } from './latency-recorder.js';
import {
  type BatchOutcome,
  type DataAnswer,
  encodeBatch,
  isLateAnswer,
  isTransactionBound,
  type LateAnswer,
  type PoolStats,
  type SourceWorkerApi,
  type WorkerRequest,
} from './protocol.js';
import { RowUnpacker } from './row-packing.js';
import { createWatchdogBuffer, WatchdogSampler } from './watchdog.js';

/**
 * The workers inherit the bot's node flags, except for a bot run as `node --input-type=module -e ...`: a
 * worker loads a file, and node refuses to start one with --input-type. Only then are the flags given
 * explicitly, without it and without V8 flags (`--expose-gc`, `--max-old-space-size`...), which node
 * accepts inherited but refuses in an explicit list.
 */
const WORKER_EXEC_ARGV: { execArgv?: string[] } = process.execArgv.some((flag) => flag.startsWith('--input-type'))
  ? { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type') && !isV8Flag(flag)) }
  : {};

function isV8Flag(flag: string): boolean {
  return /^--(expose[-_]gc|max[-_]old[-_]space[-_]size|max[-_]semi[-_]space[-_]size|stack[-_]size|v8-options|harmony)/.test(
    flag,
  );
}

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
  /** Whether the source's worker is running (it starts on the first call, or `ready()`). */
  running: boolean;
  /** Share of connection acquisitions served by an already-open connection. */
  reuseRate: number;
  latency: LatencyPercentiles;
}

/** A source's worker: never started (or stopped when idle), opening, open, or failed to open. */
export type SourceState = 'not started' | 'starting' | 'running' | 'failed';

export interface SourceClientOptions {
  /** Batches sent to the worker and not yet answered (pipelining depth). */
  maxBatchesInFlight: number;
  /** Stop the worker after this long with nothing to do (null: never). */
  stopIdleAfterMs?: number | null;
  /** The worker checks its data port this long (µs) before parking (0: never). */
  spinUs?: number;
}

export class SourceClient {
  readonly spec: SourceSpec;
  private worker: Worker | undefined;
  private remote: Remote<SourceWorkerApi> | undefined;
  /** The data plane of the current worker; null until it has opened the source. */
  private port: MessagePort | null = null;
  private ready: Promise<void> | null = null;
  private readonly maxBatchesInFlight: number;
  private readonly spinUs: number;
  /** Batches counted against `maxBatchesInFlight` (a transaction's own batches are not). */
  private batchesInFlight = 0;
  /** A flush is waiting for the worker to open. */
  private waitingForWorker = false;
  private pending: PendingCall[] = [];
  private txPending: PendingCall[] = [];
  private flushScheduled = false;
  /** When the current tick's first call was made: the start of every call of that tick. */
  private tickStartedAt = 0;
  private inFlightCalls = 0;
  private openTransactions = 0;
  private drainWaiters: Array<() => void> = [];
  private nextBatch = 1;
  /** Calls the worker answers late, by `batch:index`; and late answers that beat their batch's reply. */
  private readonly late = new Map<string, PendingCall>();
  private readonly early = new Map<string, LateAnswer>();
  /** Rejecters of every control-plane call in progress: a dead worker never answers, so its exit rejects them. */
  private readonly guards = new Set<(error: unknown) => void>();
  private opened = false;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly latency = new LatencyRecorder();
  private readonly counters = { calls: 0, errors: 0, batches: 0, restarts: 0 };
  /**
   * Batches sent and not yet answered, by batch number: the watchdog names the call that hung, and
   * the worker's exit rejects what is left (one map, not a guard per batch).
   */
  private readonly running = new Map<number, PendingCall[]>();
  /** How the current worker's open went (see openState). */
  private readyState: Exclude<SourceState, 'not started'> = 'starting';
  /** When the current worker failed to open (see mayReopen). */
  private failedAt = 0;
  /** Batch numbers sent outside the slots (a transaction's own): their answer frees no slot. */
  private readonly unslotted = new Set<number>();
  private readonly watchdogBuffer = createWatchdogBuffer();
  private readonly watchdog = new WatchdogSampler(this.watchdogBuffer);
  private readonly watchdogTimer: NodeJS.Timeout;
  private idleTimer: NodeJS.Timeout | null = null;
  /** The file the source opened at start-up; restarted workers must find the same one. */
  private identity: FileIdentity | null = null;
  private firstOpenDone = false;
  /** Ends the current worker now, as if it had crashed (idempotent per worker). */
  private killWorker: (error: SourceCrashedError) => void = () => undefined;
  /** Pool figures from the last answer, for stats() while the worker is busy. */
  private lastPool: PoolStats = zeroPool();

  constructor(spec: SourceSpec, options: SourceClientOptions) {
    this.spec = spec;
    this.maxBatchesInFlight = options.maxBatchesInFlight;
    this.spinUs = options.spinUs ?? 0;
    // Unreferenced: the watchdog alone never keeps the process alive.
    this.watchdogTimer = setInterval(this.checkWatchdog, watchdogPeriod(spec.queryTimeoutMs)).unref();
    const idleMs = options.stopIdleAfterMs ?? null;
    if (idleMs !== null) {
      // Sampled, not a timer per call: a source counts as idle once two samples saw no new call.
      let seen = -1;
      this.idleTimer = setInterval(
        () => {
          const calls = this.counters.calls + this.counters.batches;
          if (calls === seen && this.state === 'open' && this.port !== null && this.isDrained()) this.stopIdle();
          seen = calls;
        },
        Math.max(1, Math.floor(idleMs / 2)),
      ).unref();
    }
  }

  /**
   * An idle worker is stopped (its connections closed, the thread ended); the next call starts a new one,
   * which must find the same file (as after a restart). Not a crash: nothing was in flight.
   */
  private stopIdle(): void {
    const { worker, remote, port } = this;
    this.worker = undefined;
    this.remote = undefined;
    this.port = null;
    this.ready = null;
    this.opened = false;
    void (async () => {
      try {
        if (remote !== undefined) await withDeadline(remote.close(), STATS_WAIT_MS);
      } catch {
        // It is going away either way.
      }
      remote?.[releaseProxy]();
      port?.close();
      await stopWorker(worker);
    })();
  }

  /** Starts the worker if it is not running; resolves when it has opened the source, else rejects why not. */
  whenReady(): Promise<void> {
    if (this.ready === null || this.mayReopen()) {
      // While closing, only the calls queued before close() may still start the worker.
      if (this.state === 'closed' || (this.state === 'closing' && this.isDrained())) {
        return Promise.reject(new SourceClosedError(this.spec.name));
      }
      this.start();
    }
    return this.ready as Promise<void>;
  }

  /**
   * A PostgreSQL source that failed to open tries again on a call at least REOPEN_AFTER_MS later: the server
   * may be back (an outage while its worker was restarting or idle must not fail the source for good). A
   * SQLite source's failure stays: its file is not coming back by itself.
   */
  private mayReopen(): boolean {
    if (this.readyState !== 'failed' || !engineOf(this.spec).reopensAfterFailure) return false;
    if (performance.now() - this.failedAt < REOPEN_AFTER_MS) return false;
    const failed = this.worker;
    this.worker = undefined;
    this.releaseRemote();
    void stopWorker(failed);
    return true;
  }

  /** Whether a worker runs (or is starting) for this source. */
  get started(): boolean {
    return this.ready !== null;
  }

  /** Where the source's worker is, without starting it: not started (or stopped when idle), opening, open, or failed to open. */
  get openState(): SourceState {
    return this.ready === null ? 'not started' : this.readyState;
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
      // One clock reading per tick, not per call: the calls of a tick start together (latency stats only).
      if (!this.flushScheduled) this.tickStartedAt = performance.now();
      const call = { req, resolve, reject, startedAt: this.tickStartedAt };
      if (isTransactionBound(req)) this.txPending.push(call);
      else this.pending.push(call);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After every promise job of this tick has run, so callers resumed together batch together.
        RESOLVED.then(() => process.nextTick(this.flush));
      }
    });
  }

  /** Never waits long: a worker busy past STATS_WAIT_MS reports its last known pool figures. */
  async stats(): Promise<SourceStats> {
    let pool = this.lastPool;
    const ready = this.ready;
    try {
      // A source never called has no worker to ask (and is not started by being looked at).
      const fresh =
        ready === null
          ? null
          : await withDeadline(
              ready.then(() =>
                this.state === 'closed' || this.remote === undefined ? null : this.guard(this.remote.poolStats()),
              ),
              Math.min(STATS_WAIT_MS, this.spec.queryTimeoutMs),
            );
      if (fresh !== null && fresh !== TIMED_OUT) {
        pool = fresh;
        this.lastPool = fresh;
      }
    } catch (e) {
      // A source that failed to open or died reports what it had; a restarted worker that found
      // its file gone says so.
      const reason = (e as { code?: unknown; details?: { reason?: unknown } })?.details?.reason;
      if ((e as { code?: unknown })?.code === 'SOURCE_UNAVAILABLE' && typeof reason === 'string') {
        pool = { ...pool, unavailable: reason };
      }
    }
    // Counters restart with a restarted worker; pool figures are those of the live one.
    const acquired = pool.connectionsAcquired;
    return {
      source: this.spec.name,
      readonly: this.spec.readonly,
      ...this.counters,
      running: this.ready !== null,
      ...pool,
      queued: this.pending.length + this.txPending.length,
      inFlight: this.inFlightCalls,
      reuseRate: acquired === 0 ? 1 : 1 - pool.connectionsOpened / acquired,
      latency: this.latency.percentiles(),
    };
  }

  /**
   * Drains what is queued (open transactions finish first), closes every connection and ends the
   * worker. Bounded: past transactionTimeoutMs + queryTimeoutMs + 1 s (the longest a transaction
   * and then a query may legitimately hold the drain), calls still queued fail with SOURCE_CLOSED,
   * calls still running with SOURCE_CRASHED, and the worker is stopped.
   */
  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    if (this.ready === null && this.isDrained()) {
      // Never started: nothing to drain, no thread to end.
      this.state = 'closed';
      clearInterval(this.watchdogTimer);
      if (this.idleTimer !== null) clearInterval(this.idleTimer);
      return;
    }
    this.flush();
    const drainAndClose = async () => {
      if (!this.isDrained()) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      try {
        await this.ready;
        const remote = this.remote;
        if (remote !== undefined) await this.guard(remote.close());
      } catch {
        // Closing a source that never opened (or already died) only needs the thread gone.
      }
    };
    const limit = this.spec.transactionTimeoutMs + this.spec.queryTimeoutMs + CLOSE_GRACE_MS;
    const outcome = await withDeadline(drainAndClose(), limit);
    this.state = 'closed';
    clearInterval(this.watchdogTimer);
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    if (outcome === TIMED_OUT) {
      const closed = new SourceClosedError(this.spec.name);
      this.settleAll(this.pending.splice(0).concat(this.txPending.splice(0)), closed);
      this.killWorker(new SourceCrashedError(this.spec.name, `still busy ${limit} ms after close() was called`));
    }
    this.releaseRemote();
    this.port?.close();
    await stopWorker(this.worker);
  }

  private start(): void {
    let worker: Worker;
    try {
      const entry =
        this.spec.workerModule === undefined ? engineOf(this.spec).workerUrl : new URL(this.spec.workerModule);
      worker = new Worker(entry, {
        name: `source:${this.spec.name}`,
        ...WORKER_EXEC_ARGV,
        // Out of heap, only this worker dies (SOURCE_CRASHED, restart), not the whole process.
        resourceLimits: {
          maxOldGenerationSizeMb: this.spec.maxMemoryMb,
          maxYoungGenerationSizeMb: youngGenerationMb(this.spec.maxMemoryMb),
        },
      });
    } catch (e) {
      // Never a raw error out of the constructor: the source fails to open instead.
      const error = new SourceCrashedError(this.spec.name, `its worker could not start (${(e as Error).message})`);
      this.ready = Promise.reject(error);
      this.ready.catch(() => undefined);
      this.readyState = 'failed';
      this.remote = undefined;
      return;
    }
    this.worker = worker;
    this.watchdog.reset();
    const remote = wrap<SourceWorkerApi>(nodeEndpoint(worker));
    this.remote = remote;
    this.opened = false;
    const channel = new MessageChannel();
    const port = channel.port1;
    // The worker numbers row shapes per port: every reply of this port goes through this port's unpacker.
    const unpacker = new RowUnpacker();
    port.on('message', (answer: DataAnswer) => {
      if (port !== this.port) return; // from a worker already replaced
      if (isLateAnswer(answer)) this.onLateAnswer(answer);
      else this.onOutcome(answer, unpacker);
    });
    // The worker holds the process open while it runs; the port alone must not.
    port.unref();
    const options = {
      mustExist: this.firstOpenDone,
      identity: this.identity,
      watchdog: this.watchdogBuffer,
      dataPort: channel.port2,
      spinUs: this.spinUs,
    };
    this.ready = this.guard(
      remote.open(this.spec, transfer(options, [channel.port2])).then((outcome) => {
        if (!outcome.ok) throw reviveError(outcome.error);
        this.opened = true;
        this.firstOpenDone = true;
        this.identity = outcome.identity;
        if (worker === this.worker) this.port = port;
      }),
    );
    this.ready.catch(() => undefined); // observed by every call; never an unhandled rejection
    const ready = this.ready;
    this.readyState = 'starting';
    ready.then(
      () => {
        if (this.ready === ready) this.readyState = 'running';
      },
      () => {
        if (this.ready !== ready) return;
        this.readyState = 'failed';
        this.failedAt = performance.now();
      },
    );
    let lastError = '';
    worker.on('error', (e) => {
      lastError = e instanceof Error ? e.message : String(e);
      if ((e as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        lastError = `out of memory: its heap passed max-memory-mb (${this.spec.maxMemoryMb} MB); if the work is legitimate, raise max-memory-mb for "${this.spec.name}"`;
      }
    });
    let gone = false;
    const onGone = (error: SourceCrashedError) => {
      if (gone || worker !== this.worker) return;
      gone = true;
      if (this.port === port) this.port = null;
      // Answers the worker posted before it died may still wait in the port ('exit' can overtake them).
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const answer = m.message as DataAnswer;
        if (isLateAnswer(answer)) this.onLateAnswer(answer);
        else this.onOutcome(answer, unpacker);
      }
      port.close();
      for (const reject of this.guards) reject(error);
      this.guards.clear();
      for (const calls of this.running.values()) {
        this.inFlightCalls -= calls.length;
        this.settleAll(calls, error);
      }
      this.running.clear();
      this.unslotted.clear();
      this.batchesInFlight = 0;
      for (const call of this.late.values()) this.settle(call, undefined, error);
      this.inFlightCalls -= this.late.size;
      this.late.clear();
      this.early.clear();
      this.openTransactions = 0;
      this.wakeDrainWaiters();
      if (this.state !== 'closed') this.restart();
    };
    this.killWorker = (error) => {
      onGone(error);
      void stopWorker(worker);
    };
    worker.once('exit', (code) => onGone(new SourceCrashedError(this.spec.name, lastError || `exit code ${code}`)));
  }

  /**
   * A call stuck past queryTimeoutMs fails with QUERY_TIMEOUT; the worker is stopped and a new one
   * started. Calls of its batch that ran before it fail with SOURCE_CRASHED (they were applied, or
   * not: their answers are lost); calls that had not started (after it in its batch, and later
   * batches already sent) are sent again to the new worker, ahead of the queue.
   */
  private readonly checkWatchdog = (): void => {
    const stuck = this.watchdog.stuck(performance.now(), this.spec.queryTimeoutMs);
    if (stuck === null) return;
    const key = `${stuck.batch}:${stuck.index}`;
    let call = this.late.get(key);
    const notStarted: PendingCall[] = [];
    if (call !== undefined) {
      this.late.delete(key);
    } else {
      // Stuck inside `run` of this batch: the worker has not started anything after it.
      const calls = this.running.get(stuck.batch);
      call = calls?.[stuck.index];
      if (calls !== undefined && call !== undefined) {
        // The arrays are those `send` holds: what is spliced out here is no longer its to settle.
        notStarted.push(...calls.splice(stuck.index).slice(1));
        for (const [n, later] of this.running) if (n > stuck.batch) notStarted.push(...later.splice(0));
      }
    }
    if (call !== undefined) {
      this.inFlightCalls -= 1 + notStarted.length;
      this.settle(call, undefined, new QueryTimeoutError(this.spec.name, describe(call.req), this.spec.queryTimeoutMs));
    }
    this.killWorker(
      new SourceCrashedError(
        this.spec.name,
        `stopped because another call it held ran past query-timeout (${this.spec.queryTimeoutMs} ms)`,
      ),
    );
    if (notStarted.length > 0) this.requeue(notStarted);
  };

  /** Calls that never reached a worker that died: first in line for the next one. */
  private requeue(calls: PendingCall[]): void {
    const tx = calls.filter((c) => isTransactionBound(c.req));
    this.txPending = tx.concat(this.txPending);
    this.pending = (tx.length === 0 ? calls : calls.filter((c) => !isTransactionBound(c.req))).concat(this.pending);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flush);
    }
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

  private settle(call: PendingCall, value: unknown, error: unknown, now = performance.now()): void {
    const type = call.req.type;
    if (type === 'begin' && error === undefined) this.openTransactions++;
    else if (type === 'commit' || type === 'rollback') this.openTransactions--;
    if (this.drainWaiters.length > 0) queueMicrotask(this.wakeDrainWaiters);
    this.counters.calls++;
    this.latency.record(now - call.startedAt);
    if (error === undefined) call.resolve(value);
    else {
      this.counters.errors++;
      call.reject(error);
    }
  }

  /** Comlink throws on a second release: the handle is dropped with its release. */
  private releaseRemote(): void {
    const remote = this.remote;
    this.remote = undefined;
    remote?.[releaseProxy]();
  }

  private restart(): void {
    this.releaseRemote();
    // A worker that dies while opening would die again: its calls get the error instead of a restart loop.
    if (!this.opened) return;
    this.counters.restarts++;
    this.start();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.port === null) {
      this.whenWorkerOpen();
      return;
    }
    if (this.txPending.length > 0) {
      // An open transaction's calls skip the slots: what fills them may be waiting for these calls.
      const calls = this.txPending;
      this.txPending = [];
      this.post(calls, false);
    }
    // Takes every call waiting at the moment a slot is free, not at the moment it was queued.
    while (this.pending.length > 0 && this.batchesInFlight < this.maxBatchesInFlight) {
      let calls = this.pending;
      this.pending = [];
      if (calls.length >= SPLIT_AT && this.batchesInFlight + 1 < this.maxBatchesInFlight) {
        // Nothing else in flight: send half now and half right behind it, so the worker runs the
        // second half while this thread hands out the first half's answers (and collects new calls).
        this.pending = calls.slice(calls.length >> 1);
        calls = calls.slice(0, calls.length >> 1);
      }
      this.post(calls, true);
    }
  };

  /** No open worker: start one if none runs, and flush once it has opened (or fail the calls why not). */
  private whenWorkerOpen(): void {
    if (this.waitingForWorker) return;
    if (this.pending.length === 0 && this.txPending.length === 0) return;
    this.waitingForWorker = true;
    const ready = this.whenReady();
    ready.then(
      () => {
        this.waitingForWorker = false;
        this.flush();
      },
      (e) => {
        this.waitingForWorker = false;
        // A worker replaced meanwhile (restart) gets its own chance to open.
        if (ready !== this.ready && this.ready !== null) {
          this.flush();
          return;
        }
        this.settleAll(this.pending.splice(0).concat(this.txPending.splice(0)), e);
      },
    );
  }

  private post(calls: PendingCall[], slotted: boolean): void {
    const port = this.port as MessagePort;
    const batch = this.nextBatch++;
    const requests: WorkerRequest[] = new Array(calls.length);
    for (let i = 0; i < calls.length; i++) requests[i] = (calls[i] as PendingCall).req;
    try {
      port.postMessage(encodeBatch(batch, requests));
    } catch (e) {
      if (!isDataCloneError(e)) {
        this.settleAll(calls, e);
        return;
      }
      // One call's arguments could not be copied to the worker: fail that call alone.
      if (calls.length > 1) for (const c of calls) this.post([c], false);
      else {
        const what = describe(calls[0]?.req);
        this.settleAll(
          calls,
          new InvalidArgumentError(what, 'args', `cannot be sent to a worker (${(e as Error).message})`),
        );
      }
      return;
    }
    this.inFlightCalls += calls.length;
    this.counters.batches++;
    this.running.set(batch, calls);
    if (slotted) this.batchesInFlight++;
    else this.unslotted.add(batch);
  }

  /** A batch's reply: hand out its answers at once, then fill the freed slot. */
  private onOutcome(outcome: BatchOutcome, unpacker: RowUnpacker): void {
    const batch = outcome.batch;
    const values = outcome.values;
    // Even for a batch already failed: its reply may number new row shapes that later replies name.
    if (outcome.rows !== undefined) unpacker.unpack(values, outcome.rows);
    const calls = this.running.get(batch);
    if (calls === undefined) return; // its calls were already failed (watchdog)
    this.running.delete(batch);
    if (!this.unslotted.delete(batch)) this.batchesInFlight--;
    // Send what gathered meanwhile before handing out answers: the worker works while we do.
    if (this.pending.length > 0 && !this.flushScheduled) this.flush();
    const errors = outcome.errors;
    const late = outcome.late;
    let e = 0;
    const now = performance.now();
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as PendingCall;
      if (late?.includes(i)) {
        this.parkLate(`${batch}:${i}`, call);
        continue;
      }
      this.inFlightCalls--;
      let error: unknown;
      if (errors !== null) {
        while (e < errors.length && (errors[e] as [number, unknown])[0] < i) e++;
        const failed = errors[e];
        if (failed !== undefined && failed[0] === i) error = reviveError(failed[1]);
      }
      this.settle(call, values[i], error, now);
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
/** stats() waits at most this long for a busy worker's pool figures. */
const STATS_WAIT_MS = 1_000;
/** A PostgreSQL source that failed to open is tried again on a call this long after (see mayReopen). */
const REOPEN_AFTER_MS = 1_000;
/** close() waits this long beyond the transaction and query limits. */
const CLOSE_GRACE_MS = 1_000;
/**
 * worker.terminate() cannot interrupt SQLite's native code: a thread stuck inside one statement
 * only stops when that statement returns. Past this wait the thread is left behind, unreferenced.
 */
const TERMINATE_WAIT_MS = 1_000;
const TIMED_OUT = Symbol('timed out');

function watchdogPeriod(queryTimeoutMs: number): number {
  return Math.max(5, Math.min(1_000, Math.floor(queryTimeoutMs / 4)));
}

/** V8's young generation scaled to the heap limit: 1/8 of it, between 4 and 64 MB. */
function youngGenerationMb(maxMemoryMb: number): number {
  return Math.max(4, Math.min(64, Math.floor(maxMemoryMb / 8)));
}

/** `p`'s value, or TIMED_OUT after `ms`; the timer never keeps the process alive. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function stopWorker(worker: Worker | undefined): Promise<void> {
  if (worker === undefined) return;
  const stopped = await withDeadline(worker.terminate(), TERMINATE_WAIT_MS);
  // Stuck in native code: let the process exit without it (Node still joins it on process.exit).
  if (stopped === TIMED_OUT) worker.unref();
}
/** Below this many calls, one message beats two: a round trip costs more than the calls. */
const SPLIT_AT = 16;

function isDataCloneError(e: unknown): boolean {
  return e instanceof Error && e.name === 'DataCloneError';
}

function describe(req: WorkerRequest | undefined): string {
  if (req === undefined) return 'call';
  if (req.type === 'sql') return `SQL "${req.sql.length > 80 ? `${req.sql.slice(0, 80)}…` : req.sql}"`;
  return req.type === 'op' ? req.op : req.type;
}

function zeroPool(): PoolStats {
  return {
    connectionsOpened: 0,
    connectionsAcquired: 0,
    connectionsOpen: 0,
    statementsPrepared: 0,
    statementsEvicted: 0,
    unavailable: null,
  };
}
