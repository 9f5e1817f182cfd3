/**
 * The bot's data layer. Each configured source runs in its own worker (see @pkg/broker);
 * this class only decides where a call goes and forwards it.
 */
import { debuglog } from 'node:util';
import { Broker, type BrokerOptions, type SourceSpec, type SourceStats } from '@pkg/broker';
import { type DatabaseConfig, type DatabaseConfigInput, type SourceConfig, validateDatabaseConfig } from '@pkg/config';
import { ConfigError } from '@pkg/errors';
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

  constructor(options: DatabaseWrapperOptions) {
    super();
    checkOptions(options);
    const logger = options.logger ?? defaultLogger;
    // Null unless someone listens: the hot path then pays one comparison.
    this.log = options.logger !== undefined ? (m) => logger.debug(m) : DEBUG ? debug : null;
    this.config = resolveConfig(options, logger);
    this.router = new Router(this.config);
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

  /** Resolves when every source is open (schema checked or created); rejects with the first failure. */
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
    const source =
      scope.dataSource !== undefined
        ? this.router.route({ dataSource: scope.dataSource })
        : this.router.route({ chatId: scope.chatId });
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

  /** Counters per source: calls, errors, queue, pool reuse, latency percentiles. */
  stats(): Promise<Record<string, SourceStats>> {
    return this.broker.stats();
  }

  /** Drains queued calls, closes every connection and ends every worker. Later calls fail with SOURCE_CLOSED. */
  close(): Promise<void> {
    return this.broker.close();
  }

  /** The one routing step of every single-source call, with its debug line. Throws a refusal. */
  private routeCall(op: OpName, args: unknown, chatId: number | undefined, write: boolean): string {
    const source = write
      ? this.router.route({ chatId, write: true, operation: op })
      : this.router.route({ chatId, dataSource: (args as { dataSource?: string }).dataSource });
    if (this.log !== null) this.log(`${op}${write ? ' (write)' : ''} chat=${chatId} -> ${source}`);
    return source;
  }

  protected readOne<K extends OpName>(op: K, args: never, chatId: number | undefined) {
    try {
      return this.broker.call(this.routeCall(op, args, chatId, false), op, args);
    } catch (e) {
      return Promise.reject(e);
    }
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
    return read.then((rows) => this.fillMedia(rows as unknown as ChatMessage | ChatMessage[] | null)) as typeof read;
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

  protected async readAll<K extends OpName>(op: K, args: { dataSource?: string }) {
    const sources =
      args.dataSource !== undefined ? [this.router.route({ dataSource: args.dataSource })] : this.router.sourceNames;
    return Promise.all(
      sources.map(async (source) => ({ source, rows: await this.broker.call(source, op, args as never) })),
    ) as never;
  }

  protected ownerOf(chatId: number): string {
    return this.router.ownerOf(chatId);
  }
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
