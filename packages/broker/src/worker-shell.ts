/**
 * The one worker shell: what every source worker does, whatever its engine. An engine's worker entry is
 * `serveSource(new XRunner())`; the runner (engine-runner.ts) runs one request on its driver, the shell does
 * the rest: Comlink for open, poolStats and close (the control plane), the data port (every call), the batch
 * loop and its answers, transaction ids, watchdog marks, write refusal, the per-call deadline of server
 * engines, one call at a time per transaction, the operations module and its prepare hook, and errors as data.
 *
 * A batch runs in order. What the runner gives back says how a request is answered (see engine-runner.ts):
 * a value goes in the batch's reply, a Promise holds the reply until it settles (a transaction's call is
 * answered on its own instead: what fills a batch may be waiting for that transaction to end), a `Waiting` is
 * answered late. A `Waiting` that holds the backlog makes every later request outside a transaction queue
 * behind it, in order, while the transaction's own requests go ahead.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { DatabaseError, type SerializedError, SourceOpenError, TransactionEndedError } from '@pkg/errors';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { type EngineRunner, type Resume, type RunnerHost, type RunnerResult, Waiting } from './engine-runner.js';
import type { EngineName, SourceSpec } from './engines/registry.js';
import type { Operation, OperationMap, SourceModule } from './operation.js';
import {
  type BatchMessage,
  type BatchOutcome,
  type DataAnswer,
  decodeBatch,
  describeRequest,
  isLateAnswer,
  isSerializedError,
  isTransactionBound,
  type OpenOptions,
  type OpenOutcome,
  type PoolStats,
  type SourceWorkerApi,
  type WorkerRequest,
} from './protocol.js';
import { RowPacker } from './row-packing.js';
import { LoopSpinner, PortSpinner } from './spin.js';
import { WatchdogMarker } from './watchdog.js';

/**
 * Serves the source worker this thread is, with `runner` for its engine. `sourceModule`: the operations, when
 * the entry has them built in (a bundled `workerModule`); else the worker imports the spec's `operationsModule`.
 */
export function serveSource<E extends EngineName, Tx>(runner: EngineRunner<E, Tx>, sourceModule?: SourceModule): void {
  if (parentPort === null) throw new Error(`the ${runner.engine} source worker must run inside a worker_thread`);
  const connectionLost = runner.isConnectionLost?.bind(runner);
  if (connectionLost !== undefined) {
    process.on('unhandledRejection', (reason) => {
      if (!connectionLost(reason)) throw reason;
    });
  }
  const shell = new WorkerShell(runner, sourceModule);
  // Only the control plane is exposed (not the shell's RunnerHost side).
  const api: SourceWorkerApi = {
    open: (spec, options) => shell.open(spec, options),
    poolStats: () => shell.poolStats(),
    close: () => shell.close(),
  };
  expose(api, nodeEndpoint(parentPort));
}

/** Calls answered by one `runMany` at most (64 keys: one statement, well inside SQLite's variable limit). */
const MAX_GROUP = 64;

/**
 * A batch with calls not answered at once: the reply waits for its in-flight calls (`pending`), and with a
 * deadline every open call settles by then.
 */
interface Flight {
  readonly out: BatchOutcome;
  readonly requests: WorkerRequest[];
  /** In-flight calls the batch's reply waits for. */
  pending: number;
  /** The loop is done: the reply may go once `pending` is 0. */
  started: boolean;
  /** Calls not yet settled (only with a deadline): past it they settle with the runner's deadlineError. */
  readonly open: Set<number> | null;
  timer: NodeJS.Timeout | null;
}

class WorkerShell<E extends EngineName, Tx> implements RunnerHost {
  private readonly runner: EngineRunner<E, Tx>;
  private spec!: SourceSpec;
  private port!: MessagePort;
  private watchdog!: WatchdogMarker;
  private operations: OperationMap = {};
  private refuseWrites: SerializedError | null = null;
  private readonly transactions = new Map<number, Tx>();
  private nextTx = 1;
  /** Each open transaction's last call still running: the next one starts after it settles. */
  private readonly txTails = new Map<number, Promise<unknown>>();
  /** Tail of the requests outside a transaction that are waiting; later ones queue behind it. */
  private backlog: Promise<void> | null = null;
  /** SQLite: checks the data port before parking (`spinUs`) after a batch answered at once. */
  private portSpinner: PortSpinner | null = null;
  /** Server engines: keeps the event loop turning (`spinUs`) after each batch in and answer out. */
  private loopSpinner: LoopSpinner | null = null;
  /** Numbers row shapes per data port (one port per worker). */
  private readonly packer = new RowPacker();
  /** The call being run (for `resumeLater`). */
  private batch = 0;
  private index = 0;

  constructor(
    runner: EngineRunner<E, Tx>,
    private readonly builtIn: SourceModule | undefined,
  ) {
    this.runner = runner;
  }

  async open(spec: SourceSpec, options: OpenOptions): Promise<OpenOutcome> {
    if (spec.engine !== this.runner.engine) {
      // The broker starts the worker of each source's engine; reaching here is the broker's bug.
      const error = new DatabaseError(
        'CONFIG_INVALID',
        `source "${spec.name}" is ${spec.engine}, but this worker runs ${this.runner.engine}: it cannot open it. Fix: open it through the Broker, which starts the worker of its engine`,
        { source: spec.name },
      );
      return { ok: false, error: error.toJSON() };
    }
    this.spec = spec;
    this.watchdog = new WatchdogMarker(options.watchdog);
    this.port = options.dataPort;
    // Batches sent before the open finishes wait in the port: the main thread sends none before it.
    this.port.on('message', (message: BatchMessage) => {
      this.loopSpinner?.activity();
      if (this.runMessage(message)) this.portSpinner?.afterBatch();
    });
    const runner = this.runner;
    const engineSpec = spec as Parameters<typeof runner.open>[0];
    try {
      const mod = this.builtIn === undefined ? await loadModule(spec) : { sourceModule: this.builtIn };
      this.operations = mod.sourceModule.operations;
      const connection = await runner.open(engineSpec, options, this);
      this.startSpinner(options.spinUs ?? 0);
      const prepare = mod.sourceModule.prepare?.[runner.engine];
      const prepared = (await prepare?.(connection as never, engineSpec as never)) ?? {};
      this.refuseWrites = prepared.refuseWrites ?? null;
      runner.accepted?.(prepared);
      return { ok: true, writesRefused: this.refuseWrites, identity: runner.identity() };
    } catch (e) {
      const error = await runner.openFailed(e, engineSpec);
      return { ok: false, error: error.toJSON() };
    }
  }

  /** After the runner opened (its deadline is known then). A runner with a deadline answers from a server, on sockets. */
  private startSpinner(spinUs: number): void {
    if (spinUs <= 0) return;
    if (this.runner.deadlineMs === undefined) this.portSpinner = new PortSpinner(this.port, spinUs, this.runMessage);
    else this.loopSpinner = new LoopSpinner(spinUs);
  }

  poolStats(): PoolStats {
    return this.runner.stats();
  }

  close(): void | Promise<void> {
    const open = [...this.transactions.values()];
    this.transactions.clear();
    return this.runner.close(open);
  }

  resumeLater(): Resume {
    const batch = this.batch;
    const index = this.index;
    return <R>(fn: () => R): R => {
      this.runner.beginPass?.();
      this.mark(batch, index);
      try {
        return fn();
      } finally {
        this.watchdog.end();
      }
    };
  }

  private mark(batch: number, index: number): void {
    this.batch = batch;
    this.index = index;
    this.watchdog.begin(batch, index);
  }

  /** Runs a batch message; true when it was answered at once and nothing waits for the event loop. */
  private readonly runMessage = (message: unknown): boolean => {
    const m = message as BatchMessage;
    return this.run(m.batch, decodeBatch(m)) && this.backlog === null;
  };

  /** Runs a batch in order (see the header); its reply goes at once unless a call is in flight (then false). */
  private run(batch: number, requests: WorkerRequest[]): boolean {
    const out: BatchOutcome = { batch, values: filledList(requests.length), errors: null, late: null };
    const runner = this.runner;
    runner.beginPass?.();
    let flight: Flight | null = null;
    let boundAnswered = false;
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as WorkerRequest;
      const bound = isTransactionBound(req);
      if (!bound && this.backlog !== null) {
        if (flight === null) flight = this.flight(out, requests);
        const queuedIn = flight;
        this.batch = batch;
        this.index = i;
        const resume = this.resumeLater();
        this.watchDeadline(queuedIn, i);
        this.setBacklog(this.backlog.then(() => this.answerQueued(queuedIn, i, resume)));
        lateList(out).push(i);
        continue;
      }
      // Consecutive calls of a read that can answer several at once: one go for all of them.
      if (!bound && req.type === 'op' && runner.runMany !== undefined && i + 1 < requests.length) {
        const end = this.runGroup(batch, requests, i, out.values);
        if (end > i) {
          i = end - 1;
          continue;
        }
      }
      this.mark(batch, i);
      let result: RunnerResult<unknown>;
      try {
        result = this.dispatch(req);
      } catch (e) {
        errorList(out).push([i, this.serialize(e, req)]);
        if (bound) boundAnswered = true;
        continue;
      }
      if (result instanceof Waiting) {
        flight ??= this.flight(out, requests);
        const answered = this.settleLate(flight, i, result.settled);
        if (!bound && result.holdsBacklog) this.setBacklog(answered);
        lateList(out).push(i);
      } else if (result instanceof Promise) {
        flight ??= this.flight(out, requests);
        if (bound) {
          this.settleLate(flight, i, result);
          lateList(out).push(i);
        } else this.settleInBatch(flight, i, result);
      } else {
        out.values[i] = result;
        if (bound) boundAnswered = true;
      }
    }
    this.watchdog.end();
    if (flight === null) {
      this.post(out);
      return true;
    }
    if (flight.pending > 0 && boundAnswered) this.answerBoundNow(flight);
    flight.started = true;
    if (flight.pending === 0) this.finish(flight);
    return false;
  }

  /** The request's work: refused here (unknown operation, refused write, ended transaction) or the runner's. */
  private dispatch(req: WorkerRequest): RunnerResult<unknown> {
    const runner = this.runner;
    switch (req.type) {
      case 'op': {
        const op = this.operations[req.op];
        if (op === undefined) throw new Error(`unknown operation "${req.op}"`);
        if (op.kind === 'write' && this.refuseWrites !== null) throw this.refuseWrites;
        if (req.tx === undefined) return runner.runOperation(req.op, op, req.args, undefined);
        return this.inTransaction(req.tx, (tx) => runner.runOperation(req.op, op, req.args, tx));
      }
      case 'sql':
        if (req.tx === undefined) return runner.runSql(req, undefined);
        return this.inTransaction(req.tx, (tx) => runner.runSql(req, tx));
      case 'begin':
        return this.begin();
      case 'commit':
      case 'rollback':
        return this.end(req.tx, req.type);
    }
  }

  private txOf(id: number): Tx {
    const tx = this.transactions.get(id);
    if (tx === undefined) throw new TransactionEndedError(this.spec.name);
    return tx;
  }

  /**
   * One call of a transaction at a time: calls started together (Promise.all on tx) would otherwise interleave
   * their statements, and one call's rollback could undo another's. No promise while nothing waits (SQLite).
   */
  private inTransaction(id: number, call: (tx: Tx) => RunnerResult<unknown>): RunnerResult<unknown> {
    const tail = this.txTails.get(id);
    if (tail === undefined) {
      const result = call(this.txOf(id));
      if (result instanceof Promise || result instanceof Waiting) this.setTail(id, settledOf(result));
      return result;
    }
    const resume = this.resumeLater();
    const next = tail.then(() => settledOf(resume(() => call(this.txOf(id)))));
    this.setTail(id, next);
    return next;
  }

  private setTail(id: number, p: Promise<unknown>): void {
    const tail = p.then(noop, noop);
    this.txTails.set(id, tail);
    void tail.then(() => {
      if (this.txTails.get(id) === tail) this.txTails.delete(id);
    });
  }

  private begin(): RunnerResult<number> {
    const result = this.runner.begin();
    if (result instanceof Waiting) return new Waiting(result.settled.then(this.register), result.holdsBacklog);
    if (result instanceof Promise) return result.then(this.register);
    return this.register(result);
  }

  private readonly register = (tx: Tx): number => {
    const id = this.nextTx++;
    this.transactions.set(id, tx);
    return id;
  };

  /** COMMIT or ROLLBACK, after the transaction's call still running (the callback did not await it). */
  private end(id: number, how: 'commit' | 'rollback'): RunnerResult<void> {
    const tx = this.txOf(id);
    const tail = this.txTails.get(id);
    if (tail === undefined) {
      this.transactions.delete(id);
      return this.runner.end(tx, how);
    }
    const resume = this.resumeLater();
    return tail.then(() => {
      this.transactions.delete(id);
      return settledOf(resume(() => this.runner.end(tx, how)));
    });
  }

  /**
   * Runs requests[start..end) through the runner's `runMany` when at least two consecutive calls of a read
   * with `planMany` are outside a transaction. Returns `end` when done, or `start` to run them one by one.
   */
  private runGroup(batch: number, requests: WorkerRequest[], start: number, values: unknown[]): number {
    const first = requests[start] as Extract<WorkerRequest, { type: 'op' }>;
    const op = this.operations[first.op];
    if (op?.planMany === undefined || op.kind !== 'read') return start;
    let end = start + 1;
    while (end < requests.length && end - start < MAX_GROUP) {
      const next = requests[end] as WorkerRequest;
      if (next.type !== 'op' || next.op !== first.op || next.tx !== undefined) break;
      end++;
    }
    if (end - start < 2) return start;
    // A stuck group names its first call; the watchdog re-sends the rest (reads: safe to run again).
    this.mark(batch, start);
    try {
      const args = new Array(end - start);
      for (let k = start; k < end; k++) args[k - start] = (requests[k] as { args: unknown }).args;
      const results = (this.runner.runMany as NonNullable<typeof this.runner.runMany>)(
        first.op,
        op as Operation<unknown, unknown>,
        args,
      );
      if (results === undefined || results.length !== args.length) return start;
      for (let k = start; k < end; k++) values[k] = results[k - start];
      return end;
    } catch {
      return start;
    }
  }

  /** A request queued behind the backlog, run once it is its turn (marked as itself); resolves once answered. */
  private answerQueued(flight: Flight, index: number, resume: Resume): Promise<void> {
    const req = flight.requests[index] as WorkerRequest;
    let result: Promise<unknown>;
    try {
      result = settledOf(resume(() => this.dispatch(req)));
    } catch (e) {
      result = Promise.reject(e);
    }
    return this.answerWhenSettled(flight, index, result);
  }

  private flight(out: BatchOutcome, requests: WorkerRequest[]): Flight {
    return {
      out,
      requests,
      pending: 0,
      started: false,
      open: this.runner.deadlineMs === undefined ? null : new Set(),
      timer: null,
    };
  }

  /** A call answered on its own (LateAnswer) once `p` settles; resolves once it is posted. */
  private settleLate(flight: Flight, index: number, p: Promise<unknown>): Promise<void> {
    this.watchDeadline(flight, index);
    return this.answerWhenSettled(flight, index, p);
  }

  private answerWhenSettled(flight: Flight, index: number, p: Promise<unknown>): Promise<void> {
    const batch = flight.out.batch;
    const req = flight.requests[index] as WorkerRequest;
    return p.then(
      (value) => {
        if (this.closeCall(flight, index, value)) this.post({ lateAnswer: true, batch, index, value });
      },
      (e) => {
        if (this.closeCall(flight, index, undefined)) {
          this.post({ lateAnswer: true, batch, index, error: this.serialize(e, req) });
        }
      },
    );
  }

  /** A call in flight whose answer goes in the batch's reply. */
  private settleInBatch(flight: Flight, index: number, p: Promise<unknown>): void {
    flight.pending++;
    this.watchDeadline(flight, index);
    const req = flight.requests[index] as WorkerRequest;
    p.then(
      (value) => {
        if (!this.closeCall(flight, index, value)) return;
        flight.out.values[index] = value;
        this.answered(flight);
      },
      (e) => {
        if (!this.closeCall(flight, index, undefined)) return;
        errorList(flight.out).push([index, this.serialize(e, req)]);
        this.answered(flight);
      },
    );
  }

  private answered(flight: Flight): void {
    if (--flight.pending === 0 && flight.started) this.finish(flight);
  }

  private finish(flight: Flight): void {
    // Failures arrive in completion order; the main thread reads them in request order.
    flight.out.errors?.sort((a, b) => a[0] - b[0]);
    this.post(flight.out);
  }

  /**
   * The reply waits for a call in flight: a transaction's requests answered at once go ahead on their own,
   * as what holds the reply may be waiting for that transaction to end.
   */
  private answerBoundNow(flight: Flight): void {
    const { out, requests } = flight;
    const late = lateList(out);
    for (let i = 0; i < requests.length; i++) {
      if (!isTransactionBound(requests[i] as WorkerRequest) || late.includes(i)) continue;
      late.push(i);
      const failed = out.errors?.findIndex((entry) => entry[0] === i) ?? -1;
      if (failed >= 0) {
        const [[, error]] = (out.errors as Array<[number, SerializedError]>).splice(failed, 1) as [
          [number, SerializedError],
        ];
        this.post({ lateAnswer: true, batch: out.batch, index: i, error });
      } else this.post({ lateAnswer: true, batch: out.batch, index: i, value: out.values[i] });
      out.values[i] = undefined;
    }
    if (out.errors?.length === 0) out.errors = null;
  }

  /** With a deadline: the call counts as open until it settles; the batch's timer starts with its first one. */
  private watchDeadline(flight: Flight, index: number): void {
    if (flight.open === null) return;
    flight.open.add(index);
    flight.timer ??= setTimeout(() => this.deadlinePassed(flight), this.runner.deadlineMs);
  }

  /** Whether the call is still open (not yet answered by the deadline); closes it. */
  private closeCall(flight: Flight, index: number, value: unknown): boolean {
    const open = flight.open;
    if (open === null) return true;
    if (!open.delete(index)) {
      // Already failed by the deadline. A transaction that began meanwhile has nobody to end it.
      if ((flight.requests[index] as WorkerRequest).type === 'begin' && typeof value === 'number') {
        const tx = this.transactions.get(value);
        this.transactions.delete(value);
        if (tx !== undefined) void Promise.resolve(settledOf(this.runner.end(tx, 'rollback'))).catch(noop);
      }
      return false;
    }
    if (open.size === 0 && flight.timer !== null) clearTimeout(flight.timer);
    return true;
  }

  private deadlinePassed(flight: Flight): void {
    const runner = this.runner;
    for (const index of [...(flight.open as Set<number>)]) {
      const req = flight.requests[index] as WorkerRequest;
      const tx = req.type !== 'begin' && req.tx !== undefined ? this.transactions.get(req.tx) : undefined;
      const error = (runner.deadlineError as NonNullable<typeof runner.deadlineError>)(req, tx, this.writes(req));
      (flight.open as Set<number>).delete(index);
      const serialized = error.toJSON();
      if (isLateIn(flight.out, index)) {
        this.post({ lateAnswer: true, batch: flight.out.batch, index, error: serialized });
      } else {
        errorList(flight.out).push([index, serialized]);
        this.answered(flight);
      }
    }
  }

  /** A request that writes outside a transaction: lost with its connection, it may have been applied. */
  private writes(req: WorkerRequest): boolean {
    if (req.type === 'op') return req.tx === undefined && this.operations[req.op]?.kind === 'write';
    return req.type === 'sql' && req.tx === undefined && req.readOnly !== true;
  }

  private setBacklog(p: Promise<void>): void {
    this.backlog = p;
    void p.then(() => {
      if (this.backlog === p) this.backlog = null;
    });
  }

  private serialize(e: unknown, req: WorkerRequest): SerializedError {
    if (e instanceof DatabaseError) return e.toJSON();
    if (isSerializedError(e)) return e;
    return this.runner.toError(e, describeRequest(req)).toJSON();
  }

  private post(answer: DataAnswer): void {
    if (!isLateAnswer(answer)) {
      const rows = this.packer.pack(answer.values);
      if (rows !== null) answer.rows = rows;
    }
    this.port.postMessage(answer);
    this.loopSpinner?.activity();
  }
}

/** The source's operations module; one that cannot be loaded fails the open, naming it (not the source's file). */
async function loadModule(spec: SourceSpec): Promise<{ sourceModule: SourceModule }> {
  try {
    return (await import(spec.operationsModule)) as { sourceModule: SourceModule };
  } catch (e) {
    throw new SourceOpenError(
      spec.name,
      spec.operationsModule,
      `its operations module could not be loaded (${e instanceof Error ? e.message : String(e)})`,
      'check the operationsModule URL of this source and that the module it names builds and exports `sourceModule`',
    );
  }
}

/**
 * A list of `n` undefined values, appended rather than `new Array(n)`: structured clone copies a list with
 * holes index by index, one without them as a dense list (cheaper on both threads).
 */
function filledList(n: number): unknown[] {
  const list: unknown[] = [];
  for (let i = 0; i < n; i++) list.push(undefined);
  return list;
}

function lateList(out: BatchOutcome): number[] {
  if (out.late === null) out.late = [];
  return out.late;
}

function errorList(out: BatchOutcome): Array<[number, SerializedError]> {
  if (out.errors === null) out.errors = [];
  return out.errors;
}

function isLateIn(out: BatchOutcome, index: number): boolean {
  return out.late?.includes(index) ?? false;
}

/** A runner's result as a promise of its answer (a value, a Promise or a Waiting). */
function settledOf<T>(result: RunnerResult<T>): Promise<T> {
  if (result instanceof Waiting) return result.settled;
  return Promise.resolve(result);
}

function noop(): void {}
