/**
 * Entry point of a source worker: one per source, holding that source's connection pool.
 * The main thread never opens SQLite; it sends batches of requests here over Comlink.
 */
import { parentPort } from 'node:worker_threads';
import {
  DatabaseError,
  InvalidArgumentError,
  QueryFailedError,
  type SerializedError,
  SourceOpenError,
  TransactionEndedError,
} from '@pkg/errors';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ConnectionPool, type PooledConnection } from './connection-pool.js';
import type { OperationMap, SourceModule, SourceSpec } from './operation.js';
import {
  type BatchOutcome,
  isTransactionBound,
  type LateAnswer,
  type OpenOutcome,
  type PoolStats,
  type SourceWorkerApi,
  type WorkerRequest,
} from './protocol.js';

class SourceWorker implements SourceWorkerApi {
  private spec!: SourceSpec;
  private pool!: ConnectionPool;
  private operations: OperationMap = {};
  private refuseWrites: SerializedError | null = null;
  private readonly transactions = new Map<number, PooledConnection>();
  private nextTx = 1;
  /** Settles when the open transaction ends; writes outside it wait on this. */
  private txEnded: Promise<void> | null = null;
  private endTx: (() => void) | null = null;
  /** Tail of the requests outside a transaction that are waiting; later ones queue behind it. */
  private backlog: Promise<void> | null = null;

  async open(spec: SourceSpec): Promise<OpenOutcome> {
    this.spec = spec;
    const mod = (await import(spec.operationsModule)) as { sourceModule: SourceModule };
    this.operations = mod.sourceModule.operations;
    this.pool = new ConnectionPool(spec);
    try {
      let first: PooledConnection;
      try {
        first = this.pool.openFirst();
      } catch (e) {
        throw toOpenError(spec, e);
      }
      const prepared = mod.sourceModule.prepareSource?.(first.db, spec) ?? {};
      this.refuseWrites = prepared.refuseWrites ?? null;
      this.pool.acceptFirst(first, this.refuseWrites === null);
      return { ok: true, writesRefused: this.refuseWrites };
    } catch (e) {
      this.pool.close();
      const error = e instanceof DatabaseError ? e : toOpenError(spec, e);
      return { ok: false, error: error.toJSON() };
    }
  }

  /**
   * Runs a batch in order and answers at once. A request that must wait (a write behind an open
   * transaction, a BEGIN behind another, a read with every connection reserved) is answered late,
   * on its own; it and every later request outside the transaction queue behind it (the backlog),
   * keeping their order, while the transaction's own requests go ahead.
   */
  run(batch: number, requests: WorkerRequest[]): BatchOutcome {
    const out: BatchOutcome = { values: new Array(requests.length), errors: null, late: null };
    for (let i = 0; i < requests.length; i++) {
      const req = requests[i] as WorkerRequest;
      const bound = isTransactionBound(req);
      let waiting: Promise<void>;
      if (!bound && this.backlog !== null) {
        waiting = this.backlog.then(() => this.answerLate(batch, i, req));
      } else {
        let value: unknown;
        try {
          value = this.runOne(req);
        } catch (e) {
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
    return out;
  }

  private answerLate(batch: number, index: number, req: WorkerRequest): Promise<void> | undefined {
    const fail = (e: unknown) => postLate({ lateAnswer: true, batch, index, error: this.serialize(e, req) });
    try {
      const value = this.runOne(req);
      if (value instanceof Promise)
        return value.then((v) => postLate({ lateAnswer: true, batch, index, value: v }), fail);
      postLate({ lateAnswer: true, batch, index, value });
    } catch (e) {
      fail(e);
    }
    return undefined;
  }

  private setBacklog(p: Promise<void>): void {
    this.backlog = p;
    void p.then(() => {
      if (this.backlog === p) this.backlog = null;
    });
  }

  poolStats(): PoolStats {
    return this.pool.stats();
  }

  close(): void {
    for (const conn of this.transactions.values()) {
      if (conn.db.inTransaction) conn.db.exec('ROLLBACK');
    }
    this.transactions.clear();
    this.pool?.close();
  }

  /** Synchronous when it can be: the common read returns without touching the microtask queue. */
  private runOne(req: WorkerRequest): unknown {
    switch (req.type) {
      case 'op': {
        const op = this.operations[req.op];
        if (op === undefined) throw new Error(`unknown operation "${req.op}"`);
        if (op.kind === 'write' && this.refuseWrites) throw this.refuseWrites;
        if (req.tx !== undefined) return op.run(this.txConnection(req.tx), req.args);
        if (op.kind === 'write' && this.txEnded) {
          return this.txEnded.then(() => this.withConnection((c) => op.run(c, req.args)));
        }
        return this.withConnection((c) => op.run(c, req.args));
      }
      case 'sql': {
        const exec = (c: PooledConnection) => {
          let stmt: ReturnType<PooledConnection['statement']>;
          try {
            stmt = c.statement(req.sql);
          } catch (e) {
            throw callerError(e, 'sql');
          }
          if (req.readOnly && !stmt.readonly) {
            throw new InvalidArgumentError(
              'query',
              'sql',
              'would write; only read-only SQL runs here (writes go through the domain methods)',
            );
          }
          try {
            return req.mode === 'run' ? stmt.run(...req.params) : stmt[req.mode](...req.params);
          } catch (e) {
            throw callerError(e, 'params');
          }
        };
        if (req.tx !== undefined) return exec(this.txConnection(req.tx));
        return this.withConnection(exec);
      }
      case 'begin':
        return this.begin();
      case 'commit':
      case 'rollback': {
        const conn = this.txConnection(req.tx);
        this.transactions.delete(req.tx);
        try {
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
    const what = req.type === 'op' ? req.op : req.type === 'sql' ? `SQL "${req.sql}"` : req.type;
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

/**
 * better-sqlite3 throws RangeError/TypeError (no SQLite code) for SQL text or parameters it cannot
 * take (no statement, too few or too many values, a value it cannot bind): the caller's argument.
 */
function callerError(e: unknown, argument: 'sql' | 'params'): unknown {
  if (!(e instanceof RangeError || e instanceof TypeError)) return e;
  const arg = argument === 'params' && /does not return data/.test(e.message) ? 'sql' : argument;
  return new InvalidArgumentError('query', arg, `was refused by SQLite: ${e.message}`);
}

function isSerializedError(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && 'code' in e && 'details' in e && !(e instanceof Error);
}

function toOpenError(spec: SourceSpec, e: unknown): DatabaseError {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown })?.code;
  if (spec.readonly && /does not exist|unable to open/i.test(message)) {
    return new SourceOpenError(
      spec.name,
      spec.path,
      'the file does not exist, and a readonly source is never created',
      'correct the path, or copy the database there first',
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new SourceOpenError(
      spec.name,
      spec.path,
      'the file is not an SQLite database',
      'point the source at a bot.db file',
    );
  }
  return new SourceOpenError(
    spec.name,
    spec.path,
    message,
    'check that the path exists and is readable (and writable for a writable source)',
  );
}

if (parentPort === null) throw new Error('source-worker must run inside a worker_thread');
const port = parentPort;

function postLate(answer: LateAnswer): void {
  port.postMessage(answer);
}

expose(new SourceWorker(), nodeEndpoint(port));
