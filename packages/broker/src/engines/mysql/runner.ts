/**
 * The MySQL/MariaDB runner (see engine-runner.ts): one mysql2 pool per source. Every call of a batch starts at
 * once; mysql2 runs one statement at a time per connection, so the pool is what runs a batch's reads side by side:
 * - reads borrow a connection of the pool each, except while a write is in flight: then they queue on the
 *   writer connection behind it, so a read made after a write sees it (read-your-writes within this process);
 * - writes go in order to one reserved connection (the writer), one operation after another: an Atomic group
 *   is START TRANSACTION ... COMMIT there, and MySQL (unlike PostgreSQL) does not abort a transaction on a failed
 *   statement, so COMMIT or ROLLBACK is decided after every statement of the group answered, before the next
 *   write's statements reach the connection;
 * - a transaction reserves a connection of its own; each of its calls runs in a savepoint, so a caught error
 *   leaves the transaction usable (as on SQLite and PostgreSQL).
 *
 * Under server faults (as the PostgreSQL runner):
 * - every call settles within `timeout` + DEADLINE_MARGIN_MS (the shell's deadline, `deadlineError` here);
 *   statements are bounded by the server (max_statement_time / max_execution_time), lock waits by
 *   innodb_lock_wait_timeout (half the timeout, so one retry fits);
 * - a connection that closes or is given up is never used or released again; the next write reserves a new
 *   writer, and a transaction on a lost connection fails (its COMMIT never turns into success);
 * - a read lost with its connection runs once more on a fresh one; a write never does (it may have been applied);
 * - a lock wait timeout or a deadlock (1205, 1213) outside a transaction rolled back all the statement or group
 *   did: it runs once more. Inside the caller's transaction a deadlock has rolled the transaction back: its
 *   later calls and its COMMIT fail.
 */
import { DatabaseError, SourceUnavailableError } from '@pkg/errors';
import type { FieldPacket, ResultSetHeader } from 'mysql2';
import { type EngineRunner, type RunnerResult, Waiting } from '../../engine-runner.js';
import {
  type Atomic,
  type EngineContext,
  isAtomic,
  type Operation,
  type Plan,
  type Query,
  type RunResult,
  type Step,
} from '../../operation.js';
import { describeRequest, type PoolStats, type WorkerRequest } from '../../protocol.js';
import { bindRawSql, rawSqlMethod, returnsNoRows, returnsRows, wouldWrite } from '../../raw-sql-binding.js';
import { toDateOrNull, toFlag } from '../../stored-timestamp.js';
import { connectMysql } from './connect.js';
import { mysqlDialect } from './dialect.js';
import {
  DEADLOCK,
  errnoOf,
  isConnectionLost,
  isLockConflict,
  isReadOnlyRefusal,
  mysqlOpenFailed,
  toMysqlError,
} from './errors.js';
import { type Answer, inTransaction, type Session, type SessionPool, Sessions } from './session.js';
import { type MysqlConnection, type MysqlSourceSpec, mysqlLocation } from './spec.js';
import { endsTransaction, queryKind } from './statement-kind.js';

type SqlRequest = Extract<WorkerRequest, { type: 'sql' }>;

/** An open transaction: its reserved connection, and why it can no longer commit (the server ended it). */
export interface MysqlTx {
  readonly session: Session;
  broken: DatabaseError | null;
}

/** A call gets this long past the source's timeout (connect and statement) before it fails on its own. */
const DEADLINE_MARGIN_MS = 1_000;
/** Every call of a transaction runs inside this savepoint. */
const CALL_SAVEPOINT = 'botdb_call';
/** How long close() waits for the connections to end. */
const CLOSE_WAIT_MS = 2_000;
/** mysql2's type of a BIGINT column. */
const LONGLONG = 8;

export class MysqlRunner implements EngineRunner<'mysql', MysqlTx> {
  readonly engine = 'mysql';
  private spec!: MysqlSourceSpec;
  private pool: MysqlConnection | null = null;
  private core!: SessionPool;
  private engineContext!: EngineContext;
  private readonly sessions = new Sessions();
  /** Connections given this source's limits (statement time, lock wait), set on their first use by a call. */
  private readonly limited = new WeakSet<Session>();
  /** The connection every write runs on, in order; reserved on the first write. */
  private writer: Promise<Session> | null = null;
  private writerHeld: Session | null = null;
  /** The last operation queued on the writer: the next one starts after it settles. */
  private writerTail: Promise<unknown> = Promise.resolve();
  /** Writes queued or running (on the current writer): reads meanwhile follow them on the writer. */
  private writesInFlight = 0;
  private writerGeneration = 0;
  private readonly counters = { opened: 0, acquired: 0 };
  private closed = false;

  get deadlineMs(): number {
    return this.spec.timeoutMs + DEADLINE_MARGIN_MS;
  }

  async open(spec: MysqlSourceSpec): Promise<MysqlConnection> {
    this.spec = spec;
    this.engineContext = {
      engine: 'mysql',
      source: spec.name,
      readonly: spec.readonly,
      timestamp: mysqlDialect.timestamp,
      flag: mysqlDialect.flag,
    };
    const pool = connectMysql(spec);
    this.pool = pool;
    this.core = (pool as unknown as { pool: SessionPool }).pool;
    this.core.on('connection', (session) => {
      this.counters.opened++;
      const lost = () => this.lostSession(session);
      session.on('error', lost);
      session.on('end', lost);
    });
    // Connect now: a wrong URL, password or missing server fails the open, not the first call.
    await pool.query('SELECT 1');
    return pool;
  }

  async openFailed(e: unknown, spec: MysqlSourceSpec): Promise<DatabaseError> {
    await this.pool?.end().catch(() => undefined);
    return mysqlOpenFailed(spec, e);
  }

  identity(): null {
    return null;
  }

  /**
   * A call the server did not answer within timeout + margin (the server's statement limit would have stopped
   * a slow statement by then, and connecting is bounded by the timeout): its connection is taken as dead.
   */
  deadlineError(req: WorkerRequest, tx: MysqlTx | undefined, write: boolean): DatabaseError {
    if (tx !== undefined) this.sessions.abandon(tx.session);
    else if (write && this.writerHeld !== null) this.sessions.abandon(this.writerHeld);
    return new SourceUnavailableError(
      this.spec.name,
      mysqlLocation(this.spec.url),
      `${describeRequest(req)} got no answer from MySQL within ${this.deadlineMs / 1000} s (the source's timeout plus ${DEADLINE_MARGIN_MS / 1000} s)${write ? '; the write may have been applied' : ''}`,
      `check that the server is up and answering; raise timeout for "${this.spec.name}" if its statements are legitimately slow`,
    );
  }

  runOperation(
    _name: string,
    op: Operation<unknown, unknown>,
    args: unknown,
    tx: MysqlTx | undefined,
  ): RunnerResult<unknown> {
    try {
      const plan = () => op.plan(args, this.engineContext) as Plan<unknown>;
      if (tx !== undefined) return this.inSavepoint(tx, () => this.drive(plan(), tx.session, true));
      if (op.kind === 'write') return this.onWriter((w) => this.drive(plan(), w, false), true);
      return this.read((s) => this.drive(plan(), s, false));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  runSql(req: SqlRequest, tx: MysqlTx | undefined): RunnerResult<unknown> {
    try {
      if (tx === undefined) return this.sqlOutside(req);
      return this.inSavepoint(tx, () => this.sqlInTransaction(req, tx));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- connections ----

  /** A connection of the pool, with this source's limits; bounded by the source's timeout. */
  private acquire(): Promise<Session> {
    this.counters.acquired++;
    return new Promise<Session>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(
          new DatabaseError(
            'SOURCE_OVERLOADED',
            `Source "${this.spec.name}" had no free MySQL connection for ${this.spec.timeoutMs} ms (pool-size ${this.spec.poolSize}: the writer and open transactions each hold one). Fix: raise pool-size for "${this.spec.name}", or keep transactions short.`,
            { source: this.spec.name },
          ),
        );
      }, this.spec.timeoutMs);
      this.core.getConnection((error, session) => {
        if (done) {
          // Given back as soon as it arrives: nobody waits for it any more.
          if (!error) this.sessions.release(session);
          return;
        }
        done = true;
        clearTimeout(timer);
        if (error) {
          reject(error);
          return;
        }
        this.limit(session);
        resolve(session);
      });
    });
  }

  /**
   * The source's limits on a connection's first use by a call, queued before the call's statements (not set
   * when the pool opens it: the prepare hook's GET_LOCK may wait longer than a call may). Statements: MariaDB's
   * max_statement_time (seconds, every statement), MySQL's max_execution_time (ms, reads). Lock waits: half the
   * timeout, so a write retried once after one still settles within its deadline.
   */
  private limit(session: Session): void {
    if (this.limited.has(session)) return;
    this.limited.add(session);
    const ms = this.spec.timeoutMs;
    const statement =
      session._isMariaDB === false
        ? `SESSION max_execution_time = ${Math.max(1, Math.round(ms))}`
        : `SESSION max_statement_time = ${Math.max(0.001, ms / 1000)}`;
    const lockWait = Math.max(1, Math.floor(ms / 2000));
    this.sessions
      .run(session, `SET ${statement}, SESSION innodb_lock_wait_timeout = ${lockWait}`)
      // A session without its limits is not used: what is queued behind it fails as a lost connection.
      .catch(() => this.sessions.abandon(session));
  }

  private lostSession(session: Session): void {
    this.sessions.markLost(session);
    if (session === this.writerHeld) {
      // The next write reserves a new writer. Writes stuck on the lost one have failed: uncounted.
      this.writer = null;
      this.writerHeld = null;
      this.writerGeneration++;
      this.writesInFlight = 0;
    }
  }

  private writerConnection(): Promise<Session> {
    if (this.writer === null || (this.writerHeld !== null && this.sessions.isLost(this.writerHeld))) {
      const reserving = this.acquire();
      this.writer = reserving;
      this.writerHeld = null;
      reserving.then(
        (s) => {
          if (this.writer === reserving) this.writerHeld = s;
        },
        () => {
          if (this.writer === reserving) this.writer = null;
        },
      );
    }
    return this.writer;
  }

  /**
   * Runs `fn` on the writer once the operations queued before it settled. `write`: counted as a write in
   * flight (reads meanwhile follow it here).
   */
  private onWriter<T>(fn: (writer: Session) => Promise<T>, write: boolean): Promise<T> {
    const generation = this.writerGeneration;
    if (write) this.writesInFlight++;
    const run = this.writerTail.then(() => this.writerConnection().then(fn));
    this.writerTail = run.then(noop, noop);
    if (!write) return run;
    return run.then(
      (value) => {
        if (generation === this.writerGeneration) this.writesInFlight--;
        return value;
      },
      (e) => {
        if (generation === this.writerGeneration) {
          this.writesInFlight--;
          // Its writer failed (its close may come later): the next write reserves another.
          if (isConnectionLost(e) && this.writerHeld !== null) this.sessions.abandon(this.writerHeld);
        }
        throw e;
      },
    );
  }

  /** A read on a connection of its own (or behind the writes in flight); once more if its connection was lost. */
  private read<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const attempt = (): Promise<T> => (this.writesInFlight > 0 ? this.onWriter(fn, false) : this.borrowed(fn));
    return attempt().catch((e) => {
      if (!isConnectionLost(e)) throw e;
      return this.borrowed(fn);
    });
  }

  private async borrowed<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const session = await this.acquire();
    try {
      return await fn(session);
    } finally {
      this.sessions.release(session);
    }
  }

  // ---- plans ----

  /**
   * Drives a plan: each yielded step runs on `session` and its answer goes back in. `inTx`: the session is a
   * transaction's (an Atomic step becomes a savepoint there, and nothing is retried).
   */
  private async drive(plan: Plan<unknown>, session: Session, inTx: boolean): Promise<unknown> {
    let r = plan.next();
    while (!r.done) {
      const step: Step = r.value;
      const answer = isAtomic(step)
        ? await this.retried(inTx, () => this.atomic(step, session, inTx))
        : await this.retried(inTx, () => this.query(step, session, inTx));
      r = plan.next(answer);
    }
    return r.value;
  }

  /** Outside a transaction, a lock conflict rolled back all the step did: it runs once more. */
  private async retried<T>(inTx: boolean, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (inTx || !isLockConflict(e)) throw e;
      return fn();
    }
  }

  private async query(q: Query, session: Session, inTx: boolean): Promise<unknown> {
    const text = typeof q.text === 'string' ? q.text : q.text.mysql;
    if (q.raw !== undefined) return this.executeRaw(q.raw, text, q.params, session, inTx);
    const answer = await this.sessions.run(session, text, bindable(q.params));
    return this.shape(q, answer);
  }

  /**
   * Statements applied together: START TRANSACTION ... COMMIT on the writer, or a savepoint inside a
   * transaction. The statements are queued at once (mysql2 runs them in order); a failed one does not abort a
   * MySQL transaction, so the group ends with ROLLBACK (or ROLLBACK TO) once any failed.
   */
  private async atomic(step: Atomic, session: Session, inTx: boolean): Promise<unknown[]> {
    const first = this.sessions.run(session, inTx ? 'SAVEPOINT botdb_atomic' : 'START TRANSACTION');
    // Each query is handed to the connection now (query() calls run() before its first await), in order.
    const queries = step.atomic.map((q) => this.query(q, session, inTx));
    const results = await Promise.allSettled([first, ...queries]);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed === undefined) {
      await this.sessions.run(session, inTx ? 'RELEASE SAVEPOINT botdb_atomic' : 'COMMIT');
      return results.slice(1).map((r) => (r as PromiseFulfilledResult<unknown>).value);
    }
    if (!isConnectionLost(failed.reason)) {
      // A deadlock already rolled the whole transaction back (and with it the savepoint).
      const undo =
        inTx && errnoOf(failed.reason) !== DEADLOCK ? 'ROLLBACK TO SAVEPOINT botdb_atomic' : inTx ? null : 'ROLLBACK';
      if (undo !== null) await this.sessions.run(session, undo);
    }
    throw failed.reason;
  }

  /** A step's answer in the contract's shape, rows converted as the catalog says (see `convertRows`). */
  private shape(q: Query, answer: Answer): unknown {
    if (q.mode === 'run') return { changes: (answer.result as ResultSetHeader).affectedRows ?? 0 } satisfies RunResult;
    const rows = answer.result as Record<string, unknown>[];
    this.convertRows(q.mode === 'get' ? rows.slice(0, 1) : rows, answer.fields, q.dates, q.flags);
    return q.mode === 'get' ? rows[0] : rows;
  }

  /**
   * Timestamps (DATETIME read as its UTC text) to Dates, flags (TINYINT 1/0) to booleans; a BIGINT beyond
   * ±2^53-1 (read as a bigint by connect.ts) refuses the read, never rounded.
   */
  private convertRows(
    rows: Record<string, unknown>[],
    fields: FieldPacket[] | undefined,
    dates: readonly string[] | undefined,
    flags: readonly string[] | undefined,
  ): void {
    const bigints = fields?.filter((f) => f.columnType === LONGLONG).map((f) => f.name) ?? [];
    if (bigints.length === 0 && dates === undefined && flags === undefined) return;
    for (const row of rows) {
      for (const c of bigints) {
        const v = row[c];
        if (typeof v === 'bigint') throw this.bigintError(c, v);
      }
      if (dates !== undefined) for (const c of dates) row[c] = toDateOrNull(row[c]);
      if (flags !== undefined) {
        for (const c of flags) {
          const v = row[c];
          if (v !== null && v !== undefined) row[c] = toFlag(v);
        }
      }
    }
  }

  private bigintError(column: string, value: bigint): DatabaseError {
    return new DatabaseError(
      'QUERY_FAILED',
      `Source "${this.spec.name}": MySQL BIGINT value ${value} in column "${column}" is beyond ±2^53-1 and JavaScript cannot hold it exactly: refused instead of rounded. Fix: keep ids and counters within Number.MAX_SAFE_INTEGER.`,
      { source: this.spec.name, column, value: String(value), constraint: false },
    );
  }

  // ---- transactions ----

  /** Waits for a free connection of the pool (bounded by the source's timeout): answered on its own. */
  begin(): Waiting<MysqlTx> {
    return new Waiting(this.beginOnReserved(), false);
  }

  private async beginOnReserved(): Promise<MysqlTx> {
    const session = await this.acquire();
    try {
      await this.sessions.run(session, this.spec.readonly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    } catch (e) {
      this.sessions.release(session, !isConnectionLost(e));
      throw e;
    }
    return { session, broken: null };
  }

  /**
   * Runs one call of a transaction inside a savepoint: a failed call is rolled back to it and the transaction
   * goes on. The shell runs a transaction's calls one at a time, so no other call's statements come in between.
   */
  private async inSavepoint<T>(tx: MysqlTx, fn: () => Promise<T>): Promise<T> {
    if (this.sessions.isLost(tx.session)) throw this.txLost();
    if (tx.broken !== null) throw tx.broken;
    const session = tx.session;
    this.sessions.run(session, `SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
    try {
      const value = await fn();
      if (!inTransaction(session)) {
        tx.broken = this.txEnded('a statement of the call ended it (MySQL commits implicitly before DDL)');
      } else this.sessions.run(session, `RELEASE SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
      return value;
    } catch (e) {
      if (this.sessions.isLost(session) || isConnectionLost(e)) throw e;
      if (errnoOf(e) === DEADLOCK) {
        tx.broken = this.txEnded('a deadlock made the server roll it back');
        throw e;
      }
      try {
        await this.sessions.run(session, `ROLLBACK TO SAVEPOINT ${CALL_SAVEPOINT}`);
      } catch {
        tx.broken = this.txEnded('its state after a failed call could not be restored');
      }
      throw e;
    }
  }

  /** The shell sends it once the transaction's last call settled (a call the callback did not await). */
  async end(tx: MysqlTx, how: 'commit' | 'rollback'): Promise<void> {
    const session = tx.session;
    // The server rolled back the transaction of a connection that ended: nothing left to roll back.
    if (this.sessions.isLost(session)) {
      if (how === 'rollback') return;
      throw this.txLost();
    }
    let trusted = true;
    try {
      if (how === 'commit' && tx.broken !== null) {
        await this.sessions.run(session, 'ROLLBACK');
        throw tx.broken;
      }
      await this.sessions.run(session, how === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } catch (e) {
      if (isConnectionLost(e) || this.sessions.isLost(session)) {
        trusted = false;
        if (how === 'commit') throw this.txLost();
        return;
      }
      throw e;
    } finally {
      this.sessions.release(session, trusted);
    }
  }

  private txLost(): DatabaseError {
    return new SourceUnavailableError(
      this.spec.name,
      mysqlLocation(this.spec.url),
      'the connection of the transaction was lost (the server ended it or went away), so the server rolled the transaction back',
      'run the transaction again once the server is back; nothing of it was committed',
    );
  }

  /** The server ended the caller's transaction: nothing of it after that point is in a transaction, so it cannot commit. */
  private txEnded(why: string): DatabaseError {
    return new DatabaseError(
      'QUERY_FAILED',
      `The transaction on source "${this.spec.name}" was ended by MySQL: ${why}. Its COMMIT is refused and what it wrote before is rolled back where the server still can. Fix: run the transaction again (a deadlock is another process holding the same rows); never run DDL inside a transaction on MySQL.`,
      { source: this.spec.name, operation: 'transaction', constraint: false },
    );
  }

  // ---- raw SQL ----

  /** db.query (read-only) and raw writes outside a transaction. */
  private sqlOutside(req: SqlRequest): Promise<unknown> {
    const what = rawSqlMethod(req);
    const bound = bindRawSql('mysql', what, req.sql, Array.isArray(req.params) ? req.params : []);
    if (req.readOnly) {
      refuseAsQuery(what, bound.text);
      return this.borrowed((s) => this.readOnlySql(what, bound.text, bound.values, s)).then((a) =>
        this.rawShape(req, a),
      );
    }
    return this.onWriter(
      (w) => this.sessions.run(w, bound.text, bindable(bound.values)).then((a) => this.rawShape(req, a)),
      true,
    );
  }

  /**
   * db.query: only a statement that reads rows, in its own read-only transaction (a write in it is refused by
   * the server, 1792), rolled back after. A statement that returns no rows may have changed the session
   * (a SET is not undone by ROLLBACK): that connection is closed rather than given back.
   */
  private async readOnlySql(what: string, text: string, values: unknown[], session: Session): Promise<Answer> {
    const [opened, ran, closed] = await Promise.allSettled([
      this.sessions.run(session, 'START TRANSACTION READ ONLY'),
      this.sessions.run(session, text, bindable(values)),
      this.sessions.run(session, 'ROLLBACK'),
    ]);
    for (const step of [opened, ran, closed]) {
      if (step.status === 'rejected') {
        if (isReadOnlyRefusal(step.reason)) throw wouldWrite(what);
        throw step.reason;
      }
    }
    const answer = (ran as PromiseFulfilledResult<Answer>).value;
    if (answer.fields === undefined) {
      this.sessions.abandon(session);
      throw returnsNoRows(what);
    }
    return answer;
  }

  /**
   * tx.query: a statement that starts as a read, in a savepoint rolled back after it (a read-only savepoint
   * does not exist on MySQL, so anything it changed is undone instead); raw writes of the transaction.
   */
  private async sqlInTransaction(req: SqlRequest, tx: MysqlTx): Promise<unknown> {
    const what = rawSqlMethod(req);
    const bound = bindRawSql('mysql', what, req.sql, Array.isArray(req.params) ? req.params : []);
    const session = tx.session;
    if (!req.readOnly) {
      if (endsTransaction(bound.text)) throw endsTransactionError(what);
      return this.rawShape(req, await this.sessions.run(session, bound.text, bindable(bound.values)));
    }
    refuseAsQuery(what, bound.text);
    const [, ran, undone] = await Promise.allSettled([
      this.sessions.run(session, 'SAVEPOINT botdb_query'),
      this.sessions.run(session, bound.text, bindable(bound.values)),
      this.sessions.run(session, 'ROLLBACK TO SAVEPOINT botdb_query'),
    ]);
    if (ran.status === 'rejected') {
      if (isReadOnlyRefusal(ran.reason)) throw wouldWrite(what);
      throw ran.reason;
    }
    if (undone.status === 'rejected') throw undone.reason;
    if (ran.value.fields === undefined) throw returnsNoRows(what);
    return this.rawShape(req, ran.value);
  }

  /**
   * tx.execute: a statement that returns no rows. Inside a transaction in a savepoint (one that returns rows
   * is refused and undone; one that would commit the transaction implicitly is refused before the server);
   * on the writer in a transaction of its own.
   */
  private async executeRaw(
    what: string,
    text: string,
    params: readonly unknown[],
    session: Session,
    inTx: boolean,
  ): Promise<RunResult> {
    const bound = bindRawSql('mysql', what, text, params);
    if (inTx && endsTransaction(bound.text)) throw endsTransactionError(what);
    const [opened, ran] = await Promise.allSettled([
      this.sessions.run(session, inTx ? 'SAVEPOINT botdb_execute' : 'START TRANSACTION'),
      this.sessions.run(session, bound.text, bindable(bound.values)),
    ]);
    if (ran.status === 'rejected' && isConnectionLost(ran.reason)) throw ran.reason;
    const ok = opened.status === 'fulfilled' && ran.status === 'fulfilled' && ran.value.fields === undefined;
    const deadlock = ran.status === 'rejected' && errnoOf(ran.reason) === DEADLOCK;
    if (!(inTx && deadlock)) {
      await this.sessions.run(
        session,
        inTx
          ? ok
            ? 'RELEASE SAVEPOINT botdb_execute'
            : 'ROLLBACK TO SAVEPOINT botdb_execute'
          : ok
            ? 'COMMIT'
            : 'ROLLBACK',
      );
    }
    if (opened.status === 'rejected') throw opened.reason;
    if (ran.status === 'rejected') throw ran.reason;
    if (!ok) throw returnsRows(what);
    const header = ran.value.result as ResultSetHeader;
    return { changes: header.affectedRows ?? 0, lastInsertRowid: Number(header.insertId ?? 0) } as RunResult;
  }

  stats(): PoolStats {
    return {
      connectionsOpened: this.counters.opened,
      connectionsAcquired: this.counters.acquired,
      connectionsOpen: this.spec.poolSize,
      statementsPrepared: 0,
      statementsEvicted: 0,
      unavailable: null,
    };
  }

  async close(open: readonly MysqlTx[]): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const tx of open) {
      await this.sessions.run(tx.session, 'ROLLBACK').catch(noop);
      this.sessions.release(tx.session);
    }
    const writer = this.writer;
    this.writer = null;
    this.writerHeld = null;
    const held = await writer?.catch(() => null);
    if (held) this.sessions.release(held);
    // Bounded: mysql2's end() waits for every connection's QUIT, which a server that went away never answers.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pool?.end().catch(noop),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  toError(e: unknown, what: string): DatabaseError {
    return toMysqlError(this.spec, what, e);
  }

  /** Raw SQL's answer as the method returns it (rows, the first row, or the count of rows changed); BIGINTs checked. */
  private rawShape(req: SqlRequest, answer: Answer): unknown {
    if (answer.fields === undefined) {
      const header = answer.result as ResultSetHeader;
      return req.mode === 'run' ? { changes: header.affectedRows ?? 0 } : req.mode === 'get' ? undefined : [];
    }
    const rows = answer.result as Record<string, unknown>[];
    this.convertRows(rows, answer.fields, undefined, undefined);
    return req.mode === 'all' ? rows : req.mode === 'get' ? rows[0] : { changes: 0 };
  }
}

/** db.query / tx.query refuse, before the server, what is not a read (see statement-kind.ts). */
function refuseAsQuery(what: string, text: string): void {
  const kind = queryKind(text);
  if (kind === 'write') throw wouldWrite(what);
  if (kind === 'no-rows') throw returnsNoRows(what);
}

function endsTransactionError(what: string): DatabaseError {
  return new DatabaseError(
    'INVALID_ARGUMENT',
    `${what}: argument "sql" would end the transaction: MySQL commits implicitly before and after DDL, LOCK TABLES and transaction statements. Fix: run it outside db.transaction(), e.g. at setup`,
    { operation: what, argument: 'sql' },
  );
}

/** Values as mysql2 escapes them: a Uint8Array that is not a Buffer as one (mysql2 would write it as an object). */
function bindable(values: readonly unknown[]): readonly unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v instanceof Uint8Array && !Buffer.isBuffer(v)) {
      return values.map((x) =>
        x instanceof Uint8Array && !Buffer.isBuffer(x) ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : x,
      );
    }
  }
  return values;
}

function noop(): void {}
