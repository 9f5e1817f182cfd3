/**
 * The router's back end: one `SourceClient` (and so one worker) per source. The main thread
 * only routes and enqueues; every SQLite call runs in the source's worker.
 */
import { ConfigError, TransactionTimeoutError, UnknownSourceError } from '@pkg/errors';
import type { SourceSpec } from './engines/registry.js';
import type { ArgsOf, OperationMap, ResultOf } from './operation.js';
import type { SqlMode } from './protocol.js';
import { SourceClient, type SourceState, type SourceStats } from './source-client.js';
import { DEFAULT_SPIN_US } from './spin.js';
import { validateBrokerArguments } from './validate-options.js';

export interface BrokerOptions {
  /** Batches each source may have in flight at once (default 2: one running, one on the wire). */
  maxBatchesInFlight?: number;
  /**
   * Stop a source's worker once it has had nothing to do (no call, no open transaction) for this long;
   * its next call starts it again. Default: never (an open idle source keeps its worker: ~10 MB, ~20 MB once it has served reads).
   */
  stopIdleWorkerAfterMs?: number;
  /**
   * For this many microseconds after its last batch or answer, each source's worker keeps polling instead of
   * parking (SQLite: its data port; server engines: its event loop, so its sockets too), so a call made right
   * after an answer skips the worker's wake-ups (one call in flight). Only in workers, never on the main
   * thread; adaptive: a worker whose spins keep finding nothing stops spinning for a while. It costs worker
   * CPU (see docs/benchmarks.md). Default 0: off.
   */
  spinUs?: number;
}

/** Calls bound to one reserved connection of one source, inside `Broker.transaction`. */
export interface BrokerTransaction<Ops extends OperationMap> {
  readonly source: string;
  call<K extends keyof Ops & string>(op: K, args: ArgsOf<Ops[K]>): Promise<ResultOf<Ops[K]>>;
  query(sql: string, params?: unknown[], mode?: SqlMode, options?: { readOnly?: boolean }): Promise<unknown>;
}

/** `starting`: its worker is opening the source; `failed`: it could not. */

export class Broker<Ops extends OperationMap = OperationMap> {
  private readonly clients = new Map<string, SourceClient>();
  private readonly options: BrokerOptions;
  /** Sources being replaced: their calls wait for the new client (see `replaceSource`). */
  private readonly replacing = new Map<string, Promise<SourceClient>>();

  /** Throws ConfigError (CONFIG_INVALID) naming each bad option and its range; nothing else. */
  constructor(specs: readonly SourceSpec[], options: BrokerOptions = {}) {
    validateBrokerArguments(specs, options);
    this.options = options;
    for (const spec of specs) this.clients.set(spec.name, this.createClient(spec));
  }

  /** Throws ConfigError (CONFIG_INVALID) for specs `addSource` / `replaceSource` would refuse. */
  checkSources(specs: readonly SourceSpec[]): void {
    validateBrokerArguments(specs, this.options);
  }

  /** Starts a source that is not configured yet; resolves when it is open (rejects as `ready` would). */
  addSource(spec: SourceSpec): Promise<void> {
    try {
      this.checkSources([spec]);
      if (this.clients.has(spec.name) || this.replacing.has(spec.name)) {
        throw new ConfigError([
          { key: spec.name, message: `source "${spec.name}" exists already.`, fix: 'use replaceSource to change it.' },
        ]);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const client = this.createClient(spec);
    this.clients.set(spec.name, client);
    return client.whenReady();
  }

  /**
   * Takes a source out: new calls for it fail with UNKNOWN_SOURCE at once, the calls it holds
   * finish (its open transactions too), then its connections close and its worker ends.
   */
  async removeSource(name: string): Promise<void> {
    const client = this.clients.get(name) ?? (await this.replacing.get(name));
    if (client === undefined) throw new UnknownSourceError(name, this.sourceNames);
    if (this.clients.get(name) === client) this.clients.delete(name);
    await client.close();
  }

  /**
   * Swaps a source's spec (another file, readonly flag, pool...). The old worker first finishes the
   * calls it holds and closes; calls made meanwhile wait, then go to the new worker, in order.
   * Resolves when the new source is open.
   */
  async replaceSource(spec: SourceSpec): Promise<void> {
    this.checkSources([spec]);
    const old = this.clients.get(spec.name);
    if (old === undefined) throw new UnknownSourceError(spec.name, this.sourceNames);
    this.clients.delete(spec.name);
    const next = old
      .close()
      .catch(() => undefined)
      .then(() => {
        const client = this.createClient(spec);
        this.clients.set(spec.name, client);
        this.replacing.delete(spec.name);
        return client;
      });
    this.replacing.set(spec.name, next);
    await (await next).whenReady();
  }

  /** Where a source's worker is (asking never starts it); undefined for a name not (or not yet again) configured. */
  sourceState(name: string): SourceState | undefined {
    return this.clients.get(name)?.openState;
  }

  /** Lazy: the client starts its worker on its first call (or `ready()`), not here. */
  private createClient(spec: SourceSpec): SourceClient {
    return new SourceClient(spec, {
      maxBatchesInFlight: this.options.maxBatchesInFlight ?? 2,
      stopIdleAfterMs: this.options.stopIdleWorkerAfterMs ?? null,
      spinUs: this.options.spinUs ?? DEFAULT_SPIN_US,
    });
  }

  /** A call for a source being replaced waits for its new client; any other unknown name is refused. */
  private later<T>(source: string, send: (client: SourceClient) => Promise<T>): Promise<T> {
    const next = this.replacing.get(source);
    if (next === undefined) return Promise.reject(new UnknownSourceError(source, this.sourceNames));
    return next.then(send);
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
    if (client === undefined) return this.later(source, (c) => c.call({ type: 'op', op, args })) as never;
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
    const req = { type: 'sql', sql, params, mode, readOnly: options.readOnly } as const;
    if (client === undefined) return this.later(source, (c) => c.call(req));
    return client.call(req);
  }

  /**
   * Runs `fn` on one reserved connection of `source` inside BEGIN ... COMMIT; a throw rolls back.
   * Writes from outside the transaction wait for it to end (and outside calls issued after such a
   * write wait behind it, keeping their order); other outside reads go on on other connections.
   */
  async transaction<T>(source: string, fn: (tx: BrokerTransaction<Ops>) => Promise<T>): Promise<T> {
    const client = this.clients.get(source) ?? (await this.replacing.get(source));
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
    await Promise.all([...this.replacing.values()]);
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
