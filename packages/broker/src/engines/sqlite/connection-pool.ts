/**
 * The connections of one source, inside its worker. Connections open lazily up to `poolSize`
 * and are reused; a transaction reserves one while the others keep serving reads.
 * A worker is single-threaded, so a call holds a connection only while it runs, except a
 * transaction, which holds its connection until commit or rollback.
 */

import type Database from 'better-sqlite3';
import type { Statement, Transaction } from 'better-sqlite3';
import type { Query } from '../../operation.js';
import type { PoolStats } from '../../protocol.js';
import { StatementCache } from '../../statement-cache.js';
import { openSqlite } from './driver.js';
import type { ShapedStatement } from './plan-driver.js';
import type { SqliteSourceSpec } from './spec.js';

export class PooledConnection {
  readonly db: Database.Database;
  /** Bounded (least recently used out): raw SQL may bring any number of distinct texts. */
  private readonly statements = new StatementCache<Statement>();
  /** Raw-mode statements with their row builders (see sqlite-engine.ts), by text. */
  readonly shapes = new Map<string, ShapedStatement>();
  /** The `Atomic` step's transaction function, built once per connection by the engine. */
  atomic: Transaction<(queries: readonly Query[], op: string) => unknown[]> | null = null;
  private readonly pool: ConnectionPool;

  constructor(pool: ConnectionPool, spec: SqliteSourceSpec, wal: boolean, mustExist: boolean, snapshot: Buffer | null) {
    this.pool = pool;
    this.db = snapshot === null ? openConnection(spec, wal, mustExist) : openSnapshot(spec, snapshot);
  }

  /** The cached prepared statement for `sql` on this connection. */
  statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      stmt = this.prepare(sql);
      const before = this.statements.evictions;
      this.statements.set(sql, stmt);
      this.pool.counters.statementsEvicted += this.statements.evictions - before;
    }
    return stmt;
  }

  /** A new prepared statement (counted); callers cache it. */
  prepare(sql: string): Statement {
    const stmt = this.db.prepare(sql);
    this.pool.counters.statementsPrepared++;
    return stmt;
  }
}

/**
 * SQLite's page cache per connection, in KiB. better-sqlite3 builds SQLite with a 16 MB default, which an
 * active source fills (+16 MB of RSS per source). The file's pages stay in the OS page cache either way: on
 * the bench's point reads over an 18 MB file, 1 MiB read 14.7 µs against 14.1 µs with 16 MB (random keys).
 */
export const PAGE_CACHE_KIB = 1024;

function openConnection(spec: SqliteSourceSpec, wal: boolean, mustExist: boolean): Database.Database {
  const db = openSqlite(spec.name, spec.path, {
    readonly: spec.readonly,
    fileMustExist: spec.readonly || mustExist,
    // Opening (schema check, migration) may wait for a lock; once open, see acceptFirst.
    timeout: spec.timeoutMs,
  });
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  if (spec.readonly) {
    // Second lock on the door: even SQL that slips past our routing cannot write.
    db.pragma('query_only = ON');
  } else if (wal) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  return db;
}

/** A readonly connection on an in-memory copy of the file (see archive-snapshot.ts). */
function openSnapshot(spec: SqliteSourceSpec, bytes: Buffer): Database.Database {
  const db = openSqlite(spec.name, spec.path, { readonly: true }, bytes);
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  db.pragma('query_only = ON');
  return db;
}

export interface PoolOptions {
  /**
   * The file must already exist (a restarted worker): a file that vanished is never replaced by a
   * fresh empty one. Connections after the first always require it.
   */
  mustExist?: boolean;
  /** Runs before each connection after the first is opened; throws to refuse (e.g. file replaced). */
  beforeOpen?: () => void;
}

export class ConnectionPool {
  readonly counters = { connectionsOpened: 0, connectionsAcquired: 0, statementsPrepared: 0, statementsEvicted: 0 };
  private readonly spec: SqliteSourceSpec;
  private readonly idle: PooledConnection[] = [];
  private readonly all: PooledConnection[] = [];
  private waiters: Array<(c: PooledConnection) => void> = [];
  /** Off until the first connection has passed the source's checks. */
  private wal = false;
  /** Only a source's very first connection may create its file; see PoolOptions. */
  private mustExist: boolean;
  private readonly beforeOpen: (() => void) | undefined;
  /** Set when the source reads an in-memory copy of its file: each connection opens one. */
  private snapshot: Buffer | null = null;

  constructor(spec: SqliteSourceSpec, options: PoolOptions = {}) {
    // Every connection to ":memory:" opens its own empty database: an in-memory source is one
    // connection, so all its calls see the same data (transactions then hold the source alone).
    this.spec = spec.path === ':memory:' ? { ...spec, poolSize: 1 } : spec;
    this.mustExist = options.mustExist ?? false;
    this.beforeOpen = options.beforeOpen;
  }

  /**
   * Opens the first connection now, so a bad path or file fails at start-up. It stays in the
   * file's journal mode until `acceptFirst`: a file refused by the schema check is left untouched.
   */
  openFirst(): PooledConnection {
    const conn = this.create();
    this.idle.push(conn);
    return conn;
  }

  /** Opens the first connection on an in-memory copy of the file (a readonly archive). */
  openFirstFromSnapshot(bytes: Buffer): PooledConnection {
    this.snapshot = bytes;
    return this.openFirst();
  }

  /**
   * The source passed its checks. A writable file it may write switches to WAL (persistent in
   * the file); one whose writes are refused (e.g. a newer schema) keeps its journal mode.
   */
  acceptFirst(conn: PooledConnection, writable: boolean): void {
    this.wal = writable && !this.spec.readonly;
    if (this.wal) {
      conn.db.pragma('journal_mode = WAL');
      // What better-sqlite3 gives any connection to a WAL file: durable across a crash of the
      // process; the last commits may be lost only to a power cut. Set so every connection agrees.
      conn.db.pragma('synchronous = NORMAL');
    }
    // No blocking busy wait once open: it would hold every read of the worker behind a write
    // waiting for another process's lock. The worker retries SQLITE_BUSY with back-off instead.
    conn.db.pragma('busy_timeout = 0');
  }

  /** A connection now if one is idle or may be opened, else null (all are reserved). */
  tryAcquire(): PooledConnection | null {
    let conn = this.idle.pop();
    if (conn === undefined) {
      if (this.all.length >= this.spec.poolSize) return null;
      conn = this.create();
    }
    this.counters.connectionsAcquired++;
    return conn;
  }

  /** Waits for a connection when every one is reserved by a transaction. */
  acquire(): PooledConnection | Promise<PooledConnection> {
    const conn = this.tryAcquire();
    if (conn !== null) return conn;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(conn: PooledConnection): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.counters.connectionsAcquired++;
      waiter(conn);
    } else {
      this.idle.push(conn);
    }
  }

  stats(): PoolStats {
    return { ...this.counters, connectionsOpen: this.all.length, unavailable: null };
  }

  close(): void {
    for (const conn of this.all) conn.db.close();
    this.all.length = 0;
    this.idle.length = 0;
  }

  private create(): PooledConnection {
    const first = this.all.length === 0;
    if (!first) this.beforeOpen?.();
    const conn = new PooledConnection(this, this.spec, this.wal, this.mustExist, this.snapshot);
    if (!first) conn.db.pragma('busy_timeout = 0'); // see acceptFirst
    this.mustExist = true;
    this.all.push(conn);
    this.counters.connectionsOpened++;
    return conn;
  }
}
