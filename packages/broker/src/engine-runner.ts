/**
 * What the one worker shell (worker-shell.ts) needs from an engine, inside a source's worker. The shell owns
 * the data port, batches and late answers, the transaction map, the watchdog marks, write refusal, the
 * per-call deadline and error serialisation; an engine's runner owns its driver, its pool and how one
 * request runs on it. Each engine's worker entry is `serveSource(new XRunner())`.
 *
 * DRAFT (step 1 of the plug-in work): the shell's author may refine it; every engine implements it.
 */
import type { DatabaseError } from '@pkg/errors';
import type { CommonSourceSpec } from './engine.js';
import type { FileIdentity } from './file-identity.js';
import type { Operation, PrepareResult } from './operation.js';
import type { OpenOptions, PoolStats, WorkerRequest } from './protocol.js';

/**
 * A request that waits for the source's own state (an open transaction, a free connection, another
 * process's lock) rather than for a server: the shell answers it on its own (a LateAnswer), so a batch is
 * never held back by what a later batch must bring. `holdsBacklog`: later requests outside a transaction
 * queue behind it, keeping their order.
 */
export class Waiting<T = unknown> {
  constructor(
    readonly settled: Promise<T>,
    readonly holdsBacklog: boolean,
  ) {}
}

/** What a runner's call gives back: the answer now, in flight (a server engine), or waiting (see Waiting). */
export type RunnerResult<T> = T | Promise<T> | Waiting<T>;

export interface EngineRunner<Spec extends CommonSourceSpec = CommonSourceSpec, Tx = unknown> {
  /**
   * Opens the source's connections; resolves with the connection the operations module's prepare hook
   * gets. Rejects with the engine's typed open error (SOURCE_OPEN_FAILED ...).
   */
  open(spec: Spec, options: OpenOptions): Promise<unknown>;
  /** After the prepare hook accepted the source (SQLite: switch to WAL, probe that writes work). */
  accepted?(prepared: PrepareResult): void;
  /** The file opened (device, inode), for a restarted worker to check; null for server engines. */
  identity(): FileIdentity | null;
  /**
   * Server engines: every call settles within this many ms (timeout + margin); past it the shell answers
   * it with `deadlineError`, which also abandons the connection it waited on. Undefined: no deadline (a
   * synchronous engine is stopped by the main thread's watchdog instead).
   */
  readonly deadlineMs?: number;
  deadlineError?(req: WorkerRequest, tx: Tx | undefined): DatabaseError;
  /** Called once at the start of every batch (SQLite checks the file's identity once per batch). */
  beginBatch?(): void;
  /** One operation call; `tx` when it belongs to an open transaction. */
  runOperation(name: string, op: Operation<unknown, unknown>, args: unknown, tx: Tx | undefined): RunnerResult<unknown>;
  /** Optional: consecutive calls of a read with `planMany`, answered at once; undefined to run them one by one. */
  runMany?(name: string, op: Operation<unknown, unknown>, args: unknown[]): unknown[] | undefined;
  /** Raw SQL (db.query, tx.query, tx.execute's statement). */
  runSql(req: Extract<WorkerRequest, { type: 'sql' }>, tx: Tx | undefined): RunnerResult<unknown>;
  begin(): RunnerResult<Tx>;
  end(tx: Tx, how: 'commit' | 'rollback'): RunnerResult<void>;
  /** A driver's or server's error as the library's typed error; `what` names the request. */
  toError(e: unknown, what: string): DatabaseError;
  stats(): PoolStats;
  close(): void | Promise<void>;
}
