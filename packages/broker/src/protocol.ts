/**
 * The typed protocol between the main thread and a source worker. Two paths:
 * - control plane (Comlink, `SourceWorkerApi`): open, poolStats, close; rare, so typed RPC is worth its cost;
 * - data plane (a dedicated MessagePort handed over in `open`): `BatchMessage` one way, `BatchOutcome` and
 *   `LateAnswer` back. Every call travels here: Comlink cost ~22 us per message (a Proxy, a UUID and a
 *   FinalizationRegistry entry per remote call), this path one postMessage each way.
 * Both sides import this module; no method name or payload travels unchecked.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '@pkg/errors';
import type { SourceSpec } from './engines/registry.js';
import type { FileIdentity } from './file-identity.js';
import type { PackedRows } from './row-packing.js';

/** One request in a batch. Batches keep their order: a transaction's calls run in sequence. */
export type WorkerRequest =
  | { type: 'op'; op: string; args: unknown; tx?: number }
  | { type: 'sql'; sql: string; params: unknown[]; mode: SqlMode; tx?: number; readOnly?: boolean }
  | { type: 'begin' }
  | { type: 'commit'; tx: number }
  | { type: 'rollback'; tx: number };

export type SqlMode = 'run' | 'all' | 'get';

/**
 * Requests that belong to an open transaction. They never wait behind other work: the
 * transaction is already admitted, and whatever waits for it to end is waiting on them.
 */
export function isTransactionBound(req: WorkerRequest): boolean {
  return (
    req.type === 'commit' ||
    req.type === 'rollback' ||
    ((req.type === 'op' || req.type === 'sql') && req.tx !== undefined)
  );
}

/** A request as error messages name it: the operation, the SQL text, or begin/commit/rollback. */
export function describeRequest(req: WorkerRequest): string {
  return req.type === 'op' ? req.op : req.type === 'sql' ? `SQL "${req.sql}"` : req.type;
}

/** An error already in its wire form (a worker rethrows one it was given, e.g. a source's refuseWrites). */
export function isSerializedError(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && 'code' in e && 'details' in e && !(e instanceof Error);
}

/**
 * Main thread to worker, on the data port: run these requests in order. An operation call outside a
 * transaction (nearly every call) travels as its arguments alone, its operation named by index into `names`:
 * no `{ type, op, args }` wrapper and no operation name per call to clone (see `encodeBatch`).
 */
export interface BatchMessage {
  batch: number;
  /** Per request: the arguments of an operation call outside a transaction, else the whole request. */
  requests: unknown[];
  /** Per request: its operation's index in `names`, or -1 for a request sent whole; null when every one is. */
  ops: number[] | null;
  names: string[];
}

/** The batch message for `requests` (main thread). */
export function encodeBatch(batch: number, requests: readonly WorkerRequest[]): BatchMessage {
  const sent: unknown[] = [];
  const ops: number[] = [];
  const names: string[] = [];
  let lastName = '';
  let lastIndex = -1;
  let whole = 0;
  for (const req of requests) {
    if (req.type !== 'op' || req.tx !== undefined) {
      sent.push(req);
      ops.push(-1);
      whole++;
      continue;
    }
    if (req.op !== lastName) {
      lastName = req.op;
      lastIndex = names.indexOf(req.op);
      if (lastIndex < 0) lastIndex = names.push(req.op) - 1;
    }
    sent.push(req.args);
    ops.push(lastIndex);
  }
  return whole === requests.length
    ? { batch, requests: sent, ops: null, names }
    : { batch, requests: sent, ops, names };
}

/** The requests of a batch message (worker). */
export function decodeBatch(message: BatchMessage): WorkerRequest[] {
  const { ops, names, requests } = message;
  if (ops === null) return requests as WorkerRequest[];
  const out: WorkerRequest[] = [];
  for (let i = 0; i < requests.length; i++) {
    const op = ops[i] as number;
    out.push(op < 0 ? (requests[i] as WorkerRequest) : { type: 'op', op: names[op] as string, args: requests[i] });
  }
  return out;
}

/**
 * A batch's answers: one value per request, and the failures beside them (usually none).
 * Flat on purpose: no wrapper object per call to copy across the thread boundary.
 */
export interface BatchOutcome {
  batch: number;
  values: unknown[];
  /** [index of the request, its error], or null when every request succeeded. */
  errors: Array<[number, SerializedError]> | null;
  /**
   * Requests that had to wait (a write behind an open transaction, a second BEGIN): answered
   * later, one `LateAnswer` each, so a batch never holds back the answers a transaction needs.
   */
  late: number[] | null;
  /** Values sent as packed rows (see row-packing.ts), or absent when none was. */
  rows?: PackedRows;
}

/**
 * The answer to a request listed in `BatchOutcome.late`, posted on the data port after its batch's
 * reply (the main thread still accepts one that arrives first).
 */
export interface LateAnswer {
  lateAnswer: true;
  batch: number;
  index: number;
  value?: unknown;
  error?: SerializedError;
}

/** What the worker posts on the data port. */
export type DataAnswer = BatchOutcome | LateAnswer;

export function isLateAnswer(message: DataAnswer): message is LateAnswer {
  return (message as LateAnswer).lateAnswer === true;
}

export interface PoolStats {
  /** Connections opened since the worker started. */
  connectionsOpened: number;
  /** Times a connection was taken from the pool for a call. */
  connectionsAcquired: number;
  /** Connections currently open. */
  connectionsOpen: number;
  /** Prepared statements compiled (each is reused afterwards). */
  statementsPrepared: number;
  /**
   * Statements dropped from the bounded statement cache (least recently used first, 500
   * per SQLite connection / per PostgreSQL source): many distinct raw SQL texts. One that comes back is prepared again.
   */
  statementsEvicted: number;
  /** Why the source refuses every call (its file was deleted or replaced: SOURCE_UNAVAILABLE), or null. */
  unavailable: string | null;
  /** Engines with read replicas (PostgreSQL `replicas`): one entry per replica, in the configured order. */
  replicas?: ReplicaStats[];
  /** Reads outside transactions that the primary served while replicas are configured (not read, or not caught up). */
  primaryReads?: number;
}

/** One read replica of a source, as `db.stats()[source].replicas` reports it. */
export interface ReplicaStats {
  /** The replica's URL without a password. */
  location: string;
  /** Reads it served since the worker started. */
  reads: number;
  /**
   * How far behind the primary it is, in ms: how long ago the primary was first seen at a WAL position the
   * replica has not replayed yet (0: it has replayed everything seen). Null: not known (never reached).
   */
  lagMs: number | null;
  /** `ok`: may serve reads; `lagging`: further behind than max-replica-lag; `failed`: its last poll failed (retried). */
  state: ReplicaState;
}

export type ReplicaState = 'ok' | 'lagging' | 'failed';

/** Errors travel as data: Comlink would keep only an Error's message. */
export type OpenOutcome =
  | { ok: true; writesRefused: SerializedError | null; identity: FileIdentity | null }
  | { ok: false; error: SerializedError };

export interface OpenOptions {
  /**
   * Set for every open but a source's first: a restarted worker must find the file it had, never
   * create a fresh one where it vanished; `identity` is that file's (device, inode).
   */
  mustExist: boolean;
  identity: FileIdentity | null;
  /** Shared with the main thread's watchdog (see watchdog.ts). */
  watchdog: SharedArrayBuffer;
  /** The data plane: `BatchMessage` in, `DataAnswer` out (transferred to the worker). */
  dataPort: MessagePort;
  /** How long the worker checks its data port for the next batch before parking (µs; 0: never). See spin.ts. */
  spinUs: number;
}

/** What the main thread may ask of a source worker over Comlink (the control plane). */
export interface SourceWorkerApi {
  /** Opens the source; from then on the worker answers `BatchMessage`s on `options.dataPort`. */
  open(spec: SourceSpec, options: OpenOptions): Promise<OpenOutcome>;
  poolStats(): PoolStats;
  close(): void;
}
