/**
 * The router's back end: one `SourceClient` (and so one worker) per source. The main thread
 * only routes and enqueues; every SQLite call runs in the source's worker.
 */
import { TransactionTimeoutError, UnknownSourceError } from '@pkg/errors';
import type { ArgsOf, OperationMap, ResultOf, SourceSpec } from './operation.js';
import type { SqlMode } from './protocol.js';
import { SourceClient, type SourceStats } from './source-client.js';
import { validateBrokerArguments } from './validate-options.js';

export interface BrokerOptions {
  /** Batches each source may have in flight at once (default 2: one running, one on the wire). */
  maxBatchesInFlight?: number;
  /**
   * Stop a source's worker once it has had nothing to do (no call, no open transaction) for this long;
   * its next call starts it again. Default: never (an open idle source keeps its worker, ~11 MB).
   */
  stopIdleWorkerAfterMs?: number;
}

/** Calls bound to one reserved connection of one source, inside `Broker.transaction`. */
export interface BrokerTransaction<Ops extends OperationMap> {
  readonly source: string;
  call<K extends keyof Ops & string>(op: K, args: ArgsOf<Ops[K]>): Promise<ResultOf<Ops[K]>>;
  query(sql: string, params?: unknown[], mode?: SqlMode, options?: { readOnly?: boolean }): Promise<unknown>;
}

export class Broker<Ops extends OperationMap = OperationMap> {
  private readonly clients = new Map<string, SourceClient>();

  /** Throws ConfigError (CONFIG_INVALID) naming each bad option and its range; nothing else. */
  constructor(specs: readonly SourceSpec[], options: BrokerOptions = {}) {
    validateBrokerArguments(specs, options);
    const maxBatchesInFlight = options.maxBatchesInFlight ?? 2;
    const stopIdleAfterMs = options.stopIdleWorkerAfterMs ?? null;
    for (const spec of specs) {
      this.clients.set(spec.name, new SourceClient(spec, { maxBatchesInFlight, stopIdleAfterMs }));
    }
  }

  get sourceNames(): string[] {
    return [...this.clients.keys()];
  }

  /** Resolves when every source is open; rejects with the first source's failure. */
  async ready(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.whenReady()));
  }

  call<K extends keyof Ops & string>(source: string, op: K, args: ArgsOf<Ops[K]>): Promise<ResultOf<Ops[K]>> {
    const client = this.clients.get(source);
    if (client === undefined) return Promise.reject(new UnknownSourceError(source, this.sourceNames));
    return client.call({ type: 'op', op, args }) as Promise<ResultOf<Ops[K]>>;
  }

  /**
   * Raw SQL on a source: the driver-level escape hatch (the domain API lives in operations).
   * With `readOnly`, a statement that would write is refused before it runs.
   */
  query(
    source: string,
    sql: string,
    params: unknown[] = [],
    mode: SqlMode = 'all',
    options: { readOnly?: boolean } = {},
  ): Promise<unknown> {
    const client = this.clients.get(source);
    if (client === undefined) return Promise.reject(new UnknownSourceError(source, this.sourceNames));
    return client.call({ type: 'sql', sql, params, mode, readOnly: options.readOnly });
  }

  /**
   * Runs `fn` on one reserved connection of `source` inside BEGIN ... COMMIT; a throw rolls back.
   * Writes from outside the transaction wait for it to end (and outside calls issued after such a
   * write wait behind it, keeping their order); other outside reads go on on other connections.
   */
  async transaction<T>(source: string, fn: (tx: BrokerTransaction<Ops>) => Promise<T>): Promise<T> {
    const client = this.clients.get(source);
    if (client === undefined) throw new UnknownSourceError(source, this.sourceNames);
    const id = (await client.call({ type: 'begin' })) as number;
    const timeoutMs = client.spec.transactionTimeoutMs;
    // Past the limit the transaction is rolled back; `fn`'s later calls fail with this error.
    let expired: TransactionTimeoutError | null = null;
    const tx: BrokerTransaction<Ops> = {
      source,
      call: (op, args) =>
        expired !== null
          ? Promise.reject(expired)
          : (client.call({ type: 'op', op, args, tx: id }) as Promise<ResultOf<Ops[typeof op]>>),
      query: (sql, params = [], mode = 'all', options = {}) =>
        expired !== null
          ? Promise.reject(expired)
          : client.call({ type: 'sql', sql, params, mode, tx: id, readOnly: options.readOnly }),
    };
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = new TransactionTimeoutError(source, timeoutMs);
        reject(expired);
      }, timeoutMs);
      // A transaction nobody awaits any more must not keep the process alive on its own.
      timer.unref();
    });
    let result: T;
    try {
      result = await Promise.race([fn(tx), expiry]);
    } catch (e) {
      clearTimeout(timer);
      await client.call({ type: 'rollback', tx: id }).catch(() => undefined);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    await client.call({ type: 'commit', tx: id });
    return result;
  }

  async stats(): Promise<Record<string, SourceStats>> {
    const entries = await Promise.all([...this.clients].map(async ([name, c]) => [name, await c.stats()] as const));
    return Object.fromEntries(entries);
  }

  /** Drains queued calls, closes every connection and ends every worker. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
