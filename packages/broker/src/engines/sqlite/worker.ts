/**
 * Entry point of a source worker: one per source, holding that source's connection pool.
 * The main thread never opens SQLite; it sends batches of requests here on the data port, and
 * opens, asks for pool figures and closes over Comlink (see protocol.ts).
 */
import { performance } from 'node:perf_hooks';
import { type MessagePort, parentPort } from 'node:worker_threads';
import {
  DatabaseError,
  InvalidArgumentError,
  QueryFailedError,
  type SerializedError,
  SourceUnavailableError,
  TransactionEndedError,
} from '@pkg/errors';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import {
  type FileIdentity,
  hasFileIdentity,
  IDENTITY_FIX,
  identityProblem,
  readIdentity,
} from '../../file-identity.js';
import type { OperationMap, SourceModule } from '../../operation.js';
import {
  type BatchMessage,
  type BatchOutcome,
  type DataAnswer,
  describeRequest,
  isSerializedError,
  isTransactionBound,
  type LateAnswer,
  type OpenOptions,
  type OpenOutcome,
  type PoolStats,
  type SourceWorkerApi,
  type WorkerRequest,
} from '../../protocol.js';
import { bindRawSql, rawSqlMethod, returnsNoRows, wouldWrite } from '../../raw-sql-binding.js';
import { WatchdogMarker } from '../../watchdog.js';
import type { SourceSpec } from '../registry.js';
import { isWalOnReadonlyStorage, readArchiveSnapshot } from './archive-snapshot.js';
import { ConnectionPool, type PooledConnection } from './connection-pool.js';
import { probeWritable, toOpenError } from './open-errors.js';
import { SqliteEngine } from './plan-driver.js';
import type { SqliteSourceSpec } from './spec.js';

class SourceWorker implements SourceWorkerApi {
  private spec!: SqliteSourceSpec;
  private pool!: ConnectionPool;
  /** The plans' EngineContext and their driver: one per worker. */
  private engine!: SqliteEngine;
  private operations: OperationMap = {};
  private refuseWrites: SerializedError | null = null;
  private readonly transactions = new Map<number, PooledConnection>();
  private nextTx = 1;
  /** Settles when the open transaction ends; writes outside it wait on this. */
  private txEnded: Promise<void> | null = null;
  private endTx: (() => void) | null = null;
  /** Tail of the requests outside a transaction that are waiting; later ones queue behind it. */
  private backlog: Promise<void> | null = null;
  /** Tail of the writes waiting for another process's lock (SQLITE_BUSY); later writes queue behind. */
  private busyWrites: Promise<void> | null = null;
  /** The file opened (device, inode); null for in-memory sources. */
  private identity: FileIdentity | null = null;
  /** Set once the file vanished or was replaced: every later call fails with it. */
  private unavailable: SerializedError | null = null;
  /** The file's identity was checked during the current synchronous pass (one stat per batch). */
  private fileChecked = false;
  private watchdog!: WatchdogMarker;

  async open(source: SourceSpec, options: OpenOptions): Promise<OpenOutcome> {
    if (source.engine !== 'sqlite') {
      // The broker starts pg-source-worker for these; reaching here is the broker's bug.
      return {
        ok: false,
        error: new DatabaseError(
          'CONFIG_INVALID',
          `source "${source.name}" is ${source.engine}, not a SQLite file: the SQLite worker cannot open it. Fix: open it through the Broker, which starts the worker of its engine`,
          {
            source: source.name,
          },
        ).toJSON(),
      };
    }
    const spec = source;
    this.spec = spec;
    this.engine = new SqliteEngine(spec);
    this.watchdog = new WatchdogMarker(options.watchdog);
    dataPort = options.dataPort;
    // Batches sent before the open finishes wait in the port: the main thread sends none before it.
    dataPort.on('message', (message: BatchMessage) => {
      (dataPort as MessagePort).postMessage(this.run(message.batch, message.requests));
    });
    const mod = (await import(spec.operationsModule)) as { sourceModule: SourceModule };
    this.operations = mod.sourceModule.operations;
    this.pool = new ConnectionPool(spec, { mustExist: options.mustExist, beforeOpen: this.checkFile });
    try {
      if (options.identity !== null) {
        // A restarted worker: the file must still be the one the source opened at start-up.
        const problem = identityProblem(spec.path, options.identity);
        if (problem !== null) throw new SourceUnavailableError(spec.name, spec.path, problem, IDENTITY_FIX);
      }
      let first: PooledConnection;
      try {
        first = this.pool.openFirst();
        // SQLite opens lazily: a WAL file it cannot read here fails at the first read, not the open.
        if (spec.readonly) first.db.prepare('SELECT count(*) FROM sqlite_master').get();
      } catch (e) {
        if (!isWalOnReadonlyStorage(spec, e)) throw toOpenError(spec, e);
        const snapshot = readArchiveSnapshot(spec, e);
        if (!(snapshot instanceof Buffer)) throw snapshot;
        this.pool.close();
        first = this.pool.openFirstFromSnapshot(snapshot);
      }
      this.identity = options.identity ?? (hasFileIdentity(spec.path) ? readIdentity(spec.path) : null);
      const prepared = (await mod.sourceModule.prepare?.sqlite?.(first.db, spec)) ?? {};
      this.refuseWrites = prepared.refuseWrites ?? null;
      this.pool.acceptFirst(first, this.refuseWrites === null);
      if (!spec.readonly && this.refuseWrites === null) probeWritable(spec, first);
      return { ok: true, writesRefused: this.refuseWrites, identity: this.identity };
    } catch (e) {
      this.pool.close();
      const error = e instanceof DatabaseError ? e : toOpenError(spec, e);
      return { ok: false, error: error.toJSON() };
    }
  }

  /**
   * Before a write: is the file still the one opened? A deleted or replaced file would swallow
   * every write into an inode nobody will open again. Once per synchronous pass (a batch).
   */
  private readonly checkFile = (): void => {
    if (this.unavailable !== null) throw this.unavailable;
    if (this.identity === null) return;
    const problem = identityProblem(this.spec.path, this.identity);
    if (problem === null) return;
    this.unavailable = new SourceUnavailableError(this.spec.name, this.spec.path, problem, IDENTITY_FIX).toJSON();
    throw this.unavailable;
  };

  private beforeWrite(): void {
    if (this.fileChecked) return;
    this.checkFile();
    this.fileChecked = true;
  }

  /**
   * Runs a batch in order and answers at once. A request that must wait (a write behind an open
   * transaction, a BEGIN behind another, a read with every connection reserved) is answered late,
   * on its own; it and every later request outside the transaction queue behind it (the backlog),
   * keeping their order, while the transaction's own requests go ahead.
   */
  run(batch: number, requests: WorkerRequest[]): BatchOutcome {
    const out: BatchOutcome = { batch, values: new Array(requests.length), errors: null, late: null };
    this.fileChecked = false;
    const watchdog = this.watchdog;
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as WorkerRequest;
      const bound = isTransactionBound(req);
      let waiting: Promise<void>;
      if (!bound && this.backlog !== null) {
        waiting = this.backlog.then(() => this.answerLate(batch, i, req));
      } else if (!bound && this.busyWrites !== null && this.isWrite(req)) {
        // Writes keep their order behind a write waiting for another process's lock; reads do not wait.
        this.setBusyWrites(this.busyWrites.then(() => this.answerLate(batch, i, req)));
        if (out.late === null) out.late = [];
        out.late.push(i);
        continue;
      } else {
        // Consecutive calls of an operation that can answer several at once: one go for all of them.
        if (!bound && req.type === 'op') {
          const end = this.runGroup(batch, requests, i, out.values);
          if (end > i) {
            i = end - 1;
            continue;
          }
        }
        let value: unknown;
        watchdog.begin(batch, i);
        try {
          value = this.runOne(req, batch, i);
        } catch (e) {
          if (!bound && isBusy(e)) {
            const retrying = this.retryBusy(batch, i, req);
            if (this.isWrite(req)) this.setBusyWrites(retrying);
            if (out.late === null) out.late = [];
            out.late.push(i);
            continue;
          }
          if (out.errors === null) out.errors = [];
          out.errors.push([i, this.serialize(e, req)]);
          continue;
        }
        if (!(value instanceof Promise)) {
          out.values[i] = value;
          continue;
        }
        waiting = value.then(
          (v) => postLate({ lateAnswer: true, batch, index: i, value: v }),
          (e) => postLate({ lateAnswer: true, batch, index: i, error: this.serialize(e, req) }),
        );
      }
      if (!bound) this.setBacklog(waiting);
      if (out.late === null) out.late = [];
      out.late.push(i);
    }
    watchdog.end();
    return out;
  }

  /**
   * Runs requests[start..end) through the operation's `planMany` when at least two consecutive calls of a
   * read that has one are not bound to a transaction. Returns `end` when done, or `start` to run them
   * one by one (no planMany, no idle connection, or planMany threw: each call then gets its own answer).
   */
  private runGroup(batch: number, requests: WorkerRequest[], start: number, values: unknown[]): number {
    const first = requests[start] as Extract<WorkerRequest, { type: 'op' }>;
    const op = this.operations[first.op];
    if (op?.planMany === undefined || op.kind !== 'read' || this.unavailable !== null) return start;
    let end = start + 1;
    while (end < requests.length && end - start < MAX_GROUP) {
      const next = requests[end] as WorkerRequest;
      if (next.type !== 'op' || next.op !== first.op || next.tx !== undefined) break;
      end++;
    }
    if (end - start < 2) return start;
    const conn = this.pool.tryAcquire();
    if (conn === null) return start;
    // A stuck group names its first call; the watchdog re-sends the rest (reads: safe to run again).
    this.watchdog.begin(batch, start);
    try {
      const args = new Array(end - start);
      for (let k = start; k < end; k++) args[k - start] = (requests[k] as { args: unknown }).args;
      const results = this.engine.runMany(conn, first.op, op, args);
      if (results === undefined || results.length !== args.length) return start;
      for (let k = start; k < end; k++) values[k] = results[k - start];
      return end;
    } catch {
      return start;
    } finally {
      this.pool.release(conn);
    }
  }

  private answerLate(batch: number, index: number, req: WorkerRequest): Promise<void> | undefined {
    const fail = (e: unknown) => postLate({ lateAnswer: true, batch, index, error: this.serialize(e, req) });
    this.fileChecked = false;
    this.watchdog.begin(batch, index);
    try {
      const value = this.runOne(req, batch, index);
      if (value instanceof Promise)
        return value.then((v) => postLate({ lateAnswer: true, batch, index, value: v }), fail);
      postLate({ lateAnswer: true, batch, index, value });
    } catch (e) {
      if (!isTransactionBound(req) && isBusy(e)) return this.retryBusy(batch, index, req);
      fail(e);
    } finally {
      this.watchdog.end();
    }
    return undefined;
  }

  /**
   * Another process holds the write lock. Connections have no busy timeout (a blocking wait would
   * stall every read of this source behind it): the request is tried again with back-off, up to
   * the source's timeout, while the worker serves other requests in between.
   */
  private retryBusy(batch: number, index: number, req: WorkerRequest): Promise<void> {
    const deadline = performance.now() + this.spec.timeoutMs;
    let delay = 1;
    return new Promise<void>((resolve) => {
      const attempt = () => {
        const done = (answer: Omit<LateAnswer, 'lateAnswer' | 'batch' | 'index'>) => {
          postLate({ lateAnswer: true, batch, index, ...answer });
          resolve();
        };
        this.fileChecked = false;
        this.watchdog.begin(batch, index);
        try {
          const value = this.runOne(req, batch, index);
          if (value instanceof Promise) {
            value.then(
              (v) => done({ value: v }),
              (e) => done({ error: this.serialize(e, req) }),
            );
          } else done({ value });
        } catch (e) {
          if (!isBusy(e)) done({ error: this.serialize(e, req) });
          else if (performance.now() + delay <= deadline) {
            setTimeout(attempt, delay);
            delay = Math.min(delay * 2, BUSY_MAX_DELAY_MS);
          } else done({ error: this.busyError(req) });
        } finally {
          this.watchdog.end();
        }
      };
      setTimeout(attempt, delay);
    });
  }

  private busyError(req: WorkerRequest): SerializedError {
    return new QueryFailedError(
      this.spec.name,
      describeRequest(req),
      'SQLITE_BUSY',
      `another connection or process held the database's write lock for the whole ${this.spec.timeoutMs} ms timeout, so the call was not applied. Fix: find what keeps the lock (a long transaction in another process, an open sqlite3 shell), or raise timeout for "${this.spec.name}"`,
    ).toJSON();
  }

  /** Whether a request writes, for ordering behind a busy write (only asked while one waits). */
  private isWrite(req: WorkerRequest): boolean {
    if (req.type === 'op') return this.operations[req.op]?.kind === 'write';
    if (req.type === 'sql') return !req.readOnly;
    return req.type === 'begin';
  }

  private setBusyWrites(p: Promise<unknown>): void {
    const tail = p.then(() => undefined);
    this.busyWrites = tail;
    void tail.then(() => {
      if (this.busyWrites === tail) this.busyWrites = null;
    });
  }

  private setBacklog(p: Promise<void>): void {
    this.backlog = p;
    void p.then(() => {
      if (this.backlog === p) this.backlog = null;
    });
  }

  poolStats(): PoolStats {
    const reason = this.unavailable?.details.reason;
    return { ...this.pool.stats(), unavailable: typeof reason === 'string' ? reason : null };
  }

  close(): void {
    for (const conn of this.transactions.values()) {
      if (conn.db.inTransaction) conn.db.exec('ROLLBACK');
    }
    this.transactions.clear();
    this.pool?.close();
  }

  /** Synchronous when it can be: the common read returns without touching the microtask queue. */
  private runOne(req: WorkerRequest, batch: number, index: number): unknown {
    if (this.unavailable !== null && req.type !== 'rollback') throw this.unavailable;
    switch (req.type) {
      case 'op': {
        const op = this.operations[req.op];
        if (op === undefined) throw new Error(`unknown operation "${req.op}"`);
        if (op.kind === 'write') {
          if (this.refuseWrites) throw this.refuseWrites;
          this.beforeWrite();
        }
        const engine = this.engine;
        if (req.tx !== undefined) return engine.run(this.txConnection(req.tx), req.op, op, req.args);
        if (op.kind === 'write' && this.txEnded) {
          const resume = () => {
            this.beforeWrite();
            return this.withConnection((c) => engine.run(c, req.op, op, req.args));
          };
          return this.txEnded.then(() => this.resumed(batch, index, resume));
        }
        return this.withConnection((c) => engine.run(c, req.op, op, req.args));
      }
      case 'sql': {
        const what = rawSqlMethod(req);
        const exec = (c: PooledConnection) => {
          let stmt: ReturnType<PooledConnection['statement']>;
          try {
            stmt = c.statement(req.sql);
          } catch (e) {
            throw callerError(e, what, 'sql');
          }
          if (!stmt.readonly) {
            if (req.readOnly) throw wouldWrite(what);
            if (!this.spec.readonly) this.beforeWrite();
          }
          if (req.readOnly && !stmt.reader) throw returnsNoRows(what);
          const values = bindRawSql('sqlite', what, req.sql, req.params).values;
          try {
            return stmt[req.mode](...values);
          } catch (e) {
            throw callerError(e, what, 'params');
          }
        };
        if (req.tx !== undefined) return exec(this.txConnection(req.tx));
        return this.withConnection(exec);
      }
      case 'begin':
        if (!this.spec.readonly) this.beforeWrite();
        return this.begin();
      case 'commit':
      case 'rollback': {
        const conn = this.txConnection(req.tx);
        this.transactions.delete(req.tx);
        try {
          if (req.type === 'commit' && conn.db.inTransaction && !this.spec.readonly) {
            // Committing into a deleted or replaced file would lose the whole transaction silently.
            this.fileChecked = false;
            try {
              this.beforeWrite();
            } catch (e) {
              conn.db.exec('ROLLBACK');
              throw e;
            }
          }
          if (conn.db.inTransaction) conn.db.exec(req.type === 'commit' ? 'COMMIT' : 'ROLLBACK');
        } finally {
          this.pool.release(conn);
          const end = this.endTx;
          this.txEnded = null;
          this.endTx = null;
          end?.();
        }
        return undefined;
      }
    }
  }

  /**
   * One transaction at a time per source: SQLite has one writer, and a second BEGIN IMMEDIATE
   * on another connection of this same thread would wait on a lock only this thread can free.
   * Synchronous when nothing is in the way, so the transaction id goes back with its batch.
   */
  private begin(): number | Promise<number> {
    if (this.txEnded === null) {
      const conn = this.pool.tryAcquire();
      if (conn !== null) return this.beginOn(conn);
    }
    return this.beginLater();
  }

  private async beginLater(): Promise<number> {
    for (;;) {
      if (this.txEnded !== null) {
        await this.txEnded;
        continue;
      }
      const conn = await this.pool.acquire();
      if (this.txEnded === null) return this.beginOn(conn);
      this.pool.release(conn);
    }
  }

  private beginOn(conn: PooledConnection): number {
    try {
      conn.db.exec(this.spec.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
    } catch (e) {
      this.pool.release(conn);
      throw e;
    }
    this.txEnded = new Promise((resolve) => {
      this.endTx = resolve;
    });
    const id = this.nextTx++;
    this.transactions.set(id, conn);
    return id;
  }

  /** Work resumed after a wait runs outside `run`: mark it for the watchdog and the file check. */
  private resumed<R>(batch: number, index: number, fn: () => R): R {
    this.fileChecked = false;
    this.watchdog.begin(batch, index);
    try {
      return fn();
    } finally {
      this.watchdog.end();
    }
  }

  private txConnection(tx: number): PooledConnection {
    const conn = this.transactions.get(tx);
    if (conn === undefined) throw new TransactionEndedError(this.spec.name);
    return conn;
  }

  private withConnection<R>(fn: (c: PooledConnection) => R): R | Promise<R> {
    const conn = this.pool.tryAcquire();
    if (conn === null) {
      return Promise.resolve(this.pool.acquire()).then((c) => {
        try {
          return fn(c);
        } finally {
          this.pool.release(c);
        }
      });
    }
    try {
      return fn(conn);
    } finally {
      this.pool.release(conn);
    }
  }

  private serialize(e: unknown, req: WorkerRequest): SerializedError {
    if (e instanceof DatabaseError) return e.toJSON();
    if (isSerializedError(e)) return e;
    const what = describeRequest(req);
    const sqliteCode = (e as { code?: unknown })?.code;
    const message = e instanceof Error ? e.message : String(e);
    return new QueryFailedError(
      this.spec.name,
      what,
      typeof sqliteCode === 'string' ? sqliteCode : 'INTERNAL',
      message,
    ).toJSON();
  }
}

/** Calls answered by one `planMany` at most (64 keys: one statement, well inside SQLite's variable limit). */
const MAX_GROUP = 64;

/** Back-off between attempts of a write waiting for another process's lock: 1, 2, 4 ... 50 ms. */
const BUSY_MAX_DELAY_MS = 50;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * better-sqlite3 throws RangeError/TypeError (no SQLite code) for SQL text or parameters it cannot
 * take (no statement, too few or too many values, a value it cannot bind): the caller's argument.
 */
function callerError(e: unknown, what: string, argument: 'sql' | 'params'): unknown {
  if (!(e instanceof RangeError || e instanceof TypeError)) return e;
  const arg = argument === 'params' && /does not return data/.test(e.message) ? 'sql' : argument;
  return new InvalidArgumentError(what, arg, `was refused by SQLite: ${e.message}`);
}

if (parentPort === null) throw new Error('source-worker must run inside a worker_thread');
/** The data plane, handed over by `open`. */
let dataPort: MessagePort | null = null;

function postLate(answer: LateAnswer): void {
  (dataPort as MessagePort).postMessage(answer satisfies DataAnswer);
}

expose(new SourceWorker(), nodeEndpoint(parentPort));
