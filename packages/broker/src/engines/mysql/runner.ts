/**
 * The MySQL/MariaDB runner (see engine-runner.ts): one mysql2 pool per source (connect.ts: UTC, strict, READ
 * COMMITTED, binary collation). A batch's calls all start at once:
 * - reads run on the pool, several connections at a time, except while a write is in flight: then they queue
 *   on the writer connection behind it, so a read made after a write sees it (read-your-writes);
 * - writes run in order, one at a time, on one reserved connection (the writer). One at a time because MySQL,
 *   unlike PostgreSQL, does not abort a transaction when one of its statements fails: an atomic group runs
 *   statement by statement and rolls back on the first failure, and nothing else may come in between;
 * - a transaction reserves a connection of its own; each call of it runs in a savepoint, so a caught error
 *   leaves the transaction usable (as on SQLite and PostgreSQL).
 *
 * Under server faults (as engines/postgresql/runner.ts):
 * - every call settles within `timeout` + DEADLINE_MARGIN_MS (the shell's deadline, `deadlineError` here), and
 *   each statement is stopped by the server at `timeout` (max_statement_time / max_execution_time);
 * - a reserved connection that fails or closes is never used nor given back to the pool again: it is destroyed,
 *   the next write reserves a new writer, and a transaction on it fails (its COMMIT never turns into success);
 * - a read lost with its connection runs once more on a fresh one; a write never does (it may have been applied);
 * - a deadlock or lock wait timeout of a write the library can repeat safely (one autocommitted statement, or an
 *   atomic group it rolled back as a whole) is tried once more; inside the caller's transaction never (a
 *   deadlock rolls back the whole transaction: it is then refused to the end, its COMMIT included).
 */
import { DatabaseError, SourceUnavailableError } from '@pkg/errors';
import type { FieldPacket, Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
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
import { STATEMENT_CACHE_SIZE, StatementCache } from '../../statement-cache.js';
import { toDateOrNull, toFlag } from '../../stored-timestamp.js';
import { connectMysql } from './connect.js';
import { bigintError, isConnectionLost, isLockConflict, MYSQL_ERRNO, mysqlOpenFailed, toMysqlError } from './errors.js';
import { endsTransaction, readOnlyVerdict } from './read-only-sql.js';
import { type MysqlConnection, type MysqlSourceSpec, mysqlLocation } from './spec.js';

type SqlRequest = Extract<WorkerRequest, { type: 'sql' }>;
/** Where statements run: the pool (any free connection) or one reserved connection. */
type Target = Pool | PoolConnection;
/** What mysql2 answers a statement with: rows (and their fields), or a header for a statement without rows. */
type Answer = [unknown, FieldPacket[] | undefined];

/** An open transaction: its reserved connection, and the error that ended it at the server (a deadlock), if any. */
export interface MysqlTx {
  readonly conn: PoolConnection;
  aborted: DatabaseError | null;
}

/** The callback-style connection inside mysql2's promise wrapper: it tells when its socket fails or ends. */
interface CoreConnection {
  on(event: 'error' | 'end', listener: () => void): void;
  off(event: 'error' | 'end', listener: () => void): void;
  _isMariaDB?: boolean;
  query(sql: string, callback: () => void): void;
}

/** A call gets this long past the source's timeout (connect and statement) before it fails on its own. */
const DEADLINE_MARGIN_MS = 1_000;
/** Every call of a transaction runs inside this savepoint. */
const CALL_SAVEPOINT = 'botdb_call';
/** mysql2's column type of BIGINT, the only one the pool may hand over as a bigint (beyond 2^53). */
const LONGLONG = 8;

export class MysqlRunner implements EngineRunner<'mysql', MysqlTx> {
  readonly engine = 'mysql';
  readonly isConnectionLost = isConnectionLost;
  private spec!: MysqlSourceSpec;
  private pool!: Pool;
  private engineContext!: EngineContext;
  /** The connection every write runs on, one at a time; reserved on the first write. */
  private writer: Promise<PoolConnection> | null = null;
  private writerHeld: PoolConnection | null = null;
  /** Writes waiting for or holding the writer (reads meanwhile follow them there). */
  private writesInFlight = 0;
  /** The turn on the writer now running (its release), and those waiting, in order. */
  private turnHolder: (() => void) | null = null;
  private readonly turnsWaiting: Array<() => void> = [];
  /** Reserved connections that failed or closed: never used nor given back again. */
  private readonly lost = new WeakSet<PoolConnection>();
  private readonly unwatch = new WeakMap<PoolConnection, () => void>();
  private readonly counters = { acquired: 0, reserved: 0 };
  /** Statement texts run (catalog and raw), bounded like SQLite's cache: what `stats` reports. */
  private readonly texts = new StatementCache<true>(STATEMENT_CACHE_SIZE);
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
      // DATETIME columns take the stored UTC text as it is (the sessions run in '+00:00').
      timestamp: (stored: string) => stored,
      flag: (value: boolean) => value,
    };
    this.pool = connectMysql(spec);
    this.pool.on('connection', (connection) =>
      limitStatements(connection as unknown as CoreConnection, spec.timeoutMs),
    );
    // Connect now: a wrong URL, password or missing server fails the open, not the first call.
    await this.pool.query('SELECT 1');
    return this.pool;
  }

  async openFailed(e: unknown, spec: MysqlSourceSpec): Promise<DatabaseError> {
    await this.pool?.end().catch(noop);
    return mysqlOpenFailed(spec, e);
  }

  identity(): null {
    return null;
  }

  /**
   * A call the server did not answer within timeout + margin: its connection is taken as dead. A writer or
   * transaction connection is destroyed (what waits on it fails; the next write gets a new one).
   */
  deadlineError(req: WorkerRequest, tx: MysqlTx | undefined, write: boolean): DatabaseError {
    if (tx !== undefined) this.abandon(tx.conn);
    else if (write && this.writerHeld !== null) this.abandon(this.writerHeld);
    else if (write) this.nextTurn();
    const limit = this.deadlineMs / 1000;
    return new SourceUnavailableError(
      this.spec.name,
      mysqlLocation(this.spec.url),
      `${describeRequest(req)} got no answer from MySQL within ${limit} s (the source's timeout plus ${DEADLINE_MARGIN_MS / 1000} s)${write ? '; the write may have been applied' : ''}`,
      `check that the server is up and answering; raise timeout for "${this.spec.name}" if its statements are legitimately slow`,
    );
  }

  runOperation(
    name: string,
    op: Operation<unknown, unknown>,
    args: unknown,
    tx: MysqlTx | undefined,
  ): RunnerResult<unknown> {
    try {
      const plan = () => op.plan(args, this.engineContext) as Plan<unknown>;
      if (tx !== undefined) return this.inSavepoint(tx, () => this.drive(plan(), tx.conn, true, name));
      if (op.kind === 'write') return this.onWriter(true, (w) => this.drive(plan(), w, false, name));
      return this.read(() => plan(), name);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  runSql(req: SqlRequest, tx: MysqlTx | undefined): RunnerResult<unknown> {
    try {
      return tx === undefined ? this.sqlOn(req, undefined) : this.inSavepoint(tx, () => this.sqlOn(req, tx));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // --- the writer: one write at a time, in order ---

  /**
   * Runs `fn` on the writer once every write (and read) queued before it there has finished. `write`: counts as
   * a write in flight meanwhile, so reads made now follow it.
   */
  private onWriter<T>(write: boolean, fn: (writer: PoolConnection) => Promise<T>): Promise<T> {
    if (write) this.writesInFlight++;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        let done = false;
        const release = () => {
          if (done) return;
          done = true;
          if (write) this.writesInFlight--;
          if (this.turnHolder === release) {
            this.turnHolder = null;
            this.nextTurn();
          }
        };
        this.turnHolder = release;
        this.writerConnection()
          .then(fn)
          .then(
            (value) => {
              release();
              resolve(value);
            },
            (e) => {
              // Its writer failed (its close event may come later): the next write reserves another.
              if (isConnectionLost(e) && this.writerHeld !== null) this.markLost(this.writerHeld);
              release();
              reject(e);
            },
          );
      };
      if (this.turnHolder === null) start();
      else this.turnsWaiting.push(start);
    });
  }

  /** The running turn is given up (its writer abandoned): the next waiting one starts. */
  private nextTurn(): void {
    const holder = this.turnHolder;
    if (holder !== null) {
      holder();
      return;
    }
    this.turnsWaiting.shift()?.();
  }

  private writerConnection(): Promise<PoolConnection> {
    if (this.writer === null || (this.writerHeld !== null && this.lost.has(this.writerHeld))) {
      const reserving = this.reserve();
      this.writer = reserving;
      this.writerHeld = null;
      reserving.then(
        (c) => {
          if (this.writer === reserving) this.writerHeld = c;
        },
        () => {
          if (this.writer === reserving) this.writer = null;
        },
      );
    }
    return this.writer;
  }

  private read(plan: () => Plan<unknown>, what: string): Promise<unknown> {
    const first =
      this.writesInFlight > 0
        ? this.onWriter(false, (w) => this.drive(plan(), w, false, what))
        : this.drive(plan(), this.pool, false, what);
    // A read is safe to run twice: once more on the pool (a fresh connection) when its connection was lost.
    return first.catch((e) => {
      if (!isConnectionLost(e)) throw e;
      return this.drive(plan(), this.pool, false, what);
    });
  }

  // --- reserved connections ---

  /** A connection of the pool for one holder (the writer, a transaction, db.query); bounded by the timeout. */
  private reserve(): Promise<PoolConnection> {
    this.counters.reserved++;
    const getting = this.pool.getConnection();
    return new Promise<PoolConnection>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(
          new DatabaseError(
            'SOURCE_OVERLOADED',
            `Source "${this.spec.name}" had no free MySQL connection for ${this.spec.timeoutMs} ms (pool-size ${this.spec.poolSize}: the writer and open transactions each hold one). Fix: raise pool-size for "${this.spec.name}", or keep transactions short.`,
            { source: this.spec.name },
          ),
        );
      }, this.spec.timeoutMs);
      getting.then(
        (c) => {
          clearTimeout(timer);
          // Given back at once when nobody waits for it any more.
          if (late) c.release();
          else {
            this.watch(c);
            resolve(c);
          }
        },
        (e) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  /** Learns of a reserved connection's failure or end, when it happens (not at its next statement). */
  private watch(conn: PoolConnection): void {
    const core = (conn as unknown as { connection: CoreConnection }).connection;
    const gone = () => this.markLost(conn);
    core.on('error', gone);
    core.on('end', gone);
    this.unwatch.set(conn, () => {
      core.off('error', gone);
      core.off('end', gone);
    });
  }

  /** Gives a reserved connection back to the pool, or destroys it when it is no longer trusted. */
  private giveBack(conn: PoolConnection): void {
    this.unwatch.get(conn)?.();
    this.unwatch.delete(conn);
    if (this.lost.has(conn)) conn.destroy();
    else conn.release();
  }

  private markLost(conn: PoolConnection): void {
    if (this.lost.has(conn)) return;
    this.lost.add(conn);
    if (conn === this.writerHeld) {
      this.writer = null;
      this.writerHeld = null;
    }
  }

  /** Ends a reserved connection no longer trusted: what waits on it fails, and the writer's turn moves on. */
  private abandon(conn: PoolConnection): void {
    const wasWriter = conn === this.writerHeld;
    this.markLost(conn);
    this.unwatch.get(conn)?.();
    conn.destroy();
    // mysql2 never settles the commands of a connection it destroyed: the stuck write's turn is released here.
    if (wasWriter) this.nextTurn();
  }

  /** One statement on `target`; a reserved connection already lost refuses it (mysql2 would not answer). */
  private send(target: Target, text: string, params?: readonly unknown[]): Promise<Answer> {
    if (target !== this.pool && this.lost.has(target as PoolConnection)) return Promise.reject(connectionLost());
    return (target.query(text, params as unknown[] | undefined) as Promise<Answer>).catch((e) => {
      if (target !== this.pool && isConnectionLost(e)) this.markLost(target as PoolConnection);
      throw e;
    });
  }

  // --- plans ---

  /**
   * Runs one call of a transaction inside a savepoint: a failed call is rolled back to it and the transaction
   * goes on, as on SQLite. The shell runs a transaction's calls one at a time.
   */
  private async inSavepoint<T>(tx: MysqlTx, fn: () => Promise<T>): Promise<T> {
    if (this.lost.has(tx.conn)) throw this.txLost();
    if (tx.aborted !== null) throw tx.aborted;
    // Queued before the call's statements (mysql2 sends a connection's commands in order): no wait of its own.
    this.send(tx.conn, `SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
    try {
      const value = await fn();
      this.send(tx.conn, `RELEASE SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
      return value;
    } catch (e) {
      if (this.lost.has(tx.conn) || isConnectionLost(e)) throw e;
      if ((e as { errno?: unknown }).errno === MYSQL_ERRNO.deadlock) {
        // InnoDB rolled the whole transaction back: what follows would run outside any transaction.
        tx.aborted = this.txAborted(e);
        throw e;
      }
      try {
        await this.send(tx.conn, `ROLLBACK TO SAVEPOINT ${CALL_SAVEPOINT}`);
        this.send(tx.conn, `RELEASE SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
      } catch (undo) {
        // The savepoint is gone (the transaction was rolled back): never let COMMIT report success.
        tx.aborted = this.txAborted(undo);
      }
      throw e;
    }
  }

  /**
   * Drives a plan: each yielded step runs on `target` and its answer goes back in. `inTx`: the target is a
   * transaction's connection (an Atomic step becomes a savepoint there).
   */
  private async drive(plan: Plan<unknown>, target: Target, inTx: boolean, what: string): Promise<unknown> {
    let r = plan.next();
    while (!r.done) {
      const step: Step = r.value;
      r = plan.next(
        isAtomic(step) ? await this.atomic(step, target, inTx, what) : await this.query(step, target, inTx, what),
      );
    }
    return r.value;
  }

  private query(q: Query, target: Target, inTx: boolean, what: string): Promise<unknown> {
    const text = typeof q.text === 'string' ? q.text : q.text.mysql;
    this.counters.acquired++;
    if (q.raw !== undefined) return this.executeRaw(q.raw, text, q.params, target, inTx);
    this.texts.set(text, true);
    const run = () =>
      this.send(target, text, q.params).then(([result, fields]) => this.answer(q, result, fields, what));
    // One statement outside a transaction was rolled back alone by a deadlock or lock wait: safe to repeat once.
    if (!inTx && target !== this.pool) return run().catch((e) => (isLockConflict(e) ? run() : Promise.reject(e)));
    return run();
  }

  /**
   * Statements applied together: START TRANSACTION ... COMMIT on one connection, or a savepoint inside the
   * caller's transaction. Statement by statement: MySQL does not abort a transaction at a failed statement, so
   * the first failure rolls the group back here (a COMMIT sent with them would commit the rest). Outside a
   * transaction, a group rolled back by a deadlock or lock wait is run once more, as a whole.
   */
  private async atomic(step: Atomic, target: Target, inTx: boolean, what: string): Promise<unknown[]> {
    if (inTx) {
      await this.send(target, 'SAVEPOINT botdb_atomic');
      try {
        const answers = await this.statements(step, target, what);
        this.send(target, 'RELEASE SAVEPOINT botdb_atomic').catch(noop);
        return answers;
      } catch (e) {
        if (!isConnectionLost(e) && (e as { errno?: unknown }).errno !== MYSQL_ERRNO.deadlock) {
          await this.send(target, 'ROLLBACK TO SAVEPOINT botdb_atomic').catch(noop);
          this.send(target, 'RELEASE SAVEPOINT botdb_atomic').catch(noop);
        }
        throw e;
      }
    }
    // A read's group (a consistent view) on the pool takes one connection for itself.
    const conn = target === this.pool ? await this.reserve() : (target as PoolConnection);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          this.send(conn, 'START TRANSACTION').catch(noop);
          const answers = await this.statements(step, conn, what);
          await this.send(conn, 'COMMIT');
          return answers;
        } catch (e) {
          if (isConnectionLost(e)) throw e;
          await this.send(conn, 'ROLLBACK').catch(noop);
          if (attempt === 0 && isLockConflict(e)) continue;
          throw e;
        }
      }
    } finally {
      if (conn !== target) this.giveBack(conn);
    }
  }

  /** A group's statements in order, each awaited (the first failure stops the rest). */
  private async statements(step: Atomic, conn: Target, what: string): Promise<unknown[]> {
    const answers: unknown[] = [];
    for (const q of step.atomic) {
      const text = typeof q.text === 'string' ? q.text : q.text.mysql;
      this.counters.acquired++;
      if (q.raw !== undefined) {
        answers.push(await this.executeRaw(q.raw, text, q.params, conn, true));
        continue;
      }
      this.texts.set(text, true);
      const [result, fields] = await this.send(conn, text, q.params);
      answers.push(this.answer(q, result, fields, what));
    }
    return answers;
  }

  /** A step's answer in the contract's shape: the first row, the rows, or the count of rows changed. */
  private answer(q: Query, result: unknown, fields: FieldPacket[] | undefined, what: string): unknown {
    if (q.mode === 'run') return { changes: changesOf(result) } satisfies RunResult;
    const rows = this.rows(result, fields, what);
    if (q.dates !== undefined || q.flags !== undefined) {
      for (const row of rows) {
        for (const c of q.dates ?? []) row[c] = toDateOrNull(row[c]);
        for (const c of q.flags ?? []) row[c] = toFlag(row[c]);
      }
    }
    return q.mode === 'get' ? rows[0] : rows;
  }

  /** The rows of an answer, a BIGINT beyond 2^53 refused (the pool hands it over as a bigint, never rounded). */
  private rows(result: unknown, fields: FieldPacket[] | undefined, what: string): Record<string, unknown>[] {
    const rows = Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
    if (rows.length === 0 || fields === undefined) return rows;
    for (const f of fields) {
      if (f.columnType !== LONGLONG) continue;
      for (const row of rows) {
        const v = row[f.name];
        if (typeof v === 'bigint') throw bigintError(this.spec, what, f.name, v);
      }
    }
    return rows;
  }

  // --- raw SQL ---

  private sqlOn(req: SqlRequest, tx: MysqlTx | undefined): Promise<unknown> {
    const what = rawSqlMethod(req);
    const bound = bindRawSql('mysql', what, req.sql, Array.isArray(req.params) ? req.params : []);
    this.texts.set(bound.text, true);
    const shape = ([result, fields]: Answer) => {
      if (req.mode === 'run') return { changes: changesOf(result) };
      const rows = this.rows(result, fields, what);
      return req.mode === 'all' ? rows : rows[0];
    };
    if (req.readOnly) return this.readOnlySql(what, bound.text, bound.values, tx).then(shape);
    if (tx !== undefined && endsTransaction(bound.text)) return Promise.reject(endsTransactionError(what));
    if (tx !== undefined) return this.send(tx.conn, bound.text, bound.values).then(shape);
    return this.onWriter(true, (w) => this.send(w, bound.text, bound.values).then(shape));
  }

  /**
   * db.query / tx.query: only a statement that reads rows. A statement MySQL would commit implicitly (DDL), or
   * one that is no query at all, is refused before the server; the rest runs read-only and is undone after:
   * db.query in its own `START TRANSACTION READ ONLY ... ROLLBACK` (the server refuses a write, 1792), tx.query
   * inside the caller's transaction in a savepoint rolled back after it (a write there is seen by its answer).
   */
  private async readOnlySql(what: string, text: string, values: unknown[], tx: MysqlTx | undefined): Promise<Answer> {
    const verdict = readOnlyVerdict(text);
    if (verdict === 'writes') throw wouldWrite(what);
    if (verdict === 'no-rows') throw returnsNoRows(what);
    const conn = tx?.conn ?? (await this.reserve());
    const open = tx === undefined ? 'START TRANSACTION READ ONLY' : 'SAVEPOINT botdb_query';
    const close = tx === undefined ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT botdb_query';
    try {
      this.send(conn, open).catch(noop);
      let answer: Answer;
      try {
        answer = await this.send(conn, text, values);
      } catch (e) {
        if ((e as { errno?: unknown }).errno === MYSQL_ERRNO.readOnlyTransaction) throw wouldWrite(what);
        throw e;
      } finally {
        if (!this.lost.has(conn)) {
          await this.send(conn, close).catch(noop);
          if (tx !== undefined) this.send(conn, 'RELEASE SAVEPOINT botdb_query').catch(noop);
        }
      }
      if (!Array.isArray(answer[0])) throw changesOf(answer[0]) > 0 ? wouldWrite(what) : returnsNoRows(what);
      return answer;
    } finally {
      if (tx === undefined) this.giveBack(conn);
    }
  }

  /**
   * tx.execute: a statement that returns no rows, in a savepoint, so one that returns rows is refused and
   * undone, and a failed one leaves the caller's transaction usable, as on SQLite.
   */
  private async executeRaw(
    what: string,
    text: string,
    params: readonly unknown[],
    target: Target,
    inTx: boolean,
  ): Promise<RunResult> {
    const bound = bindRawSql('mysql', what, text, params);
    if (inTx && endsTransaction(bound.text)) throw endsTransactionError(what);
    this.texts.set(bound.text, true);
    const conn = target === this.pool ? await this.reserve() : (target as PoolConnection);
    try {
      this.send(conn, inTx ? 'SAVEPOINT botdb_execute' : 'START TRANSACTION').catch(noop);
      let answer: Answer | null = null;
      let failure: unknown = null;
      try {
        answer = await this.send(conn, bound.text, bound.values);
      } catch (e) {
        failure = e;
      }
      const ok = answer !== null && !Array.isArray(answer[0]);
      if (!this.lost.has(conn) && (failure === null || !isConnectionLost(failure))) {
        if (inTx) {
          if (ok) this.send(conn, 'RELEASE SAVEPOINT botdb_execute').catch(noop);
          else if ((failure as { errno?: unknown } | null)?.errno !== MYSQL_ERRNO.deadlock) {
            await this.send(conn, 'ROLLBACK TO SAVEPOINT botdb_execute').catch(noop);
            this.send(conn, 'RELEASE SAVEPOINT botdb_execute').catch(noop);
          }
        } else {
          await this.send(conn, ok ? 'COMMIT' : 'ROLLBACK');
        }
      }
      if (failure !== null) throw failure;
      if (!ok) throw returnsRows(what);
      return { changes: changesOf((answer as Answer)[0]) };
    } finally {
      if (conn !== target) this.giveBack(conn);
    }
  }

  // --- transactions ---

  /** Waits for a free connection of the pool (bounded by the source's timeout): answered on its own. */
  begin(): Waiting<MysqlTx> {
    return new Waiting(this.beginOnReserved(), false);
  }

  private async beginOnReserved(): Promise<MysqlTx> {
    const conn = await this.reserve();
    try {
      await this.send(conn, this.spec.readonly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
    } catch (e) {
      this.giveBack(conn);
      throw e;
    }
    return { conn, aborted: null };
  }

  /** The shell sends it once the transaction's last call settled. */
  async end(tx: MysqlTx, how: 'commit' | 'rollback'): Promise<void> {
    const { conn } = tx;
    if (this.lost.has(conn)) {
      this.giveBack(conn);
      // The server rolled back the transaction of a connection that ended: nothing left to roll back.
      if (how === 'rollback') return undefined;
      throw this.txLost();
    }
    try {
      if (tx.aborted !== null) {
        await this.send(conn, 'ROLLBACK').catch(noop);
        if (how === 'commit') throw tx.aborted;
        return undefined;
      }
      await this.send(conn, how === 'commit' ? 'COMMIT' : 'ROLLBACK');
    } catch (e) {
      if (how === 'commit' && this.lost.has(conn)) throw this.txLost();
      throw e;
    } finally {
      this.giveBack(conn);
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

  /** The server rolled the caller's transaction back (a deadlock): every later call of it is refused. */
  private txAborted(cause: unknown): DatabaseError {
    const e = toMysqlError(this.spec, 'transaction', cause);
    return new DatabaseError(
      'QUERY_FAILED',
      `The transaction on source "${this.spec.name}" was rolled back by MySQL (${e.message}); nothing of it was committed. Fix: run the whole transaction again.`,
      { ...e.details, source: this.spec.name, rolledBack: true },
    );
  }

  stats(): PoolStats {
    return {
      connectionsOpened: this.counters.reserved,
      connectionsAcquired: this.counters.acquired,
      connectionsOpen: this.spec.poolSize,
      statementsPrepared: this.texts.size,
      statementsEvicted: this.texts.evictions,
      unavailable: null,
    };
  }

  async close(open: readonly MysqlTx[]): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const tx of open) {
      if (!this.lost.has(tx.conn)) await this.send(tx.conn, 'ROLLBACK').catch(noop);
      this.giveBack(tx.conn);
    }
    const writer = this.writer;
    this.writer = null;
    this.writerHeld = null;
    const w = await writer?.catch(() => null);
    if (w) this.giveBack(w);
    await this.pool?.end().catch(noop);
  }

  toError(e: unknown, what: string): DatabaseError {
    return toMysqlError(this.spec, what, e);
  }
}

/**
 * Each new session stops its statements at the source's timeout, so a slow statement fails with QUERY_TIMEOUT
 * before the call's deadline; a lock waited for fails (1205) within half of it, leaving room for the one
 * retry of a write that met it. MariaDB's max_statement_time covers every statement, MySQL's
 * max_execution_time SELECTs only.
 */
function limitStatements(connection: CoreConnection, timeoutMs: number): void {
  const limit =
    connection._isMariaDB === false
      ? `max_execution_time = ${Math.max(1, Math.round(timeoutMs))}`
      : `max_statement_time = ${Math.max(0.001, timeoutMs / 1000)}`;
  const lockWait = Math.max(1, Math.floor(timeoutMs / 2000));
  connection.query(`SET SESSION ${limit}, SESSION innodb_lock_wait_timeout = ${lockWait}`, noop);
}

/** The count of rows changed of a statement's header (found rows, for an UPDATE: CLIENT_FOUND_ROWS, as SQLite). */
function changesOf(result: unknown): number {
  return Array.isArray(result) ? 0 : ((result as ResultSetHeader | undefined)?.affectedRows ?? 0);
}

/** What a statement on a reserved connection that already closed fails with (isConnectionLost sees it). */
function connectionLost(): Error {
  return Object.assign(new Error('the connection was closed by the server or the network'), {
    code: 'PROTOCOL_CONNECTION_LOST',
    fatal: true,
  });
}

function noop(): void {}

/** A statement that would end the caller's transaction (MySQL commits implicitly around DDL): refused inside one. */
function endsTransactionError(what: string): DatabaseError {
  return new DatabaseError(
    'INVALID_ARGUMENT',
    `${what}: argument "sql" would end the transaction: MySQL commits implicitly around DDL, LOCK TABLES and transaction statements, so what the transaction wrote so far could no longer be rolled back. Fix: run it outside db.transaction(), e.g. at setup`,
    { operation: what, argument: 'sql' },
  );
}
