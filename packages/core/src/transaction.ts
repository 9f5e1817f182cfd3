/**
 * The domain API bound to one open transaction: every call runs on the transaction's reserved
 * connection, and a call that routes anywhere else is refused (one transaction, one source).
 */
import type { BrokerTransaction } from '@pkg/broker';
import { CrossSourceTransactionError, ReadonlySourceError } from '@pkg/errors';
import { withCallerStack } from './caller-stack.js';
import type { CrossSourcePart, SkippedSource } from './cross-source.js';
import { DataApi, type OpName } from './data-api.js';
import type { CoreOperations } from './operations/index.js';
import type { Router } from './router.js';
import type { ExecuteResult, SqlParams } from './types.js';
import { checkSql } from './validation/index.js';

export class Transaction extends DataApi {
  private readonly tx: BrokerTransaction<CoreOperations>;
  private readonly router: Router;

  constructor(tx: BrokerTransaction<CoreOperations>, router: Router) {
    super();
    this.tx = tx;
    this.router = router;
  }

  /** The source this transaction runs on. */
  get source(): string {
    return this.tx.source;
  }

  /** Read-only SQL on the transaction's connection (a statement that would write is refused). */
  query(sql: string, params: unknown[] = []): Promise<unknown[]> {
    try {
      ({ sql, params } = checkSql('tx.query', sql, params));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.tx.query(sql, params, 'all', { readOnly: true }) as Promise<unknown[]>;
  }

  /**
   * Parameterised write SQL on the transaction's source, for bot code that keeps its own tables
   * in the bot's file (the Bayes spam filter's bayes_tokens / bayes_classes). `?` placeholders take
   * an array, `:name` ones an object; booleans bind as 1/0. Refused on a readonly source
   * (READONLY_SOURCE) and where writes are refused (SCHEMA_TOO_NEW); SQL that returns rows is
   * refused (INVALID_ARGUMENT): read with `tx.query`. Domain data should go through the domain
   * methods, which keep the bot's counters.
   */
  execute(sql: string, params: SqlParams = []): Promise<ExecuteResult> {
    if (this.router.isReadonly(this.tx.source)) {
      return Promise.reject(new ReadonlySourceError(this.tx.source, 'execute'));
    }
    return this.tx.call('execute', { sql, params });
  }

  private onSource(source: string, chatId: number | undefined): void {
    if (source !== this.tx.source) throw new CrossSourceTransactionError(this.tx.source, source, chatId);
  }

  protected readOne<K extends OpName>(op: K, args: never, chatId: number | undefined) {
    try {
      const dataSource = (args as { dataSource?: string }).dataSource;
      this.onSource(this.router.route({ chatId, dataSource, operation: op }), chatId);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.tx.call(op, args).then(undefined, rethrowWithCallerStack);
  }

  protected writeOne<K extends OpName>(op: K, args: never, chatId: number | undefined) {
    try {
      const dataSource = (args as { dataSource?: string }).dataSource;
      this.onSource(this.router.route({ chatId, dataSource, write: true, operation: op }), chatId);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.tx.call(op, args).then(undefined, rethrowWithCallerStack);
  }

  /** Inside a transaction a cross-source read covers the transaction's source only. */
  protected async readAll<K extends OpName>(
    op: K,
    args: { dataSource?: string },
    take: (part: CrossSourcePart<never>) => void,
  ): Promise<SkippedSource[]> {
    if (args.dataSource) this.onSource(this.router.route({ dataSource: args.dataSource }), undefined);
    const rows = await this.tx.call(op, args as never).then(undefined, rethrowWithCallerStack);
    take({ source: this.tx.source, index: 0, rows: rows as never });
    return [];
  }

  protected ownerOf(chatId: number): string {
    return this.router.ownerOf(chatId);
  }

  protected override groupOf(source: string): string | undefined {
    return this.router.groupOf(source);
  }
}

/** A transaction's calls have no rejection handler of their own to give errors the caller's frames in. */
function rethrowWithCallerStack(e: unknown): never {
  throw withCallerStack(e);
}
