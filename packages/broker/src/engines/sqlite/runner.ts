/**
 * The SQLite runner (see engine-runner.ts): a pool of better-sqlite3 connections, every call synchronous when
 * nothing is in the way (no promise on the common path). What is SQLite's own:
 * - one transaction at a time per source (one writer): writes outside it and a second BEGIN wait for its end,
 *   holding the backlog so later calls keep their order;
 * - another process's write lock (SQLITE_BUSY) is waited out here, with back-off up to the source's timeout,
 *   not by a blocking busy timeout that would stall every read; writes keep their order behind a waiting one;
 * - before a write, once per pass: is the file still the one opened (a deleted or replaced file would
 *   swallow every write)? Once it is not, every call fails with SOURCE_UNAVAILABLE;
 * - a readonly source on a WAL file in a read-only folder opens from an in-memory snapshot;
 * - consecutive point reads of a batch are answered by one `planMany` statement (runMany).
 */
import { performance } from 'node:perf_hooks';
import {
  DatabaseError,
  InvalidArgumentError,
  QueryFailedError,
  type SerializedError,
  SourceUnavailableError,
} from '@pkg/errors';
import { type EngineRunner, type Resume, type RunnerHost, type RunnerResult, Waiting } from '../../engine-runner.js';
import {
  type FileIdentity,
  hasFileIdentity,
  IDENTITY_FIX,
  identityProblem,
  readIdentity,
} from '../../file-identity.js';
import type { Operation, PrepareResult } from '../../operation.js';
import type { OpenOptions, PoolStats, WorkerRequest } from '../../protocol.js';
import { bindRawSql, rawSqlMethod, returnsNoRows, wouldWrite } from '../../raw-sql-binding.js';
import { isWalOnReadonlyStorage, readArchiveSnapshot } from './archive-snapshot.js';
import { ConnectionPool, type PooledConnection } from './connection-pool.js';
import { probeWritable, toOpenError } from './open-errors.js';
import { SqliteEngine } from './plan-driver.js';
import type { SqliteConnection, SqliteSourceSpec } from './spec.js';

type SqlRequest = Extract<WorkerRequest, { type: 'sql' }>;

/** Back-off between attempts of a call waiting for another process's lock: 1, 1, 2, 4 ... 50 ms. */
const BUSY_MAX_DELAY_MS = 50;

export class SqliteRunner implements EngineRunner<'sqlite', PooledConnection> {
  readonly engine = 'sqlite';
  private spec!: SqliteSourceSpec;
  private host!: RunnerHost;
  private pool: ConnectionPool | undefined;
  /** The plans' EngineContext and their driver: one per worker. */
  private plans!: SqliteEngine;
  /** The connection the prepare hook got, until `accepted`. */
  private first: PooledConnection | null = null;
  /** The file opened (device, inode); null for in-memory sources. */
  private file: FileIdentity | null = null;
  /** Set once the file vanished or was replaced: every later call fails with it. */
  private unavailable: SerializedError | null = null;
  /** The file's identity was checked during the current pass (one stat per batch). */
  private fileChecked = false;
  /** Settles when the open transaction ends; writes outside it and BEGIN wait on this. */
  private txEnded: Promise<void> | null = null;
  private endTx: (() => void) | null = null;
  /** Tail of the writes waiting for another process's lock (SQLITE_BUSY); later writes queue behind. */
  private busyWrites: Promise<unknown> | null = null;

  async open(spec: SqliteSourceSpec, options: OpenOptions, host: RunnerHost): Promise<SqliteConnection> {
    this.spec = spec;
    this.host = host;
    this.plans = new SqliteEngine(spec);
    const pool = new ConnectionPool(spec, { mustExist: options.mustExist, beforeOpen: this.checkFile });
    this.pool = pool;
    if (options.identity !== null) {
      // A restarted worker: the file must still be the one the source opened at start-up.
      const problem = identityProblem(spec.path, options.identity);
      if (problem !== null) throw new SourceUnavailableError(spec.name, spec.path, problem, IDENTITY_FIX);
    }
    let first: PooledConnection;
    try {
      first = pool.openFirst();
      // SQLite opens lazily: a WAL file it cannot read here fails at the first read, not the open.
      if (spec.readonly) first.db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (e) {
      if (!isWalOnReadonlyStorage(spec, e)) throw toOpenError(spec, e);
      const snapshot = readArchiveSnapshot(spec, e);
      if (!(snapshot instanceof Buffer)) throw snapshot;
      pool.close();
      first = pool.openFirstFromSnapshot(snapshot);
    }
    this.file = options.identity ?? (hasFileIdentity(spec.path) ? readIdentity(spec.path) : null);
    this.first = first;
    return first.db;
  }

  /** WAL and the write probe, once the schema is accepted (a source that refuses writes is left as it is). */
  accepted(prepared: PrepareResult): void {
    const first = this.first as PooledConnection;
    this.first = null;
    const writable = prepared.refuseWrites === undefined || prepared.refuseWrites === null;
    (this.pool as ConnectionPool).acceptFirst(first, writable);
    if (!this.spec.readonly && writable) probeWritable(this.spec, first);
  }

  openFailed(e: unknown, spec: SqliteSourceSpec): DatabaseError {
    this.pool?.close();
    return e instanceof DatabaseError ? e : toOpenError(spec, e);
  }

  identity(): FileIdentity | null {
    return this.file;
  }

  beginPass(): void {
    this.fileChecked = false;
  }

  /**
   * Before a write: is the file still the one opened? A deleted or replaced file would swallow
   * every write into an inode nobody will open again.
   */
  private readonly checkFile = (): void => {
    if (this.unavailable !== null) throw this.unavailable;
    if (this.file === null) return;
    const problem = identityProblem(this.spec.path, this.file);
    if (problem === null) return;
    this.unavailable = new SourceUnavailableError(this.spec.name, this.spec.path, problem, IDENTITY_FIX).toJSON();
    throw this.unavailable;
  };

  /** checkFile once per pass (a batch, or work resumed after a wait). */
  private beforeWrite(): void {
    if (this.fileChecked) return;
    this.checkFile();
    this.fileChecked = true;
  }

  runOperation(
    name: string,
    op: Operation<unknown, unknown>,
    args: unknown,
    tx: PooledConnection | undefined,
  ): RunnerResult<unknown> {
    if (this.unavailable !== null) throw this.unavailable;
    const write = op.kind === 'write';
    if (tx !== undefined) {
      if (write) this.beforeWrite();
      return this.plans.run(tx, name, op, args);
    }
    if (write && this.busyWrites !== null) return this.behindBusyWrites(name, () => this.operation(name, op, args));
    try {
      return this.operation(name, op, args);
    } catch (e) {
      if (!isBusy(e)) throw e;
      return this.retryLater(write, name, () => this.operation(name, op, args));
    }
  }

  /** An operation outside a transaction; a write waits for the open transaction to end. */
  private operation(name: string, op: Operation<unknown, unknown>, args: unknown): RunnerResult<unknown> {
    if (this.unavailable !== null) throw this.unavailable;
    const plans = this.plans;
    if (op.kind === 'write') {
      this.beforeWrite();
      if (this.txEnded !== null) {
        const resume = this.host.resumeLater();
        const resumed = this.txEnded.then(() =>
          resume(() => {
            this.beforeWrite();
            return settled(this.withConnection((c) => plans.run(c, name, op, args)));
          }),
        );
        return new Waiting(resumed, true);
      }
    }
    const pool = this.pool as ConnectionPool;
    const conn = pool.tryAcquire();
    if (conn === null) return this.withConnection((c) => plans.run(c, name, op, args));
    try {
      return plans.run(conn, name, op, args);
    } finally {
      pool.release(conn);
    }
  }

  runMany(name: string, op: Operation<unknown, unknown>, args: unknown[]): unknown[] | undefined {
    if (this.unavailable !== null) return undefined;
    const pool = this.pool as ConnectionPool;
    const conn = pool.tryAcquire();
    if (conn === null) return undefined;
    try {
      return this.plans.runMany(conn, name, op, args);
    } finally {
      pool.release(conn);
    }
  }

  runSql(req: SqlRequest, tx: PooledConnection | undefined): RunnerResult<unknown> {
    if (this.unavailable !== null) throw this.unavailable;
    if (tx !== undefined) return this.sqlOn(tx, req);
    const what = `SQL "${req.sql}"`;
    const write = !req.readOnly;
    if (write && this.busyWrites !== null) return this.behindBusyWrites(what, () => this.sql(req));
    try {
      return this.sql(req);
    } catch (e) {
      if (!isBusy(e)) throw e;
      return this.retryLater(write, what, () => this.sql(req));
    }
  }

  private sql(req: SqlRequest): RunnerResult<unknown> {
    if (this.unavailable !== null) throw this.unavailable;
    return this.withConnection((c) => this.sqlOn(c, req));
  }

  private sqlOn(c: PooledConnection, req: SqlRequest): unknown {
    const what = rawSqlMethod(req);
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
  }

  /**
   * One transaction at a time per source: SQLite has one writer, and a second BEGIN IMMEDIATE
   * on another connection of this same thread would wait on a lock only this thread can free.
   * Synchronous when nothing is in the way, so the transaction id goes back with its batch.
   */
  begin(): RunnerResult<PooledConnection> {
    if (this.unavailable !== null) throw this.unavailable;
    if (this.busyWrites !== null) return this.behindBusyWrites('begin', () => this.beginNow());
    try {
      return this.beginNow();
    } catch (e) {
      if (!isBusy(e)) throw e;
      return this.retryLater(true, 'begin', () => this.beginNow());
    }
  }

  private beginNow(): RunnerResult<PooledConnection> {
    if (this.unavailable !== null) throw this.unavailable;
    if (!this.spec.readonly) this.beforeWrite();
    if (this.txEnded === null) {
      const conn = (this.pool as ConnectionPool).tryAcquire();
      if (conn !== null) return this.beginOn(conn);
    }
    return new Waiting(this.beginLater(), true);
  }

  private async beginLater(): Promise<PooledConnection> {
    const pool = this.pool as ConnectionPool;
    for (;;) {
      if (this.txEnded !== null) {
        await this.txEnded;
        continue;
      }
      const conn = await pool.acquire();
      if (this.txEnded === null) return this.beginOn(conn);
      pool.release(conn);
    }
  }

  private beginOn(conn: PooledConnection): PooledConnection {
    try {
      conn.db.exec(this.spec.readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');
    } catch (e) {
      (this.pool as ConnectionPool).release(conn);
      throw e;
    }
    this.txEnded = new Promise((resolve) => {
      this.endTx = resolve;
    });
    return conn;
  }

  end(conn: PooledConnection, how: 'commit' | 'rollback'): void {
    try {
      if (how === 'commit' && conn.db.inTransaction && !this.spec.readonly) {
        // Committing into a deleted or replaced file would lose the whole transaction silently.
        this.fileChecked = false;
        try {
          this.beforeWrite();
        } catch (e) {
          conn.db.exec('ROLLBACK');
          throw e;
        }
      } else if (how === 'commit' && this.unavailable !== null) {
        if (conn.db.inTransaction) conn.db.exec('ROLLBACK');
        throw this.unavailable;
      }
      if (conn.db.inTransaction) conn.db.exec(how === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } finally {
      (this.pool as ConnectionPool).release(conn);
      const end = this.endTx;
      this.txEnded = null;
      this.endTx = null;
      end?.();
    }
  }

  /** A write (or BEGIN) while another waits for another process's lock: it runs after that one, in order. */
  private behindBusyWrites<T>(what: string, run: () => RunnerResult<T>): Waiting<T> {
    const resume = this.host.resumeLater();
    const answered = (this.busyWrites as Promise<unknown>).then(() => this.attempt(resume, what, run));
    this.setBusyWrites(answered);
    return new Waiting(answered, false);
  }

  /** Runs `run` as its call; SQLITE_BUSY: tried again later. */
  private attempt<T>(resume: Resume, what: string, run: () => RunnerResult<T>): Promise<T> {
    try {
      return settled(resume(run));
    } catch (e) {
      if (!isBusy(e)) return Promise.reject(e);
      return this.retryBusy(resume, what, run);
    }
  }

  /** The call met SQLITE_BUSY: it is answered late, once tried again (see retryBusy); a write holds the others. */
  private retryLater<T>(write: boolean, what: string, run: () => RunnerResult<T>): Waiting<T> {
    const retrying = this.retryBusy(this.host.resumeLater(), what, run);
    if (write) this.setBusyWrites(retrying);
    return new Waiting(retrying, false);
  }

  /**
   * Another process holds the write lock. Connections have no busy timeout (a blocking wait would
   * stall every read of this source behind it): the call is tried again with back-off, up to
   * the source's timeout, while the worker serves other requests in between.
   */
  private retryBusy<T>(resume: Resume, what: string, run: () => RunnerResult<T>): Promise<T> {
    const deadline = performance.now() + this.spec.timeoutMs;
    let delay = 1;
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        try {
          resolve(settled(resume(run)));
        } catch (e) {
          if (!isBusy(e)) reject(e);
          else if (performance.now() + delay <= deadline) {
            setTimeout(attempt, delay);
            delay = Math.min(delay * 2, BUSY_MAX_DELAY_MS);
          } else reject(this.busyError(what));
        }
      };
      setTimeout(attempt, delay);
    });
  }

  private busyError(what: string): DatabaseError {
    return new QueryFailedError(
      this.spec.name,
      what,
      'SQLITE_BUSY',
      `another connection or process held the database's write lock for the whole ${this.spec.timeoutMs} ms timeout, so the call was not applied. Fix: find what keeps the lock (a long transaction in another process, an open sqlite3 shell), or raise timeout for "${this.spec.name}"`,
    );
  }

  private setBusyWrites(p: Promise<unknown>): void {
    const tail = p.then(noop, noop);
    this.busyWrites = tail;
    void tail.then(() => {
      if (this.busyWrites === tail) this.busyWrites = null;
    });
  }

  /** A connection of the pool for `fn`; when all are taken, later (answered late, holding the backlog). */
  private withConnection<R>(fn: (c: PooledConnection) => R): R | Waiting<R> {
    const pool = this.pool as ConnectionPool;
    const conn = pool.tryAcquire();
    if (conn === null) {
      const resume = this.host.resumeLater();
      const later = Promise.resolve(pool.acquire()).then((c) =>
        resume(() => {
          try {
            return fn(c);
          } finally {
            pool.release(c);
          }
        }),
      );
      return new Waiting(later, true);
    }
    try {
      return fn(conn);
    } finally {
      pool.release(conn);
    }
  }

  toError(e: unknown, what: string): DatabaseError {
    const sqliteCode = (e as { code?: unknown })?.code;
    const message = e instanceof Error ? e.message : String(e);
    return new QueryFailedError(
      this.spec.name,
      what,
      typeof sqliteCode === 'string' ? sqliteCode : 'INTERNAL',
      message,
    );
  }

  stats(): PoolStats {
    const reason = this.unavailable?.details.reason;
    return { ...(this.pool as ConnectionPool).stats(), unavailable: typeof reason === 'string' ? reason : null };
  }

  close(open: readonly PooledConnection[]): void {
    for (const conn of open) {
      if (conn.db.inTransaction) conn.db.exec('ROLLBACK');
    }
    this.pool?.close();
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** A result as a promise of its answer. */
function settled<T>(result: RunnerResult<T>): Promise<T> {
  return result instanceof Waiting ? result.settled : Promise.resolve(result);
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

function noop(): void {}
