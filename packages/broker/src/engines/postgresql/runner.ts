/**
 * The PostgreSQL runner (see engine-runner.ts): one `postgres` pool per source. Every call of a batch starts at
 * once and the driver pipelines their statements, instead of running them in turn:
 * - reads go to the pool, except while a write is in flight: then they queue on the writer connection
 *   behind it, so a read made after a write sees it (read-your-writes within this process);
 * - writes go in order to one reserved connection (the writer): ordered like SQLite's, and pipelined;
 * - a transaction reserves a connection of its own (BEGIN on it, COMMIT or ROLLBACK, then released).
 *
 * Replicas and failover (docs/postgresql.md, "Replicas and failover"):
 * - with `replicas`, a read outside a transaction (an operation, or db.query) goes to a replica that has replayed
 *   this process's acknowledged writes and is within max-replica-lag (replica-set.ts, write-lsn.ts), else to
 *   the primary. The WAL position of the writes is read by a statement pipelined behind them on the writer
 *   and by the background poll: never a round trip of its own on a read;
 * - with several hosts in `url`, the primary is the one that accepts writes (primary-finder.ts), looked for
 *   again whenever it is lost; a write in flight when it goes fails (SOURCE_UNAVAILABLE) and is never retried.
 *
 * Under server faults (see docs/postgresql.md, "When the server fails"):
 * - every call settles within `timeout` + DEADLINE_MARGIN_MS, whatever the server does (the shell's deadline,
 *   `deadlineError` here);
 * - a reserved connection (the writer, a transaction's) that closes is never used or released again: the
 *   driver would write to a null socket (a TypeError that kills the worker) or hand it to the pool as open.
 *   The next write reserves a new writer; a transaction on it fails (its COMMIT never turns into success);
 * - a read lost with its connection runs once more on a fresh one; a write never does (it may have been applied);
 * - each call of a transaction runs in a savepoint, so a caught error leaves the transaction usable (as on SQLite).
 */
import { DatabaseError, QueryFailedError, SourceUnavailableError } from '@pkg/errors';
import type { ReservedSql, Sql } from 'postgres';
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
import {
  bindRawSql,
  nulError,
  nulPath,
  rawSqlMethod,
  returnsNoRows,
  returnsRows,
  wouldWrite,
} from '../../raw-sql-binding.js';
import { STATEMENT_CACHE_SIZE, StatementCache } from '../../statement-cache.js';
import { toDate } from '../../stored-timestamp.js';
import { connectPostgres } from './connect.js';
import { isConnectionLost, pgOpenError, toPgError } from './errors.js';
import { parseLsn, singleHostUrls } from './hosts.js';
import { findWritable, RETRY_MS } from './primary-finder.js';
import { Replica, ReplicaSet } from './replica-set.js';
import { type PostgresConnection, type PostgresSourceSpec, postgresLocation } from './spec.js';
import { pgText, pgTextEvictions } from './text.js';
import { WriteLsn } from './write-lsn.js';

/** A connection statements can run on: the pool, the writer, or a transaction's reserved connection. */
type Target = Sql | ReservedSql;

/**
 * The driver's connection behind a reserved handle, as the driver's own `sql.begin` reaches it (the
 * `onexecute` query option): `onclose` is called once when its socket closes; `terminate` ends it.
 */
interface DriverConnection {
  onclose: ((e: unknown) => void) | null;
  terminate(): void;
}

type SqlRequest = Extract<WorkerRequest, { type: 'sql' }>;

/** A call gets this long past the source's timeout (connect and statement) before it fails on its own. */
const DEADLINE_MARGIN_MS = 1_000;
/** Every call of a transaction runs inside this savepoint (pipelined with it: no extra round trip). */
const CALL_SAVEPOINT = 'botdb_call';
/** The primary's WAL position, asked behind writes on their connection (see WriteLsn). */
const POSITION = 'SELECT pg_current_wal_lsn()::text AS lsn';

export class PostgresRunner implements EngineRunner<'postgresql', ReservedSql> {
  readonly engine = 'postgresql';
  readonly isConnectionLost = isConnectionLost;
  private spec!: PostgresSourceSpec;
  private sql!: Sql;
  private engineContext!: EngineContext;
  /** The connection every write runs on, in order; reserved on the first write. */
  private writer: Promise<ReservedSql> | null = null;
  /** `writer` once it has arrived (so its loss is seen at once, not a microtask later). */
  private writerHeld: ReservedSql | null = null;
  /** Writes in flight on the current writer (`writerGeneration`): those of a lost one never count again. */
  private writesInFlight = 0;
  private writerGeneration = 0;
  /** Reserved connections whose socket closed: never used nor released again. */
  private readonly lost = new WeakSet<ReservedSql>();
  private readonly driverConnections = new WeakMap<ReservedSql, DriverConnection>();
  private readonly counters = { acquired: 0, reserved: 0 };
  /** Catalog texts the driver keeps prepared (raw SQL is never prepared); bounded like SQLite's cache. */
  private readonly texts = new StatementCache<true>(STATEMENT_CACHE_SIZE);
  private closed = false;
  /** The url's hosts, one URL each; the primary is `primaryUrl`, one of them. */
  private hosts: string[] = [];
  private primaryUrl = '';
  /** Looking for the host that accepts writes (after the primary was lost); null when not. */
  private finding: Promise<void> | null = null;
  /** Waiting for a connection of the primary: failed at once when it is lost. */
  private readonly waitingForPrimary = new Set<(e: DatabaseError) => void>();
  /** This process's acknowledged writes on the source, as a WAL position replicas must reach. */
  private readonly writes = new WriteLsn();
  /** Null without `replicas` and with a single-host url (nothing is polled then). */
  private replicaSet: ReplicaSet | null = null;
  private primaryReads = 0;
  /** A position query is on its way behind the writes (see writePosition). */
  private positionInFlight = false;

  get deadlineMs(): number {
    return this.spec.timeoutMs + DEADLINE_MARGIN_MS;
  }

  async open(spec: PostgresSourceSpec): Promise<PostgresConnection> {
    this.spec = spec;
    this.engineContext = {
      engine: 'postgresql',
      source: spec.name,
      readonly: spec.readonly,
      // Stored UTC text -> an instant, by the parser the SQLite engine reads rows with.
      timestamp: toDate,
      flag: (value: boolean) => value,
    };
    this.hosts = singleHostUrls(spec.url);
    this.primaryUrl = this.hosts.length === 1 ? spec.url : await this.firstWritable();
    this.sql = await connectPostgres({ ...spec, url: this.primaryUrl });
    // Connect now: a wrong URL, password or missing server fails the open, not the first call.
    await this.sql.unsafe('SELECT 1');
    const replicas = spec.replicas ?? [];
    if (replicas.length > 0 || this.hosts.length > 1) await this.startReplicaSet(replicas);
    return this.sql;
  }

  /** Opening with several hosts: the first that accepts writes, asked until the source's timeout. */
  private async firstWritable(): Promise<string> {
    const until = performance.now() + this.spec.timeoutMs;
    for (;;) {
      const found = await findWritable(this.spec, this.hosts);
      if (found !== null) return found;
      if (performance.now() + RETRY_MS > until) {
        throw new SourceUnavailableError(
          this.spec.name,
          postgresLocation(this.spec.url, this.spec.schema),
          `none of the ${this.hosts.length} hosts in url accepted writes within ${this.spec.timeoutMs / 1000} s (each was down or a standby)`,
          'start the primary or promote a standby (pg_ctl promote), and check the hosts listed in url',
        );
      }
      await sleep(RETRY_MS);
    }
  }

  private async startReplicaSet(urls: readonly string[]): Promise<void> {
    const maxLagMs = this.spec.maxReplicaLagMs ?? 5_000;
    const replicas: Replica[] = [];
    for (const url of urls) {
      // Read-only sessions: a replica is never written, even by a statement that slipped through.
      const sql = await connectPostgres({ ...this.spec, url, readonly: true });
      replicas.push(new Replica(postgresLocation(url, this.spec.schema), sql));
    }
    this.replicaSet = new ReplicaSet(replicas, {
      maxLagMs,
      // Often enough that a replica is read again soon after a write reached it; cheap (one tiny query each).
      pollMs: Math.max(20, Math.min(100, maxLagMs / 10)),
      timeoutMs: this.spec.timeoutMs,
      primary: () => this.sql,
      writes: this.writes,
      primaryHealth: (e) => {
        if (e !== null) this.primaryLost();
      },
    });
    this.replicaSet.start();
  }

  /**
   * The primary did not answer (a poll, a write's connection): with several hosts in url, look for the one
   * that accepts writes now, every RETRY_MS until one does, and move the source's pool to it.
   */
  private primaryLost(): void {
    if (this.hosts.length < 2 || this.finding !== null || this.closed) return;
    for (const fail of this.waitingForPrimary) fail(this.noPrimary());
    this.waitingForPrimary.clear();
    this.finding = (async () => {
      while (!this.closed) {
        const found = await findWritable(this.spec, this.hosts).catch(() => null);
        if (found !== null) {
          if (found !== this.primaryUrl && !this.closed) await this.moveTo(found);
          return;
        }
        await sleep(RETRY_MS);
      }
    })().finally(() => {
      this.finding = null;
    });
  }

  /** What a write (or a transaction) gets while the source looks for its new primary: never retried. */
  private noPrimary(): DatabaseError {
    return new SourceUnavailableError(
      this.spec.name,
      postgresLocation(this.spec.url, this.spec.schema),
      "the primary was lost (it went down, or is no longer writable), and the source is looking for the host that accepts writes among url's hosts; a write in flight may have been applied, none is retried",
      'write again once a standby is promoted (pg_ctl promote): the source finds it by itself within its timeout',
    );
  }

  /** The primary is now `url`: a new pool there; the writer and the old pool are given up. */
  private async moveTo(url: string): Promise<void> {
    const next = await connectPostgres({ ...this.spec, url });
    if (this.closed) {
      await next.end({ timeout: 0 }).catch(noop);
      return;
    }
    const old = this.sql;
    this.sql = next;
    this.primaryUrl = url;
    if (this.writerHeld !== null) this.abandon(this.writerHeld);
    this.writer = null;
    this.writerHeld = null;
    this.writerGeneration++;
    this.writesInFlight = 0;
    old.end({ timeout: 0 }).catch(noop);
  }

  async openFailed(e: unknown, spec: PostgresSourceSpec): Promise<DatabaseError> {
    await this.replicaSet?.close();
    this.replicaSet = null;
    await this.sql?.end({ timeout: 0 }).catch(() => undefined);
    return pgOpenError(spec, e);
  }

  identity(): null {
    return null;
  }

  /**
   * A call the server did not answer within timeout + margin (statement_timeout would have stopped a slow
   * statement by then, and connecting is bounded by the timeout): its connection is taken as dead. A
   * writer or transaction connection is ended (what waits on it fails, the next write gets a new one).
   */
  deadlineError(req: WorkerRequest, tx: ReservedSql | undefined, write: boolean): DatabaseError {
    if (tx !== undefined) this.abandon(tx);
    else if (write && this.writerHeld !== null) this.abandon(this.writerHeld);
    const limit = this.deadlineMs / 1000;
    return new SourceUnavailableError(
      this.spec.name,
      postgresLocation(this.spec.url, this.spec.schema),
      `${describeRequest(req)} got no answer from PostgreSQL within ${limit} s (the source's timeout plus ${DEADLINE_MARGIN_MS / 1000} s)${write ? '; the write may have been applied' : ''}`,
      `check that the server is up and answering; raise timeout for "${this.spec.name}" if its statements are legitimately slow`,
    );
  }

  runOperation(
    name: string,
    op: Operation<unknown, unknown>,
    args: unknown,
    tx: ReservedSql | undefined,
  ): RunnerResult<unknown> {
    // PostgreSQL text cannot hold NUL (22021): refused here, naming the argument, before the server.
    try {
      const nul = nulPath(args);
      if (nul !== null) return Promise.reject(nulError(name, nul));
      const plan = () => op.plan(args, this.engineContext) as Plan<unknown>;
      if (tx !== undefined) return this.inSavepoint(tx, () => this.drive(plan(), tx, true));
      if (op.kind === 'write') {
        return this.write(() => this.writerConnection().then((w) => this.drive(plan(), w, false)));
      }
      return this.read(plan);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  runSql(req: SqlRequest, tx: ReservedSql | undefined): RunnerResult<unknown> {
    try {
      return tx === undefined ? this.sqlOn(req, undefined) : this.inSavepoint(tx, () => this.sqlOn(req, tx));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Counts the write in flight while it runs (reads meanwhile follow it on the writer connection). */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.finding !== null) return Promise.reject(this.noPrimary());
    this.writesInFlight++;
    this.writes.started();
    const generation = this.writerGeneration;
    return fn().then(
      (value) => {
        this.writes.finished(true);
        if (generation === this.writerGeneration) {
          this.writesInFlight--;
          this.writePosition();
        }
        return value;
      },
      (e) => {
        this.writes.finished(false);
        if (generation === this.writerGeneration) {
          this.writesInFlight--;
          // Its writer failed (its close may come later): the next write reserves another. A write of an
          // earlier, already replaced writer leaves the current one alone.
          if (isConnectionLost(e)) {
            if (this.writerHeld !== null) this.abandon(this.writerHeld);
            this.primaryLost();
          }
        }
        throw e;
      },
    );
  }

  /**
   * With replicas: the WAL position behind the writes just answered, on the writer (sent after them, so at or
   * past their commits; pipelined: no write waits for it). At most one in flight: when it answers and more writes
   * were answered meanwhile, one more is sent. So under a steady stream of writes their positions are known
   * within about one round trip, for one tiny statement per round trip.
   */
  private writePosition(): void {
    const held = this.writerHeld;
    if (this.replicaSet === null || held === null || this.positionInFlight || !this.writes.uncovered) return;
    this.positionInFlight = true;
    const cover = this.writes.positionQuery();
    held
      .unsafe(POSITION)
      .execute()
      .then(
        (rows) => {
          this.positionInFlight = false;
          const lsn = (rows[0] as { lsn?: string } | undefined)?.lsn;
          if (typeof lsn === 'string') cover(parseLsn(lsn));
          this.writePosition();
        },
        () => {
          this.positionInFlight = false;
        },
      );
  }

  private read(plan: () => Plan<unknown>): Promise<unknown> {
    const replica = this.replicaFor();
    if (replica !== undefined) {
      return this.drive(plan(), replica.sql, false).catch((e) => {
        // Safe to run again: on another replica that may serve it, or the primary.
        if (isRecoveryConflict(e)) return this.drive(plan(), this.sql, false);
        if (!isConnectionLost(e)) throw e;
        this.replicaSet?.readFailed(replica);
        return this.read(plan);
      });
    }
    const first =
      this.writesInFlight > 0
        ? this.writerConnection().then((w) => this.drive(plan(), w, false))
        : this.drive(plan(), this.sql, false);
    // A read is safe to run twice: once more on the pool (a fresh connection) when its connection was lost.
    return first.catch((e) => {
      if (!isConnectionLost(e)) throw e;
      return this.drive(plan(), this.sql, false);
    });
  }

  /** A replica that may serve a read outside a transaction now (counted), or undefined (the primary reads it, counted). */
  private replicaFor(): Replica | undefined {
    if (this.replicaSet === null) return undefined;
    const lost = this.finding !== null;
    const required = lost ? this.writes.requiredAcknowledged() : this.writes.required();
    const replica = this.spec.replicaReads === false ? undefined : this.replicaSet.pick(required, lost);
    // No replica may serve it and the primary is lost: it fails now rather than wait for a dead host.
    if (replica === undefined && lost) throw this.noPrimary();
    if (replica === undefined) this.primaryReads++;
    else replica.reads++;
    return replica;
  }

  private writerConnection(): Promise<ReservedSql> {
    if (this.writer === null) {
      const reserving = this.reserve();
      this.writer = reserving;
      reserving.then(
        (c) => {
          if (this.writer === reserving) this.writerHeld = c;
        },
        // A writer that failed to reserve is asked for again next time.
        () => {
          if (this.writer === reserving) this.writer = null;
        },
      );
    }
    return this.writer;
  }

  /** A connection of the pool for one holder; bounded by the source's timeout. */
  private reserve(pool: Sql = this.sql): Promise<ReservedSql> {
    this.counters.reserved++;
    const reserving = pool.reserve();
    return new Promise<ReservedSql>((resolve, reject) => {
      // The primary lost while waiting for its connection: fail now (given back if it ever comes).
      const lost = (e: DatabaseError) => {
        clearTimeout(timer);
        void reserving.then((c) => c.release()).catch(noop);
        reject(e);
      };
      if (pool === this.sql && this.hosts.length > 1) this.waitingForPrimary.add(lost);
      const timer = setTimeout(() => {
        this.waitingForPrimary.delete(lost);
        // Given back as soon as it arrives: nobody waits for it any more.
        void reserving.then((c) => c.release()).catch(noop);
        reject(
          new DatabaseError(
            'SOURCE_OVERLOADED',
            `Source "${this.spec.name}" had no free PostgreSQL connection for ${this.spec.timeoutMs} ms (pool-size ${this.spec.poolSize}: the writer and open transactions each hold one). Fix: raise pool-size for "${this.spec.name}", or keep transactions short.`,
            { source: this.spec.name },
          ),
        );
      }, this.spec.timeoutMs);
      reserving.then(
        (c) => {
          clearTimeout(timer);
          this.waitingForPrimary.delete(lost);
          this.watch(c);
          resolve(c);
        },
        (e) => {
          clearTimeout(timer);
          this.waitingForPrimary.delete(lost);
          reject(e);
        },
      );
    });
  }

  /**
   * Learns of a reserved connection's end: a marker statement reaches the driver's connection (as sql.begin
   * does), whose `onclose` marks the handle lost. A lost handle refuses statements (the driver would write
   * them to a null socket, or to the connection after the pool reopened it for others) and is never
   * released (the driver already counts it closed; release() would hand it to the pool as open).
   */
  private watch(conn: ReservedSql): void {
    const onexecute = (c: DriverConnection) => {
      this.driverConnections.set(conn, c);
      c.onclose = () => this.markLost(conn);
      return true; // the connection may take the next statement at once
    };
    conn
      .unsafe('SELECT 1', [], { onexecute } as object)
      .execute()
      .catch(noop);
    const unsafe = conn.unsafe.bind(conn);
    conn.unsafe = ((...args: Parameters<ReservedSql['unsafe']>) =>
      this.lost.has(conn) ? refusedQuery() : unsafe(...args)) as ReservedSql['unsafe'];
    const release = conn.release.bind(conn);
    conn.release = () => {
      if (this.lost.has(conn)) return;
      const c = this.driverConnections.get(conn);
      if (c !== undefined && c.onclose !== null) c.onclose = null;
      release();
    };
  }

  private markLost(conn: ReservedSql): void {
    this.lost.add(conn);
    if (conn === this.writerHeld) {
      // The next write reserves a new writer. Writes stuck on the lost one may never settle: uncounted.
      this.writer = null;
      this.writerHeld = null;
      this.writerGeneration++;
      this.writesInFlight = 0;
    }
  }

  /** Ends a reserved connection no longer trusted: what waits on it fails, and it counts as lost from now. */
  private abandon(conn: ReservedSql): void {
    if (this.lost.has(conn)) return;
    this.markLost(conn);
    this.driverConnections.get(conn)?.terminate();
  }

  /**
   * Runs one call of a transaction inside a savepoint, sent with it (no round trip of its own): a failed
   * call is rolled back to it and the transaction goes on, as on SQLite, instead of PostgreSQL aborting it.
   * The shell runs a transaction's calls one at a time, so no other call's statements come in between.
   */
  private async inSavepoint<T>(conn: ReservedSql, fn: () => Promise<T>): Promise<T> {
    if (this.lost.has(conn)) throw this.txLost();
    conn.unsafe(`SAVEPOINT ${CALL_SAVEPOINT}`).execute().catch(noop);
    try {
      const value = await fn();
      conn.unsafe(`RELEASE SAVEPOINT ${CALL_SAVEPOINT}`).execute().catch(noop);
      return value;
    } catch (e) {
      // Awaited: were it refused, the transaction stays aborted and COMMIT refuses to report success (end()).
      await conn.unsafe(`ROLLBACK TO SAVEPOINT ${CALL_SAVEPOINT}`).catch(noop);
      conn.unsafe(`RELEASE SAVEPOINT ${CALL_SAVEPOINT}`).execute().catch(noop);
      throw e;
    }
  }

  /**
   * Drives a plan: each yielded step runs on `target` and its answer goes back in. `inTx`: the target is a
   * transaction's connection (an Atomic step becomes a savepoint there).
   */
  private async drive(plan: Plan<unknown>, target: Target, inTx: boolean): Promise<unknown> {
    let r = plan.next();
    while (!r.done) {
      const step: Step = r.value;
      r = plan.next(isAtomic(step) ? await this.atomic(step, target, inTx) : await this.query(step, target, inTx));
    }
    return r.value;
  }

  private query(q: Query, target: Target, inTx: boolean): Promise<unknown> {
    const text = typeof q.text === 'string' ? q.text : q.text.postgresql;
    this.counters.acquired++;
    if (q.raw !== undefined) return this.executeRaw(q.raw, text, q.params, target, inTx);
    this.texts.set(text, true);
    const pending = target.unsafe(pgText(text), q.params as never[], { prepare: true }).execute();
    return pending.then((rows) => answer(q, rows));
  }

  /**
   * Statements applied together: BEGIN ... COMMIT sent at once on the writer (nothing else can come between:
   * the driver sends a connection's statements in the order they were started), or a savepoint inside a
   * transaction. A failed statement aborts the group; COMMIT of an aborted transaction rolls it back.
   */
  private async atomic(step: Atomic, target: Target, inTx: boolean): Promise<unknown[]> {
    // `execute()` hands each statement to the connection now, in this order (the driver otherwise starts
    // a statement when it is first awaited, which would put BEGIN after the statements it must precede).
    const first = target.unsafe(inTx ? 'SAVEPOINT botdb_atomic' : 'BEGIN').execute();
    const queries = step.atomic.map((q) => this.query(q, target, inTx));
    const last = inTx ? null : target.unsafe('COMMIT').execute();
    // Observed now: it can fail before the statements' answers are in, and is awaited only after them.
    last?.catch(noop);
    const results = await Promise.allSettled([first, ...queries]);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (inTx) {
      await target.unsafe(
        failed === undefined ? 'RELEASE SAVEPOINT botdb_atomic' : 'ROLLBACK TO SAVEPOINT botdb_atomic',
      );
    } else {
      // After a failed statement PostgreSQL has aborted the transaction; this COMMIT ends it as a ROLLBACK.
      await last;
    }
    if (failed !== undefined) throw failed.reason;
    return results.slice(1).map((r) => (r as PromiseFulfilledResult<unknown>).value);
  }

  /**
   * Raw SQL (db.query, tx.query): bound by `bindRawSql`, never kept as a prepared statement (any number of
   * distinct texts may come), one statement per call (the extended protocol refuses `a; b`).
   */
  private sqlOn(req: SqlRequest, tx: ReservedSql | undefined): Promise<unknown> {
    const what = rawSqlMethod(req);
    const bound = bindRawSql('postgresql', what, req.sql, Array.isArray(req.params) ? req.params : []);
    const values = bound.values as never[];
    const shape = (rows: PgRows) =>
      req.mode === 'all' ? Array.from(rows) : req.mode === 'get' ? rows[0] : { changes: rows.count ?? 0 };
    if (req.readOnly) {
      return this.readOnlySql(what, bound.text, values, tx ?? null).then(shape);
    }
    if (tx !== undefined) return tx.unsafe(bound.text, values).then(shape);
    return this.write(() => this.writerConnection().then((w) => w.unsafe(bound.text, values).then(shape)));
  }

  /**
   * db.query / tx.query: only a statement that reads rows, enforced by the server. The statement runs
   * read-only and is undone after: db.query in its own `BEGIN READ ONLY ... ROLLBACK` (a SET in it is undone
   * too); tx.query inside the caller's transaction, in a savepoint made read-only for it (`SET LOCAL
   * transaction_read_only`), rolled back after it, which also restores the transaction's read-write mode.
   * All of it pipelined: one round trip. A write gets 25006 from the server: INVALID_ARGUMENT.
   */
  private async readOnlySql(what: string, text: string, values: never[], tx: ReservedSql | null): Promise<PgRows> {
    const replica = tx === null ? this.replicaFor() : undefined;
    if (replica !== undefined) {
      try {
        return await this.readOnlySqlOn(what, text, values, null, replica.sql);
      } catch (e) {
        if (!isConnectionLost(e) && !isRecoveryConflict(e)) throw e;
        if (isConnectionLost(e)) this.replicaSet?.readFailed(replica);
      }
    }
    return this.readOnlySqlOn(what, text, values, tx, this.sql);
  }

  private async readOnlySqlOn(
    what: string,
    text: string,
    values: never[],
    tx: ReservedSql | null,
    pool: Sql,
  ): Promise<PgRows> {
    const conn = tx ?? (await this.reserve(pool));
    try {
      const [opened, , ran, closed] = await Promise.allSettled([
        conn.unsafe(tx === null ? 'BEGIN READ ONLY' : 'SAVEPOINT botdb_query').execute(),
        conn.unsafe(tx === null ? 'SELECT 1' : 'SET LOCAL transaction_read_only = on').execute(),
        conn.unsafe(text, values, { simple: false } as never).execute(),
        conn
          .unsafe(tx === null ? 'ROLLBACK' : 'ROLLBACK TO SAVEPOINT botdb_query; RELEASE SAVEPOINT botdb_query')
          .execute(),
      ]);
      for (const step of [opened, ran, closed]) {
        if (step.status === 'rejected') {
          if ((step.reason as { code?: unknown }).code === '25006') throw wouldWrite(what);
          throw step.reason;
        }
      }
      const rows = (ran as PromiseFulfilledResult<PgRows>).value;
      if (!hasColumns(rows)) throw returnsNoRows(what);
      return rows;
    } finally {
      if (tx === null) conn.release();
    }
  }

  /**
   * tx.execute: a statement that returns no rows. In a savepoint, so one that returns rows is refused and
   * undone, and a failed one leaves the caller's transaction usable, as on SQLite.
   */
  private async executeRaw(
    what: string,
    text: string,
    params: readonly unknown[],
    target: Target,
    inTx: boolean,
  ): Promise<RunResult> {
    const bound = bindRawSql('postgresql', what, text, params);
    const [opened, ran] = await Promise.allSettled([
      target.unsafe(inTx ? 'SAVEPOINT botdb_execute' : 'BEGIN').execute(),
      target.unsafe(bound.text, bound.values as never[], { simple: false } as never).execute(),
    ]);
    const rows = ran.status === 'fulfilled' ? (ran.value as PgRows) : null;
    const ok = opened.status === 'fulfilled' && rows !== null && !hasColumns(rows);
    await target.unsafe(
      inTx
        ? ok
          ? 'RELEASE SAVEPOINT botdb_execute'
          : 'ROLLBACK TO SAVEPOINT botdb_execute; RELEASE SAVEPOINT botdb_execute'
        : ok
          ? 'COMMIT'
          : 'ROLLBACK',
    );
    if (opened.status === 'rejected') throw opened.reason;
    if (ran.status === 'rejected') throw ran.reason;
    if (!ok) throw returnsRows(what);
    return { changes: (rows as PgRows).count ?? 0 };
  }

  /** Waits for a free connection of the pool (bounded by the source's timeout): answered on its own. */
  begin(): Waiting<ReservedSql> {
    return new Waiting(this.beginOnReserved(), false);
  }

  private async beginOnReserved(): Promise<ReservedSql> {
    if (this.finding !== null) throw this.noPrimary();
    const conn = await this.reserve();
    try {
      await conn.unsafe(this.spec.readonly ? 'BEGIN READ ONLY' : 'BEGIN');
    } catch (e) {
      conn.release();
      throw e;
    }
    if (this.lost.has(conn)) throw connectionLost();
    return conn;
  }

  /** The shell sends it once the transaction's last call settled (a call the callback did not await). */
  async end(conn: ReservedSql, how: 'commit' | 'rollback'): Promise<void> {
    // The server rolled back the transaction of a connection that ended: nothing left to roll back.
    if (this.lost.has(conn)) {
      if (how === 'rollback') return undefined;
      throw this.txLost();
    }
    try {
      const result = how === 'commit' ? await this.commit(conn) : await conn.unsafe('ROLLBACK');
      // COMMIT of an aborted transaction "succeeds" as ROLLBACK: never report that as committed.
      if (how === 'commit' && result.command === 'ROLLBACK') {
        throw new QueryFailedError(
          this.spec.name,
          'commit',
          '25P02',
          'the transaction had been aborted by an earlier error, so PostgreSQL rolled it back instead of committing',
          'PostgreSQL',
        );
      }
    } catch (e) {
      if (how === 'commit' && this.lost.has(conn)) throw this.txLost();
      throw e;
    } finally {
      conn.release();
    }
  }

  /**
   * COMMIT, counted as a write. With replicas the WAL position is asked right behind it on the same connection
   * (pipelined: it arrives with the COMMIT's answer, no extra round trip) and covers it.
   */
  private async commit(conn: ReservedSql): Promise<PgRows> {
    this.writes.started();
    let acknowledged = false;
    const committing = conn.unsafe('COMMIT').execute();
    const position = this.replicaSet === null ? null : conn.unsafe(POSITION).execute();
    position?.catch(noop);
    try {
      const result = (await committing) as PgRows;
      acknowledged = result.command !== 'ROLLBACK';
      return result;
    } finally {
      this.writes.finished(acknowledged);
      // Asked after the COMMIT: its answer is at or past the commit record.
      const cover = this.writes.positionQuery();
      const rows = position === null ? [] : await position.catch(() => []);
      const lsn = (rows[0] as { lsn?: unknown } | undefined)?.lsn;
      if (typeof lsn === 'string') cover(parseLsn(lsn));
    }
  }

  private txLost(): DatabaseError {
    return new SourceUnavailableError(
      this.spec.name,
      postgresLocation(this.spec.url, this.spec.schema),
      'the connection of the transaction was lost (the server ended it or went away), so the server rolled the transaction back',
      'run the transaction again once the server is back; nothing of it was committed',
    );
  }

  stats(): PoolStats {
    return {
      connectionsOpened: this.counters.reserved,
      connectionsAcquired: this.counters.acquired,
      connectionsOpen: this.spec.poolSize,
      statementsPrepared: this.texts.size,
      statementsEvicted: this.texts.evictions + pgTextEvictions(),
      unavailable: null,
      ...(this.replicaSet === null || (this.spec.replicas ?? []).length === 0
        ? {}
        : { replicas: this.replicaSet.stats(), primaryReads: this.primaryReads }),
    };
  }

  async close(open: readonly ReservedSql[]): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.replicaSet?.close();
    for (const conn of open) {
      await conn.unsafe('ROLLBACK').catch(() => undefined);
      conn.release();
    }
    // A reserved connection is never idle: end() would wait its whole timeout for the writer.
    const writer = this.writer;
    this.writer = null;
    this.writerHeld = null;
    (await writer?.catch(() => null))?.release();
    await this.sql?.end({ timeout: 5 }).catch(() => undefined);
  }

  toError(e: unknown, what: string): DatabaseError {
    return toPgError(this.spec, what, e);
  }
}

/** What a statement on a reserved connection that already closed fails with (isConnectionLost sees it). */
function connectionLost(): Error {
  return Object.assign(new Error('the connection was closed by the server or the network'), {
    code: 'CONNECTION_CLOSED',
  });
}

/** A statement refused on a lost connection, shaped like the driver's pending query (`execute()`, awaitable). */
function refusedQuery(): ReturnType<ReservedSql['unsafe']> {
  const refused = Promise.reject(connectionLost());
  return Object.assign(refused, { execute: () => refused }) as unknown as ReturnType<ReservedSql['unsafe']>;
}

function noop(): void {}

/**
 * A standby cancelled the read because replaying WAL needed what it was reading (40001, "conflict with
 * recovery"): the read is run again on the primary, which has no such conflict.
 */
function isRecoveryConflict(e: unknown): boolean {
  return (
    (e as { code?: unknown } | null)?.code === '40001' && /conflict with recovery/.test(String((e as Error).message))
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the driver answers: the rows, with the command's count and (after a describe) its columns. */
type PgRows = Record<string, unknown>[] & { count?: number; columns?: unknown[] | null; command?: string };

/** The statement returns rows (a row description came back, maybe for zero rows), not NoData. */
function hasColumns(rows: PgRows): boolean {
  return Array.isArray(rows.columns) && rows.columns.length > 0;
}

/** A step's answer in the contract's shape: the first row, plain rows, or the count of rows changed. */
function answer(q: Query, rows: Record<string, unknown>[] & { count?: number }): unknown {
  if (q.mode === 'get') return rows[0];
  if (q.mode === 'run') return { changes: rows.count ?? 0 } satisfies RunResult;
  // A plain array: the driver's result carries extra properties that would travel to the main thread.
  const out = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = rows[i];
  return out;
}
