/**
 * The bot's data layer. Each configured source runs in its own worker (see @pkg/broker);
 * this class only decides where a call goes and forwards it.
 */
import { debuglog } from 'node:util';
import { Broker, type BrokerOptions, type SourceSpec, type SourceStats } from '@pkg/broker';
import { type DatabaseConfig, type DatabaseConfigInput, type SourceConfig, validateDatabaseConfig } from '@pkg/config';
import { ConfigError, DatabaseError, type ErrorCode } from '@pkg/errors';
import type { CrossSourceParts, SkippedSource } from './cross-source.js';
import { DataApi, type OpName } from './data-api.js';
import type { CoreOperations } from './operations/index.js';
import { type RouteDecision, type RouteRequest, Router } from './router.js';
import { Transaction } from './transaction.js';
import type { ChatMessage } from './types.js';
import { checkOptions, checkQueryArgs, checkTransactionArgs } from './validation/index.js';

const OPERATIONS_MODULE = new URL('./operations/index.js', import.meta.url).href;
const debug = debuglog('botdb');
/** Read once: NODE_DEBUG=botdb logs every routing decision; otherwise the hot path pays nothing. */
const DEBUG = debug.enabled;

export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
}

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

export interface TransactionScope {
  /** A chat whose source the transaction runs on. */
  chatId?: number;
  /** Or a source by name (a readonly source allows a read-only transaction). */
  dataSource?: string;
}

const defaultLogger: Logger = {
  debug: (m) => debug(m),
  warn: (m) => process.emitWarning(m, { code: 'BOTDB_CONFIG' }),
};

export class DatabaseWrapper extends DataApi {
  readonly config: DatabaseConfig;
  private readonly router: Router;
  private readonly broker: Broker<CoreOperations>;
  private readonly log: ((message: string) => void) | null;
  private readonly logger: Logger;
  /** Filled only when a source fails to answer: a normal call never touches it. */
  private readonly degraded = new Map<string, RoutingStats>();

  constructor(options: DatabaseWrapperOptions) {
    super();
    checkOptions(options);
    const logger = options.logger ?? defaultLogger;
    this.logger = logger;
    // Null unless someone listens: the hot path then pays one comparison.
    this.log = options.logger !== undefined ? (m) => logger.debug(m) : DEBUG ? debug : null;
    this.config = resolveConfig(options, logger);
    this.router = new Router(this.config, (name) =>
      logger.warn(
        `dataSource "${name}" names no configured source (${this.router.sourceNames.map((n) => `"${n}"`).join(', ')}); ` +
          `using the default source "${this.router.defaultSource}" instead (shown once per name). ` +
          'Fix: correct the name, or set [database] unknown-data-source = "refuse" to fail such calls with UNKNOWN_SOURCE.',
      ),
    );
    const specs: SourceSpec[] = this.router.sourceNames.map((name) => {
      const s = this.config.sources[name] as SourceConfig;
      return {
        name,
        path: s.path,
        readonly: s.readonly,
        poolSize: s.poolSize,
        timeoutMs: Math.round(s.timeout * 1000),
        maxQueued: s.maxQueued,
        transactionTimeoutMs: Math.round(s.transactionTimeout * 1000),
        queryTimeoutMs: Math.round(s.queryTimeout * 1000),
        maxMemoryMb: s.maxMemoryMb,
        moduleOptions: { onNewerSchema: s.onNewerSchema },
        operationsModule: OPERATIONS_MODULE,
      };
    });
    this.broker = new Broker<CoreOperations>(specs, options.broker);
    if (debug.enabled)
      debug(`sources: ${specs.map((s) => `${s.name}${s.readonly ? ' (readonly)' : ''} ${s.path}`).join(', ')}`);
  }

  /**
   * Starts every source and resolves when each is open (schema checked or created); rejects with the
   * first failure, so an operator notices a source that cannot open. Without it a source's worker
   * starts on its first call (a source never called costs no thread). The wrapper keeps working without it: reads
   * routed there are answered by the default source, cross-source reads skip it (both warn once),
   * and writes for its chats fail with the open error.
   */
  ready(): Promise<void> {
    return this.broker.ready();
  }

  /** Where a call with these arguments would go, and why. Throws as the call would. */
  routeFor(req: Omit<RouteRequest, 'operation'>): RouteDecision {
    const decision = this.router.explain(req);
    if (this.log !== null) this.log(`route ${JSON.stringify(req)} -> ${decision.source} (${decision.reason})`);
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
    const source = this.router.route({ chatId: scope.chatId, dataSource: scope.dataSource });
    return this.broker.transaction(source, (btx) => fn(new Transaction(btx, this.router)));
  }

  /**
   * Read-only SQL on one source (dataSource > chatMapping[chatId] > default), rows as SQLite
   * returns them. A statement that would write is refused with INVALID_ARGUMENT: writes go
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
    return this.broker.query(source, args.sql, args.params ?? [], 'all', { readOnly: true }) as Promise<unknown[]>;
  }

  /** Counters per source: calls, errors, queue, pool reuse, latency percentiles, fallbacks and skips. */
  async stats(): Promise<Record<string, SourceStats & RoutingStats>> {
    const stats = await this.broker.stats();
    const out: Record<string, SourceStats & RoutingStats> = {};
    for (const [name, s] of Object.entries(stats)) {
      out[name] = { ...s, fallbackReads: 0, skippedReads: 0, ...this.degraded.get(name) };
    }
    return out;
  }

  /** Drains queued calls, closes every connection and ends every worker. Later calls fail with SOURCE_CLOSED. */
  close(): Promise<void> {
    return this.broker.close();
  }

  /** The one routing step of every single-source call, with its debug line. Throws a refusal. */
  private routeCall(op: OpName, args: unknown, chatId: number | undefined, write: boolean): string {
    // A write's dataSource reaches here only from the four system-wide writes that accept it.
    const source = this.router.route({
      chatId,
      dataSource: (args as { dataSource?: string }).dataSource,
      write,
      operation: op,
    });
    if (this.log !== null) this.log(`${op}${write ? ' (write)' : ''} chat=${chatId} -> ${source}`);
    return source;
  }

  protected readOne<K extends OpName>(op: K, args: never, chatId: number | undefined) {
    let source: string;
    try {
      source = this.routeCall(op, args, chatId, false);
    } catch (e) {
      return Promise.reject(e);
    }
    const read = this.broker.call(source, op, args);
    return source === this.router.defaultSource ? read : this.orDefault(read, source, op, args);
  }

  /**
   * A read of a non-default source, answered by the default source when its own cannot answer.
   * Only such reads pay for the handler; the default source has nothing to fall back to.
   */
  private orDefault<T>(read: Promise<T>, source: string, op: OpName, args: never): Promise<T> {
    return read.catch((e: unknown) => {
      if (!isUnavailable(e)) throw e;
      this.noteUnavailable(source, e, 'fallbackReads');
      return this.broker.call(this.router.defaultSource, op, args) as Promise<T>;
    });
  }

  /** Counts a fallback or a skip, and tells the logger the first time a source cannot answer. */
  private noteUnavailable(source: string, e: DatabaseError, counter: keyof RoutingStats): void {
    let counts = this.degraded.get(source);
    if (counts === undefined) {
      counts = { fallbackReads: 0, skippedReads: 0 };
      this.degraded.set(source, counts);
      this.logger.warn(
        `source "${source}" cannot answer (${e.code}: ${e.message}). Reads routed to it are answered by the default ` +
          `source "${this.router.defaultSource}", cross-source reads leave it out, writes for its chats fail. ` +
          `Shown once; stats()["${source}"].fallbackReads / skippedReads count what followed.`,
      );
    }
    counts[counter]++;
  }

  protected writeOne<K extends OpName>(op: K, args: never, chatId: number | undefined) {
    try {
      return this.broker.call(this.routeCall(op, args, chatId, true), op, args);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Routed once; only messages read from a non-default source take the media lookup. */
  protected override readMessages<K extends OpName>(op: K, args: never, chatId: number) {
    let source: string;
    try {
      source = this.routeCall(op, args, chatId, false);
    } catch (e) {
      return Promise.reject(e);
    }
    const read = this.broker.call(source, op, args);
    if (source === this.router.defaultSource) return read;
    return this.orDefault(read, source, op, args).then((rows) =>
      this.fillMedia(rows as unknown as ChatMessage | ChatMessage[] | null),
    ) as typeof read;
  }

  /** Media columns of messages read from a non-default source, looked up where media lives. */
  private async fillMedia<R extends ChatMessage | ChatMessage[] | null>(rows: R): Promise<R> {
    const list = rows === null ? [] : Array.isArray(rows) ? rows : [rows];
    const missing = list.filter((m) => m.media_id !== null && m.media_file_unique_id === null);
    if (missing.length === 0) return rows;
    const found = await Promise.all(
      [...new Set(missing.map((m) => m.media_id as string))].map((mediaId) =>
        this.broker.call(this.router.defaultSource, 'getMediaAttachment', { mediaId }),
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
   * Every source at once; a source that cannot answer is skipped (and reported), other failures
   * fail the read, and so does a read no source answered. A named dataSource reads that source
   * alone, with the single-source fallback to the default.
   */
  protected async readAll<K extends OpName>(op: K, args: { dataSource?: string }): Promise<CrossSourceParts<never>> {
    const named = args.dataSource !== undefined && args.dataSource !== '';
    const names = named ? [this.router.route({ dataSource: args.dataSource })] : this.router.sourceNames;
    const settled = await Promise.allSettled(names.map((source) => this.broker.call(source, op, args as never)));
    const parts: CrossSourceParts<never>['parts'] = [];
    const skipped: SkippedSource[] = [];
    for (let i = 0; i < names.length; i++) {
      const source = names[i] as string;
      const outcome = settled[i] as PromiseSettledResult<never>;
      if (outcome.status === 'fulfilled') parts.push({ source, rows: outcome.value });
      else if (isUnavailable(outcome.reason)) {
        this.noteUnavailable(source, outcome.reason, named ? 'fallbackReads' : 'skippedReads');
        skipped.push({ source, code: outcome.reason.code, message: outcome.reason.message });
      } else throw outcome.reason;
    }
    if (parts.length > 0) return { parts, skipped };
    // A named source that cannot answer: the default answers, as for any single-source read.
    const fallback = this.router.defaultSource;
    if (named && names[0] !== fallback) {
      const rows = (await this.broker.call(fallback, op, args as never)) as never;
      return { parts: [{ source: fallback, rows }], skipped };
    }
    // Nothing answered: an empty list would hide the outage.
    throw (settled[0] as PromiseRejectedResult).reason;
  }

  protected ownerOf(chatId: number): string {
    return this.router.ownerOf(chatId);
  }
}

/**
 * The codes that mean "this source cannot answer at all", as opposed to "this call failed":
 * it could not open, its file is gone, or its worker died and was not (or could not be) restarted.
 */
const UNAVAILABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  'SOURCE_OPEN_FAILED',
  'SOURCE_UNAVAILABLE',
  'SOURCE_CRASHED',
]);

function isUnavailable(e: unknown): e is DatabaseError {
  return e instanceof DatabaseError && UNAVAILABLE_CODES.has(e.code);
}

function resolveConfig(options: DatabaseWrapperOptions, logger: Logger): DatabaseConfig {
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
  for (const w of warnings) logger.warn(`${w.key}: ${w.message}`);
  return config;
}
