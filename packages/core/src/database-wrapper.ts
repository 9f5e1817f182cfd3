/**
 * The bot's data layer. Each configured source runs in its own worker (see @pkg/broker);
 * this class only decides where a call goes and forwards it.
 */
import {
  Broker,
  type BrokerOptions,
  type ResultOf,
  type SourceSpec,
  type SourceStats,
  sourceLocation,
} from '@pkg/broker';
import {
  CROSS_SOURCE_DEFAULTS,
  type DatabaseConfig,
  type DatabaseConfigInput,
  validateDatabaseConfig,
} from '@pkg/config';
import {
  ChatMovingError,
  ConfigError,
  DatabaseError,
  type ErrorCode,
  InvalidArgumentError,
  SourceClosedError,
} from '@pkg/errors';
import { CacheOutages } from './cache-outages.js';
import { withCallerStack } from './caller-stack.js';
import { type ConfigWatcher, type WatchConfigOptions, watchConfigFile } from './config-watcher.js';
import type { CrossSourcePart, SkippedSource } from './cross-source.js';
import { DataApi, type OpName } from './data-api.js';
import { FENCE_MARKER } from './engines/tools.js';
import { ENGINE_TOOLS } from './engines/tools-registry.js';
import { ErrorCounts } from './error-counts.js';
import { type Log, type Logger, toLog } from './logging.js';
import type { CoreOperations } from './operations/index.js';
import { moveChatOnline } from './placement/mover.js';
import { PlacementCache } from './placement/placement-cache.js';
import { systemSourceOf } from './placement/sides.js';
import { MOVE_TIMEOUT_MS, POLL_MS } from './placement/timing.js';
import type { MoveChatOptions, MoveChatResult } from './placement/types.js';
import { type PlacementLookup, type RouteDecision, type RouteRequest, Router } from './router.js';
import { checkServed, servesAll } from './served.js';
import { checkRecordedMembership, membershipRecord, refuseRehashing } from './shard-membership.js';
import {
  countOf,
  SHARD_CHATS_SQL,
  SHARD_FIGURES_MAX_AGE_MS,
  SHARD_ROWS_SQL,
  type ShardFigures,
} from './shard-stats.js';
import { planSources, sourceSpecs } from './source-specs.js';
import { Transaction } from './transaction.js';
import type { ChatMessage } from './types.js';
import { checkOptions, checkQueryArgs, checkRouteArgs, checkTransactionArgs } from './validation/index.js';

interface CommonOptions {
  /** Tuning of the per-source call path (batches in flight). */
  broker?: BrokerOptions;
  logger?: Logger;
}

/** The existing bot's constructor: one writable file, as source "default". */
export interface LegacyOptions extends CommonOptions {
  dbPath: string;
  /** Connections in the pool (default 5). */
  maxConnections?: number;
  /** Busy timeout in seconds (default 30). */
  timeout?: number;
  config?: undefined;
}

/** Several sources, routed by chat. */
export interface MultiSourceOptions extends CommonOptions {
  config: DatabaseConfigInput | DatabaseConfig;
  /** Folder relative source paths resolve against (default: the current directory). */
  baseDir?: string;
  dbPath?: undefined;
}

export type DatabaseWrapperOptions = LegacyOptions | MultiSourceOptions;

/** What routing did around sources that could not answer, per source (added to `stats()`). */
export interface RoutingStats {
  /** Reads routed to this source (by chatMapping or dataSource) that the default source answered instead. */
  fallbackReads: number;
  /** Cross-source reads that left this source out. */
  skippedReads: number;
}

/** One source in `db.stats()`: the broker's counters, routing's, and the wrapper's. */
export interface DatabaseSourceStats extends SourceStats, RoutingStats {
  /** Failed calls by error code (counted at the wrapper, routing refusals included). */
  errorsByCode: Record<string, number>;
  /** A cache source (Redis): reads answered as misses because it could not be reached (on-unavailable = "miss"). */
  unavailableReads?: number;
  /**
   * `not started`: no worker has the source open: none started yet (a worker starts on its source's
   * first call), it stopped when idle (`broker.stopIdleWorkerAfterMs`), or it is still opening;
   * `unavailable`: it could not open, or its file went away.
   */
  state: 'running' | 'not started' | 'unavailable';
  /** A shard's chats and rows, as last measured (`db.shardStats()`; `stats()` refreshes them in the background). */
  shard?: ShardFigures;
}

/** How `reconfigure` may change the running sources. */
export interface ReconfigureOptions {
  /**
   * Remove a source although chats are mapped to it in the running configuration (their mapping goes
   * with it, so their writes go to the default source from then on). Without it such a configuration
   * is refused with CONFIG_INVALID: a half-written file that lost a source must not move a chat's writes.
   */
  allowDroppingMappedSources?: boolean;
}

/** What `reconfigure` changed. */
export interface ReconfigureResult {
  added: string[];
  removed: string[];
  /** Sources whose settings changed: a new worker took over once the old one finished its calls. */
  replaced: string[];
}

export interface TransactionScope {
  /** A chat whose source the transaction runs on. */
  chatId?: number;
  /** Or a source by name (a readonly source allows a read-only transaction). */
  dataSource?: string;
}

export class DatabaseWrapper extends DataApi {
  /** Swapped whole by `reconfigure`, between calls: a call routes by one configuration or the next. */
  private router: Router;
  private current: DatabaseConfig;
  private specs: SourceSpec[];
  private readonly baseDir: string | undefined;
  private readonly broker: Broker<CoreOperations>;
  private readonly log: Log;
  /** Filled only when a source fails to answer: a normal call never touches it. */
  private readonly degraded = new Map<string, RoutingStats>();
  private readonly errors = new ErrorCounts();
  private readonly cacheOutages: CacheOutages;
  /** Sources whose worker restart was logged in this tick: one warning per crash, not one per call. */
  private readonly restartLogged = new Set<string>();
  /** Restarts logged per source, so `stats()` can log those no failed call revealed (an idle worker's crash). */
  private readonly restartsLogged = new Map<string, number>();
  /** The reconfiguration in progress (the next one waits for it), or null. */
  private reconfiguring: Promise<unknown> | null = null;
  private readonly watchers = new Set<ConfigWatcher>();
  private closed = false;
  /** The last per-shard figures, and the measurement in progress. */
  private shardFigures: Record<string, ShardFigures> = {};
  private measuring: Promise<Record<string, ShardFigures>> | null = null;
  /** Placements set in code ahead of the recorded ones (a subclass's or a test's); normally unset. */
  protected placementLookup: PlacementLookup | undefined;
  /** The recorded placements of chats moved online (the system source's table), as this process last read them. */
  private readonly placement: PlacementCache;
  /** Chats whose final move step runs in this process: their new writes wait for it (resolved on release). */
  private readonly held = new Map<number, Promise<void>>();
  /** This process's moves in progress, one per chat at a time. */
  private readonly moving = new Map<number, Promise<unknown>>();
  private readonly releases = new Map<number, () => void>();

  constructor(options: DatabaseWrapperOptions) {
    super();
    checkOptions(options);
    this.log = toLog(options.logger);
    this.cacheOutages = new CacheOutages(this.log);
    this.placement = new PlacementCache(
      {
        system: () => {
          const source = systemSourceOf(this.current);
          const type = this.current.sources[source]?.type;
          return { source, online: type === undefined ? undefined : ENGINE_TOOLS[type].online };
        },
        query: (source, sql) => this.broker.query(source, sql, [], 'all', { readOnly: true }) as Promise<unknown[]>,
      },
      this.log,
    );
    this.baseDir = options.dbPath === undefined ? options.baseDir : undefined;
    this.current = resolveConfig(options, this.log);
    this.router = this.routerFor(this.current);
    this.specs = sourceSpecs(this.current, this.router.sourceNames);
    this.broker = new Broker<CoreOperations>(this.specs, options.broker);
    this.log.debug?.(
      { event: 'open', sources: this.specs.map((s) => s.name) },
      `sources: ${this.specs.map((s) => `${s.name}${s.readonly ? ' (readonly)' : ''} ${sourceLocation(s)}`).join(', ')}`,
    );
  }

  /** The configuration in force (normalised, absolute paths); replaced by `reconfigure`. */
  get config(): DatabaseConfig {
    return this.current;
  }

  /**
   * Applies a new configuration while calls go on. Invalid (CONFIG_INVALID), it is rejected whole
   * and the running one stays. Otherwise, in one step between calls: the chat mapping and default
   * change, added sources start, and calls route by the new configuration from then on. A removed
   * source finishes the calls it holds, then closes; a source whose settings changed (path,
   * readonly, pool, limits) finishes its calls, then a new worker takes over (calls made meanwhile
   * wait for it). Resolves when all that is done; rejects with the first source that failed to
   * open (the configuration stays applied, as with `ready()`). Reconfigurations run one at a time.
   * A configuration that removes a source chats are mapped to is refused unless
   * `options.allowDroppingMappedSources` (see ReconfigureOptions).
   */
  reconfigure(
    config: DatabaseConfigInput | DatabaseConfig,
    options: ReconfigureOptions = {},
  ): Promise<ReconfigureResult> {
    const run = () => this.applyConfig(config, options);
    const outcome = this.reconfiguring === null ? run() : this.reconfiguring.then(run, run);
    const settled: Promise<unknown> = outcome.then(
      () => undefined,
      () => undefined,
    );
    this.reconfiguring = settled;
    settled.then(() => {
      if (this.reconfiguring === settled) this.reconfiguring = null;
    });
    return outcome;
  }

  /**
   * Watches a configuration file (TOML, JSON, YAML, as `loadConfig` reads it) and reconfigures when it
   * changes: `debounceMs` (default 200) after the last change event, once the file stayed unchanged for
   * `settleMs` (default 500; a half-written file is never read), waiting at most `maxSettleMs`
   * (default 30,000). A file that does not load or validate, or that removes a source chats are mapped
   * to, is logged at error and changes nothing. Stops with `watcher.close()` or `db.close()`. An option
   * out of range is not thrown: `watcher.ready` rejects with INVALID_ARGUMENT (and it is logged).
   */
  watchConfig(file: string, options: WatchConfigOptions = {}): ConfigWatcher {
    const watcher = watchConfigFile(
      file,
      options,
      (config) => this.reconfigure(config),
      this.log,
      () => this.watchers.delete(watcher),
    );
    this.watchers.add(watcher);
    return watcher;
  }

  private async applyConfig(
    input: DatabaseConfigInput | DatabaseConfig,
    options: ReconfigureOptions,
  ): Promise<ReconfigureResult> {
    if (this.closed) throw new SourceClosedError(this.router.defaultSource);
    let config: DatabaseConfig;
    let specs: SourceSpec[];
    let router: Router;
    try {
      const allowDropping = checkReconfigureOptions(options);
      const validated = validateDatabaseConfig(input, { baseDir: this.baseDir });
      config = validated.config;
      if (!allowDropping) refuseDroppingMappedSources(this.current, config);
      refuseRehashing(this.current, config);
      router = this.routerFor(config);
      specs = sourceSpecs(config, router.sourceNames);
      this.broker.checkSources(specs);
      for (const w of validated.warnings)
        this.log.warn({ event: 'config-warning', key: w.key }, `${w.key}: ${w.message}`);
    } catch (e) {
      const code = e instanceof DatabaseError ? e.code : 'CONFIG_INVALID';
      this.log.error(
        { event: 'reconfigure-rejected', code },
        `new configuration rejected, the running one stays: ${(e as Error).message}`,
      );
      throw e;
    }
    const plan = planSources(this.specs, specs);
    // A source that failed to open is tried again, even unchanged (its file may be there now).
    for (const spec of specs) {
      const unchanged = !plan.replaced.includes(spec) && !plan.added.includes(spec);
      if (unchanged && this.broker.sourceState(spec.name) === 'failed') plan.replaced.push(spec);
    }
    // From here to the router swap nothing awaits: no call sees half of the new configuration.
    const pending = [
      ...plan.added.map((s) => this.broker.addSource(s)),
      ...plan.replaced.map((s) => this.broker.replaceSource(s)),
    ];
    this.router = router;
    this.current = config;
    this.specs = specs;
    // New workers count restarts from 0 again.
    for (const name of [...plan.removed, ...plan.replaced.map((s) => s.name)]) this.restartsLogged.delete(name);
    pending.push(...plan.removed.map((name) => this.broker.removeSource(name)));
    const result: ReconfigureResult = {
      added: plan.added.map((s) => s.name),
      removed: plan.removed,
      replaced: plan.replaced.map((s) => s.name),
    };
    // The next process to start checks its configuration against this one (bounded by the source's query timeout).
    pending.push(this.recordMembership(config, false).then(() => undefined));
    this.log.info?.(
      { event: 'reconfigured', ...result },
      `configuration applied: added [${result.added}], removed [${result.removed}], replaced [${result.replaced}]`,
    );
    const failed = (await Promise.allSettled(pending)).find((o) => o.status === 'rejected');
    if (failed !== undefined) {
      const e = failed.reason as DatabaseError;
      this.log.warn(
        { event: 'reconfigure-source-failed', code: e.code, source: e.details?.source as string | undefined },
        `configuration applied, but a source did not open: ${e.message}`,
      );
      throw e;
    }
    return result;
  }

  private routerFor(config: DatabaseConfig): Router {
    const router: Router = new Router(
      config,
      (name) =>
        this.log.warn(
          { event: 'unknown-data-source', source: name, fallbackSource: router.defaultSource },
          `dataSource "${name}" names no configured source (${router.sourceNames.map((n) => `"${n}"`).join(', ')}); ` +
            `using the default source "${router.defaultSource}" instead (shown once per name). ` +
            'Fix: correct the name, or set [database] unknown-data-source = "refuse" to fail such calls with UNKNOWN_SOURCE.',
        ),
      // Read at each call: the placement cache refreshes in place, and every router built consults it.
      { placementOf: (chatId) => this.placementLookup?.(chatId) ?? this.placement.sourceOf(chatId) },
    );
    return router;
  }

  /**
   * One call to a source's worker; only a failure runs the handler (count by code, log a restart, and
   * give the error the awaiting caller's frames).
   */
  private send<K extends OpName>(source: string, op: K, args: never) {
    return this.broker.call(source, op, args).then(undefined, (e: unknown) => {
      this.failed(source, op, e);
      throw withCallerStack(e);
    });
  }

  private failed(source: string, operation: string, e: unknown): void {
    this.errors.note(source, e);
    const code = (e as { code?: unknown })?.code;
    if ((code === 'SOURCE_CRASHED' || code === 'QUERY_TIMEOUT') && !this.restartLogged.has(source)) {
      this.restartLogged.add(source);
      setImmediate(() => this.restartLogged.delete(source));
      this.restartsLogged.set(source, (this.restartsLogged.get(source) ?? 0) + 1);
      this.log.warn(
        { event: 'worker-restart', source, operation, code },
        `source "${source}": its worker was stopped (${code}) and is restarting: ${(e as Error).message}`,
      );
    }
  }

  /**
   * Starts every source and resolves when each is open (schema checked or created); rejects with the
   * first failure, so an operator notices a source that cannot open. Without it a source's worker
   * starts on its first call (a source never called costs no thread). The wrapper keeps working without it: reads
   * routed there are answered by the default source, cross-source reads skip it (both warn once),
   * and writes for its chats fail with the open error.
   */
  async ready(): Promise<void> {
    await this.broker.ready();
    // The chat placement is read once the sources are open, so the first chat call need not wait for it.
    await this.placement.refresh();
    await this.recordMembership(this.current, true);
  }

  /**
   * With a shard group: checks the hash membership an earlier process recorded on the system source (a
   * configuration that changed it in one step is refused with CONFIG_INVALID, see shard-membership.ts),
   * then records this one's.
   */
  private async recordMembership(config: DatabaseConfig, check: boolean): Promise<void> {
    const record = membershipRecord(config);
    if (record === undefined) return;
    const system = this.router.systemSource;
    if (check) {
      const recorded = await this.send(system, 'getSetting', { key: record.key } as never);
      checkRecordedMembership(config, recorded as string | null);
    }
    await this.send(system, 'setSetting', { key: record.key, value: record.value } as never);
  }

  /** Where a call with these arguments would go, and why. Throws as the call would. */
  routeFor(req: RouteRequest): RouteDecision {
    const decision = this.router.explain(checkRouteArgs(req));
    this.log.debug?.(
      { event: 'route', chatId: req.chatId, source: decision.source, reason: decision.reason },
      `route ${JSON.stringify(req)} -> ${decision.source} (${decision.reason})`,
    );
    return decision;
  }

  /** Source names, the default first. */
  get sources(): readonly string[] {
    return this.router.sourceNames;
  }

  /**
   * Runs `fn` inside one transaction on one source, on a connection reserved for it: commit when
   * `fn` resolves, rollback when it throws. Calls through `tx` that would reach another source
   * are refused with CROSS_SOURCE_TRANSACTION. Writes outside the transaction wait for it.
   */
  async transaction<T>(scope: TransactionScope, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    scope = checkTransactionArgs(scope, fn);
    // A transaction never moves to another file: an unavailable source fails it with its error.
    const router = this.router;
    const source = router.route({ chatId: scope.chatId, dataSource: scope.dataSource });
    try {
      return await this.broker.transaction(source, (btx) => fn(new Transaction(btx, router)));
    } catch (e) {
      // The caller's own errors thrown inside `fn` are not the source's.
      if (e instanceof DatabaseError) this.failed(source, 'transaction', e);
      if (scope.chatId !== undefined && isFenced(e)) {
        throw new ChatMovingError(
          scope.chatId,
          source,
          'transaction',
          0,
          'fenced in this source: run the transaction again',
        );
      }
      throw e;
    }
  }

  /**
   * Read-only SQL on one source (dataSource > chatMapping[chatId] > default), rows as its engine
   * returns them, unconverted. A statement that would write is refused with INVALID_ARGUMENT: writes go
   * through the domain methods, which keep the bot's counters and routing rules.
   */
  query(args: { sql: string; params?: unknown[]; chatId?: number; dataSource?: string }): Promise<unknown[]> {
    let source: string;
    try {
      args = checkQueryArgs(args);
      source = this.router.route({ chatId: args.chatId, dataSource: args.dataSource });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.broker
      .query(source, args.sql, args.params ?? [], 'all', { readOnly: true })
      .then(undefined, (e: unknown) => {
        this.failed(source, 'query', e);
        throw e;
      }) as Promise<unknown[]>;
  }

  /**
   * Moves one chat to source `to` while the bot runs (docs/operations.md, "Moving a chat while the bot
   * runs"): its writes are held for the final step, its rows copied and verified, its placement switched
   * in one statement, then the held writes go to `to`. Resumes a move that was interrupted.
   */
  moveChat(options: MoveChatOptions): Promise<MoveChatResult> {
    const chatId = (options as { chatId?: unknown } | null)?.chatId as number;
    const run = () =>
      moveChatOnline({
        ...options,
        config: this.current,
        hooks: {
          hold: async (chat) => {
            let release: () => void = () => undefined;
            this.held.set(
              chat,
              new Promise<void>((r) => {
                release = r;
              }),
            );
            this.releases.set(chat, release);
          },
          release: (chat, placed) => {
            this.placement.set(chat, placed);
            this.held.delete(chat);
            this.releases.get(chat)?.();
            this.releases.delete(chat);
          },
        },
      }).finally(() => this.placement.refresh());
    const before = this.moving.get(chatId);
    const outcome = before === undefined ? run() : before.then(run, run);
    const settled = outcome.then(
      () => undefined,
      () => undefined,
    );
    this.moving.set(chatId, settled);
    settled.then(() => {
      if (this.moving.get(chatId) === settled) this.moving.delete(chatId);
    });
    return outcome;
  }

  /**
   * Counters per source: calls, errors (and by code), queue, in flight, pool reuse, latency
   * percentiles, restarts, fallbacks and skips, and its state.
   */
  async stats(): Promise<Record<string, DatabaseSourceStats>> {
    const stats = await this.broker.stats();
    const out: Record<string, DatabaseSourceStats> = {};
    for (const [name, s] of Object.entries(stats)) {
      const started = this.broker.sourceState(name);
      this.logUnseenRestarts(name, s.restarts);
      const state =
        s.unavailable !== null || started === 'failed'
          ? 'unavailable'
          : started === 'running'
            ? 'running'
            : 'not started';
      out[name] = {
        ...s,
        fallbackReads: 0,
        skippedReads: 0,
        ...this.degraded.get(name),
        errorsByCode: this.errors.of(name),
        ...(servesAll(this.current, name) ? {} : { unavailableReads: this.cacheOutages.unavailableReads(name) }),
        state,
      };
      const shard = this.shardFigures[name];
      if (shard !== undefined) out[name].shard = shard;
    }
    this.refreshShardFiguresIfOld();
    return out;
  }

  /**
   * Chats and rows on each source of a shard group (one count query pair per shard), measured now, or
   * taken from a measurement younger than `maxAgeMs`. A shard that cannot answer is left out.
   */
  async shardStats(options: { maxAgeMs?: number } = {}): Promise<Record<string, ShardFigures>> {
    const maxAge = options.maxAgeMs ?? 0;
    const shards = this.shardSources();
    const fresh = shards.every((s) => {
      const f = this.shardFigures[s];
      return f !== undefined && Date.now() - Date.parse(f.measuredAt) <= maxAge;
    });
    if (fresh && maxAge > 0) return this.pick(shards);
    this.measuring ??= this.measureShards(shards).finally(() => {
      this.measuring = null;
    });
    await this.measuring;
    return this.pick(shards);
  }

  private pick(shards: string[]): Record<string, ShardFigures> {
    const out: Record<string, ShardFigures> = {};
    for (const s of shards) if (this.shardFigures[s] !== undefined) out[s] = this.shardFigures[s];
    return out;
  }

  private shardSources(): string[] {
    return this.router.sourceNames.filter((n) => this.router.groupOf(n) !== undefined);
  }

  private async measureShards(shards: string[]): Promise<Record<string, ShardFigures>> {
    await Promise.all(
      shards.map(async (dataSource) => {
        try {
          const chats = countOf(await this.query({ sql: SHARD_CHATS_SQL, dataSource }));
          const rows = countOf(await this.query({ sql: SHARD_ROWS_SQL, dataSource }));
          const group = this.router.groupOf(dataSource) as string;
          this.shardFigures[dataSource] = { group, chats, rows, measuredAt: new Date().toISOString() };
        } catch (e) {
          this.log.debug?.(
            { event: 'shard-stats-failed', source: dataSource },
            `shard figures of "${dataSource}" not measured: ${(e as Error).message}`,
          );
        }
      }),
    );
    return this.shardFigures;
  }

  /** `stats()` never waits for a count: figures older than a minute are measured again in the background. */
  private refreshShardFiguresIfOld(): void {
    if (this.measuring !== null || this.closed) return;
    const shards = this.shardSources();
    const old = shards.some((s) => {
      const f = this.shardFigures[s];
      return f === undefined || Date.now() - Date.parse(f.measuredAt) > SHARD_FIGURES_MAX_AGE_MS;
    });
    if (old) void this.shardStats().catch(() => undefined);
  }

  private logUnseenRestarts(source: string, restarts: number): void {
    const logged = this.restartsLogged.get(source) ?? 0;
    if (restarts <= logged) return;
    this.restartsLogged.set(source, restarts);
    this.log.warn(
      { event: 'worker-restart', source, restarts },
      `source "${source}": its worker was restarted ${restarts - logged} time(s) with no call in flight (seen by stats()).`,
    );
  }

  /**
   * Stops watching the configuration, drains queued calls, closes every connection and ends every
   * worker. Later calls fail with SOURCE_CLOSED.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.close();
    await this.reconfiguring;
    return this.broker.close();
  }

  /** The one routing step of every single-source call, with its debug line. Throws a refusal. */
  private routeCall(
    op: OpName,
    args: unknown,
    chatId: number | undefined,
    write: boolean,
    router: Router = this.router,
  ): string {
    // A write's dataSource reaches here only from the four system-wide writes that accept it.
    const dataSource = (args as { dataSource?: string }).dataSource;
    let source: string;
    try {
      source = router.route({ chatId, dataSource, write, operation: op });
      checkServed(this.current, source, op);
    } catch (e) {
      // A refusal counts against the source it names (READONLY_SOURCE), else the default.
      const named = (e as DatabaseError).details?.source;
      this.failed(
        this.router.sourceNames.includes(named as string) ? (named as string) : this.router.defaultSource,
        op,
        e,
      );
      throw e;
    }
    this.log.debug?.(
      { event: 'route', operation: op, chatId, source, write },
      `${op}${write ? ' (write)' : ''} chat=${chatId} -> ${source}`,
    );
    return source;
  }

  /** A chat call routed by placement waits for a fresh one when this process's copy is too old. */
  private placementDue(args: unknown, chatId: number | undefined): boolean {
    return (
      chatId !== undefined && (args as { dataSource?: string }).dataSource === undefined && this.placement.mustRefresh()
    );
  }

  /**
   * A chat call that must first wait for a fresh placement is routed afterwards, by the configuration in
   * force then (a source removed meanwhile must not receive it).
   */
  private async afterRefresh<T>(then: (router: Router) => Promise<T>): Promise<T> {
    // Awaited (not chained with .then) so a failure keeps the bot's awaiting frames (withCallerStack).
    await this.placement.refresh();
    return await then(this.router);
  }

  protected readOne<K extends OpName>(
    op: K,
    args: never,
    chatId: number | undefined,
    router: Router = this.router,
  ): Promise<Result<K>> {
    if (router === this.router && this.placementDue(args, chatId))
      return this.afterRefresh((r) => this.readOne(op, args, chatId, r));
    let source: string;
    try {
      source = this.routeCall(op, args, chatId, false, router);
    } catch (e) {
      return Promise.reject(e);
    }
    const read = this.send(source, op, args);
    // A cache source (Redis) answers its outages with misses (or its typed error): no other source's cache stands in.
    if (!servesAll(this.current, source)) return this.cacheOutages.read(this.current, source, op, read, isUnavailable);
    return source === router.defaultSource ? read : this.orDefault(read, source, op, args);
  }

  /**
   * A read of a non-default source, answered by the default source when its own cannot answer.
   * Only such reads pay for the handler; the default source has nothing to fall back to.
   */
  private orDefault<T>(read: Promise<T>, source: string, op: OpName, args: never): Promise<T> {
    return this.retriedAfterCrash(read, source, op, args).catch((e: unknown) => {
      if (!isUnavailable(e)) throw e;
      this.noteUnavailable(source, e, 'fallbackReads', op);
      return this.send(this.router.defaultSource, op, args) as Promise<T>;
    });
  }

  /**
   * A read caught in flight by a worker's death is asked once more of the restarted worker
   * (reads are safe to repeat): one crash must not send a chat's read to a file that lacks it.
   */
  private retriedAfterCrash<T>(read: Promise<T>, source: string, op: OpName, args: never): Promise<T> {
    return read.catch((e: unknown) => {
      if (!(e instanceof DatabaseError) || e.code !== 'SOURCE_CRASHED') throw e;
      return this.send(source, op, args) as Promise<T>;
    });
  }

  /** Counts a fallback or a skip, and tells the logger the first time a source cannot answer. */
  private noteUnavailable(source: string, e: DatabaseError, counter: keyof RoutingStats, operation: string): void {
    let counts = this.degraded.get(source);
    const fields = {
      event: counter === 'fallbackReads' ? 'fallback' : 'skip',
      source,
      operation,
      code: e.code,
      fallbackSource: this.router.defaultSource,
    };
    if (counts === undefined) {
      counts = { fallbackReads: 0, skippedReads: 0 };
      this.degraded.set(source, counts);
      this.log.warn(
        fields,
        `source "${source}" cannot answer (${e.code}: ${e.message}). Reads routed to it are answered by the default ` +
          `source "${this.router.defaultSource}", cross-source reads leave it out, writes for its chats fail. ` +
          `Shown once at warn (later ones at debug); stats()["${source}"].fallbackReads / skippedReads count them.`,
      );
    } else {
      this.log.debug?.(fields, `${operation}: source "${source}" cannot answer (${e.code}); ${fields.event}`);
    }
    counts[counter]++;
  }

  protected writeOne<K extends OpName>(op: K, args: never, chatId: number | undefined): Promise<Result<K>> {
    if (chatId === undefined) {
      try {
        return this.send(this.routeCall(op, args, chatId, true), op, args);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.placementDue(args, chatId)) return this.afterRefresh((r) => this.heldWrite(op, args, chatId, r));
    return this.heldWrite(op, args, chatId, this.router);
  }

  /** A chat's write waits while this process holds the chat for a move's final step. */
  private heldWrite<K extends OpName>(op: K, args: never, chatId: number, router: Router): Promise<Result<K>> {
    const held = this.held.get(chatId);
    if (held !== undefined) return boundedWait(held, MOVE_TIMEOUT_MS).then(() => this.chatWrite(op, args, chatId, 0));
    return this.chatWrite(op, args, chatId, 0, router);
  }

  /**
   * A chat's write. Refused by a fence (the chat moved, or is moving, out of that source: nothing was
   * written), it is sent again where the placement says once the placement has switched, waiting (polling,
   * bounded) while the move finishes; past the bound it fails with CHAT_MOVING.
   */
  private chatWrite<K extends OpName>(
    op: K,
    args: never,
    chatId: number,
    since: number,
    router: Router = this.router,
  ): Promise<Result<K>> {
    let source: string;
    try {
      source = this.routeCall(op, args, chatId, true, router);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.broker.call(source, op, args).then(undefined, async (e: unknown) => {
      if (!isFenced(e)) {
        this.failed(source, op, e);
        throw withCallerStack(e);
      }
      const start = since === 0 ? performance.now() : since;
      for (;;) {
        const held = this.held.get(chatId);
        if (held !== undefined) await boundedWait(held, POLL_MS * 20);
        else await new Promise((r) => setTimeout(r, POLL_MS));
        await this.placement.refresh();
        if (this.router.route({ chatId, write: true, operation: op }) !== source) break;
        const waited = Math.round(performance.now() - start);
        if (waited > MOVE_TIMEOUT_MS) {
          const error = new ChatMovingError(
            chatId,
            source,
            op,
            waited,
            'fenced there, and the placement did not switch',
          );
          this.failed(source, op, error);
          throw withCallerStack(error);
        }
      }
      return this.chatWrite(op, args, chatId, start);
    }) as Promise<Result<K>>;
  }

  /** Routed once; only messages read from a non-default source take the media lookup. */
  protected override readMessages<K extends OpName>(
    op: K,
    args: never,
    chatId: number,
    router: Router = this.router,
  ): Promise<Result<K>> {
    if (router === this.router && this.placementDue(args, chatId))
      return this.afterRefresh((r) => this.readMessages(op, args, chatId, r));
    let source: string;
    try {
      source = this.routeCall(op, args, chatId, false, router);
    } catch (e) {
      return Promise.reject(e);
    }
    const read = this.send(source, op, args);
    // Media lives on the system source: messages read there carry their media columns already.
    if (source === router.systemSource) return read;
    const answered = source === router.defaultSource ? read : this.orDefault(read, source, op, args);
    return answered.then((rows) =>
      this.fillMedia(rows as unknown as ChatMessage | ChatMessage[] | null),
    ) as typeof read;
  }

  /** Media columns of messages read from a source other than the system source, looked up where media lives. */
  private async fillMedia<R extends ChatMessage | ChatMessage[] | null>(rows: R): Promise<R> {
    const list = rows === null ? [] : Array.isArray(rows) ? rows : [rows];
    const missing = list.filter((m) => m.media_id !== null && m.media_file_unique_id === null);
    if (missing.length === 0) return rows;
    const found = await Promise.all(
      [...new Set(missing.map((m) => m.media_id as string))].map((mediaId) =>
        this.send(this.router.systemSource, 'getMediaAttachment', { mediaId } as never),
      ),
    );
    const byId = new Map(found.filter((a) => a !== null).map((a) => [a.file_unique_id, a]));
    for (const m of missing) {
      const a = byId.get(m.media_id as string);
      if (a === undefined) continue;
      m.media_file_unique_id = a.file_unique_id;
      m.media_file_id = a.file_id;
      m.media_file_size = a.file_size;
      m.media_media_type = a.media_type;
      m.media_metadata = a.metadata;
      m.media_status = a.status;
      m.media_mime_type = a.mime_type;
      m.media_local_url = a.local_url;
      m.media_prompt = a.prompt;
      m.media_description = a.description;
      m.media_created_at = a.created_at;
      m.media_updated_at = a.updated_at;
    }
    return rows;
  }

  /**
   * Every source, at most `cross-source-concurrency` at once (each may have to start its worker), each
   * answer handed to `take` as it arrives. A source that cannot answer is skipped (and reported), other
   * failures fail the read, and so does a read no source answered. After `cross-source-timeout` the read
   * answers with the sources that did; the others are skipped with QUERY_TIMEOUT. A named dataSource
   * reads that source alone, with the single-source fallback to the default.
   */
  protected async readAll<K extends OpName>(
    op: K,
    args: { dataSource?: string },
    take: (part: CrossSourcePart<never>) => void,
  ): Promise<SkippedSource[]> {
    const named = args.dataSource !== undefined && args.dataSource !== '';
    const { router, current: config } = this;
    // Every source that holds chats (not a cache source), or the one named.
    const names = named
      ? [router.route({ dataSource: args.dataSource })]
      : router.sourceNames.filter((n) => servesAll(config, n));
    if (named) checkServed(config, names[0] as string, op);
    const limit = config.crossSourceConcurrency ?? CROSS_SOURCE_DEFAULTS.crossSourceConcurrency;
    const timeoutMs = Math.round((config.crossSourceTimeout ?? CROSS_SOURCE_DEFAULTS.crossSourceTimeout) * 1000);
    const skipped: Array<SkippedSource & { index: number; error?: DatabaseError }> = [];
    /** Sources asked and not answered yet, by index. */
    const waiting = new Set<number>();
    let answered = 0;
    let next = 0;
    /** Failures other than "cannot answer": they fail the read (the first in merge order is thrown). */
    const failures: Array<{ index: number; error: unknown }> = [];
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        expired = true;
        resolve(TIMED_OUT);
      }, timeoutMs);
    });

    // Each lane asks one source at a time: at most `limit` sources (and workers started for this read) at once.
    const lane = async () => {
      while (next < names.length && failures.length === 0 && !expired) {
        const index = next++;
        const source = names[index] as string;
        waiting.add(index);
        const read = this.retriedAfterCrash(this.send(source, op, args as never), source, op, args as never);
        const outcome = await Promise.race([
          read.then(
            (rows) => ({ rows }),
            (error: unknown) => ({ error }),
          ),
          timedOut,
        ]);
        // Out of time: a late answer is dropped (a failure was counted by send()).
        if (outcome === TIMED_OUT) return;
        waiting.delete(index);
        if ('rows' in outcome) {
          answered++;
          take({ source, index, rows: outcome.rows as never });
        } else if (isUnavailable(outcome.error)) {
          this.noteUnavailable(source, outcome.error, named ? 'fallbackReads' : 'skippedReads', op);
          skipped.push({
            source,
            code: outcome.error.code,
            message: outcome.error.message,
            index,
            error: outcome.error,
          });
        } else {
          failures.push({ index, error: outcome.error });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(limit, names.length) }, lane));
    } finally {
      clearTimeout(timer);
    }
    if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]?.error;
    const late = [...waiting, ...Array.from({ length: names.length - next }, (_, i) => next + i)];
    if (late.length > 0) this.noteTimedOut(op, late, names, timeoutMs, skipped);
    skipped.sort((a, b) => a.index - b.index);
    const report = skipped.map(({ source, code, message }) => ({ source, code, message }));
    if (answered > 0) return report;
    // A named source that cannot answer: the default answers, as for any single-source read.
    const fallback = router.defaultSource;
    if (named && names[0] !== fallback && late.length === 0) {
      take({ source: fallback, index: 0, rows: (await this.send(fallback, op, args as never)) as never });
      return report;
    }
    // Nothing answered: an empty list would hide the outage.
    throw late.length === 0 ? skipped[0]?.error : crossSourceTimeout(op, names.length, timeoutMs);
  }

  /** Sources a cross-source read stopped waiting for: skipped with QUERY_TIMEOUT, counted, one warning per read. */
  private noteTimedOut(
    op: string,
    late: number[],
    names: readonly string[],
    timeoutMs: number,
    skipped: Array<SkippedSource & { index: number }>,
  ): void {
    const message = `${op}: no answer within the cross-source read's ${timeoutMs / 1000} s limit (cross-source-timeout); left out.`;
    const sources = late.map((index) => names[index] as string);
    for (const [i, source] of sources.entries()) {
      skipped.push({ source, code: 'QUERY_TIMEOUT', message, index: late[i] as number });
      const counts = this.degraded.get(source) ?? { fallbackReads: 0, skippedReads: 0 };
      this.degraded.set(source, counts);
      counts.skippedReads++;
    }
    this.log.warn(
      { event: 'cross-source-timeout', operation: op, skipped: sources.length, timeoutMs },
      `${op}: ${sources.length} source(s) had not answered after ${timeoutMs / 1000} s and were left out ` +
        `(${sources.slice(0, 5).join(', ')}${sources.length > 5 ? ', …' : ''}); the answer's sources.skipped lists them. ` +
        'Fix: raise [database] cross-source-timeout or cross-source-concurrency, or set broker.stopIdleWorkerAfterMs and keep the sources warm.',
    );
  }

  protected ownerOf(chatId: number): string {
    return this.router.ownerOf(chatId);
  }

  protected override groupOf(source: string): string | undefined {
    return this.router.groupOf(source);
  }
}

/**
 * The codes that mean "this source cannot answer at all", as opposed to "this call failed":
 * it could not open, its file is gone, or its worker died twice in a row (a read is retried once first).
 */
const UNAVAILABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  'SOURCE_OPEN_FAILED',
  'SOURCE_UNAVAILABLE',
  'SOURCE_CRASHED',
]);

type Result<K extends OpName> = ResultOf<CoreOperations[K]>;

const TIMED_OUT = Symbol('timed out');

/** A write a fence refused: the chat moved (or is moving) out of that source; nothing was written. */
function isFenced(e: unknown): boolean {
  return e instanceof DatabaseError && e.message.includes(FENCE_MARKER);
}

/** `p`, or nothing after `ms` (the caller then checks again). */
function boundedWait(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((r) => {
    timer = setTimeout(r, ms);
  });
  return Promise.race([p, expiry]).finally(() => clearTimeout(timer));
}

/** No source of a cross-source read answered within its time bound. */
function crossSourceTimeout(op: string, sources: number, timeoutMs: number): DatabaseError {
  return new DatabaseError(
    'QUERY_TIMEOUT',
    `${op}: none of the ${sources} source(s) answered within the cross-source read's ${timeoutMs / 1000} s limit. ` +
      'Fix: raise [database] cross-source-timeout (or cross-source-concurrency), or check the sources with db.stats().',
    { operation: op, timeoutMs },
  );
}

function isUnavailable(e: unknown): e is DatabaseError {
  return e instanceof DatabaseError && UNAVAILABLE_CODES.has(e.code);
}

/** The one option of `reconfigure`, checked (INVALID_ARGUMENT). */
function checkReconfigureOptions(options: unknown): boolean {
  const ok =
    typeof options === 'object' &&
    options !== null &&
    Object.keys(options).every((k) => k === 'allowDroppingMappedSources');
  const allow = ok ? (options as ReconfigureOptions).allowDroppingMappedSources : undefined;
  if (!ok || (allow !== undefined && typeof allow !== 'boolean')) {
    throw new InvalidArgumentError(
      'reconfigure',
      'options',
      'must be { allowDroppingMappedSources?: boolean } or left out',
    );
  }
  return allow === true;
}

/**
 * A new configuration must not remove a source that the running one maps chats to: a file saved
 * half-way (or a slip in code) would otherwise move those chats' writes to the default source.
 */
function refuseDroppingMappedSources(running: DatabaseConfig, next: DatabaseConfig): void {
  const orphans = new Map<string, string[]>();
  for (const [chat, source] of Object.entries(running.chatMapping)) {
    if (Object.hasOwn(next.sources, source)) continue;
    orphans.set(source, [...(orphans.get(source) ?? []), chat]);
  }
  if (orphans.size === 0) return;
  throw new ConfigError(
    [...orphans].map(([source, chats]) => ({
      key: `database.sources.${source}`,
      message:
        `source "${source}" would be removed, but chat${chats.length === 1 ? '' : 's'} ${chats.slice(0, 5).join(', ')}` +
        `${chats.length > 5 ? ` and ${chats.length - 5} more` : ''} ${chats.length === 1 ? 'is' : 'are'} mapped to it in the running configuration; ` +
        `their writes would go to the default source "${next.default}".`,
      fix:
        `keep [database.sources.${source}], or first map those chats to another source (or remove their chatMapping entries) and apply that, then remove the source; ` +
        'from code, pass { allowDroppingMappedSources: true } to reconfigure.',
    })),
  );
}

function resolveConfig(options: DatabaseWrapperOptions, log: Log): DatabaseConfig {
  const hasPath = options.dbPath !== undefined;
  const hasConfig = options.config !== undefined;
  if (hasPath === hasConfig) {
    throw new ConfigError([
      {
        key: hasPath ? 'dbPath + config' : 'dbPath | config',
        message: hasPath ? 'both dbPath and config were given.' : 'neither dbPath nor config was given.',
        fix: 'pass { dbPath } for one file (legacy), or { config } with default, sources and chatMapping.',
      },
    ]);
  }
  const input: DatabaseConfigInput =
    options.dbPath !== undefined
      ? {
          default: 'default',
          sources: {
            default: {
              path: options.dbPath,
              readonly: false,
              poolSize: options.maxConnections ?? 5,
              timeout: options.timeout ?? 30,
            },
          },
          chatMapping: {},
        }
      : (options.config as DatabaseConfigInput);
  const { config, warnings } = validateDatabaseConfig(input, {
    baseDir: options.dbPath === undefined ? options.baseDir : undefined,
  });
  for (const w of warnings) log.warn({ event: 'config-warning', key: w.key }, `${w.key}: ${w.message}`);
  return config;
}
