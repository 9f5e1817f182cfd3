/**
 * What the one worker shell (worker-shell.ts) needs from an engine, inside a source's worker. Each engine's
 * worker entry is `serveSource(new XRunner())`.
 *
 * The shell owns: Comlink (open, poolStats, close), the data port, the batch loop (answers in the batch,
 * late answers, the backlog), the transaction ids, the watchdog marks, write refusal (the prepare hook's
 * `refuseWrites`, an unknown operation), the per-call deadline, one call at a time per transaction, loading
 * the operations module and calling its prepare hook, and error serialisation.
 * The runner owns: its driver and pool, how one request runs on them, and its driver's errors.
 *
 * What a runner's call gives back tells the shell how to answer it:
 * - a value (or a synchronous throw): answered in the batch's reply, with no promise on the way;
 * - a Promise: in flight on a server; the batch's reply waits for it (a transaction's call is answered
 *   on its own instead, see `isTransactionBound`);
 * - a `Waiting`: it waits for the source's own state (an open transaction, a free connection, another
 *   process's lock), answered on its own (a LateAnswer), so a batch never holds back what a transaction needs.
 */
import type { DatabaseError } from '@pkg/errors';
import type { EngineName, EngineTypes, SpecOf } from './engines/registry.js';
import type { FileIdentity } from './file-identity.js';
import type { Operation, PrepareResult } from './operation.js';
import type { OpenOptions, PoolStats, WorkerRequest } from './protocol.js';

/**
 * A call that waits for the source's own state (see the header). `holdsBacklog`: the requests outside a
 * transaction that come after it queue behind it, keeping their order (SQLite: a write behind an open
 * transaction, a BEGIN behind another).
 */
export class Waiting<T = unknown> {
  constructor(
    readonly settled: Promise<T>,
    readonly holdsBacklog: boolean,
  ) {}
}

/** What a runner's call gives back: the answer now, in flight (a server engine), or waiting (see Waiting). */
export type RunnerResult<T> = T | Promise<T> | Waiting<T>;

/** Runs `fn` as the call that was being run when it was made: watchdog marks, and a fresh pass (`beginPass`). */
export type Resume = <R>(fn: () => R) => R;

/** What the shell offers a runner (handed to `open`). */
export interface RunnerHost {
  /**
   * For work a runner resumes later, after a wait (a lock, a connection, the end of a transaction): call it
   * synchronously inside the runner's call; the `Resume` it gives marks the resumed work as that call.
   */
  resumeLater(): Resume;
}

/**
 * One engine's runner. `E`: the engine (its spec, and the connection its prepare hook gets);
 * `Tx`: what the runner holds for an open transaction (the shell maps transaction ids to it).
 */
export interface EngineRunner<E extends EngineName = EngineName, Tx = unknown> {
  readonly engine: E;
  /**
   * Opens the source's connections; resolves with the connection the operations module's prepare hook
   * gets. May throw anything: `openFailed` turns it into the open's error.
   */
  open(spec: SpecOf<E>, options: OpenOptions, host: RunnerHost): Promise<EngineTypes[E]['connection']>;
  /** After the prepare hook accepted the source (SQLite: switch to WAL, probe that writes work). May throw. */
  accepted?(prepared: PrepareResult): void;
  /**
   * The open threw, or the operations module's import (before `open`), its prepare hook or `accepted` did:
   * free what `open` took (if it ran); resolves with the open's error, in the engine's terms.
   */
  openFailed(e: unknown, spec: SpecOf<E>): DatabaseError | Promise<DatabaseError>;
  /** The file opened (device, inode), for a restarted worker to check; null for server engines. */
  identity(): FileIdentity | null;
  /**
   * Server engines: every call not answered at once settles within this many ms (the source's timeout plus a
   * margin); past it the shell answers it with `deadlineError`. Undefined: no deadline (a synchronous engine
   * is stopped by the main thread's watchdog instead).
   */
  readonly deadlineMs?: number;
  /**
   * A call past `deadlineMs`: its connection is no longer trusted (the runner may end it: `tx` when the call
   * is a transaction's operation or SQL; `write` when it writes outside a transaction).
   */
  deadlineError?(req: WorkerRequest, tx: Tx | undefined, write: boolean): DatabaseError;
  /**
   * Server engines: whether a rejection nobody observed is only a lost connection. During an outage a driver can
   * leave a connection attempt's rejection unobserved; it belongs to a connection, not to a call (every call still
   * settles by its own deadline and the pool reconnects), so the shell ignores it instead of letting the worker die
   * (33 calls in flight got SOURCE_CRASHED once, under load). Any other unobserved rejection still ends the worker.
   */
  isConnectionLost?(reason: unknown): boolean;
  /** At the start of every synchronous pass: a batch, or work resumed after a wait (SQLite: one file check per pass). */
  beginPass?(): void;
  /**
   * One operation call, `tx` when it belongs to an open transaction (the shell has already refused a write on
   * a source that refuses writes, and runs a transaction's calls one at a time).
   */
  runOperation(name: string, op: Operation<unknown, unknown>, args: unknown, tx: Tx | undefined): RunnerResult<unknown>;
  /**
   * Optional: consecutive calls (2 to 64) of a read with `planMany`, outside a transaction, answered at once.
   * Returns their answers in order, or undefined (or throws) to have them run one by one.
   */
  runMany?(name: string, op: Operation<unknown, unknown>, args: unknown[]): unknown[] | undefined;
  /** Raw SQL (db.query, tx.query, a statement of db.execute). */
  runSql(req: Extract<WorkerRequest, { type: 'sql' }>, tx: Tx | undefined): RunnerResult<unknown>;
  begin(): RunnerResult<Tx>;
  /** COMMIT or ROLLBACK; the shell has already forgotten the transaction's id. */
  end(tx: Tx, how: 'commit' | 'rollback'): RunnerResult<void>;
  /** A driver's or server's error as the library's typed error; `what` names the request. */
  toError(e: unknown, what: string): DatabaseError;
  stats(): PoolStats;
  /** Rolls back the transactions still open (`open`) and closes the connections. */
  close(open: readonly Tx[]): void | Promise<void>;
}
