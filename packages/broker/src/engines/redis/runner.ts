/**
 * The Redis runner (see engine-runner.ts): one ioredis client per source (auto-pipelined: the calls of a
 * batch travel in one write). A Redis source serves only the operations its operations module lists through
 * `prepare.redis` (`RedisConnection.serve`); every other call, raw SQL and transactions are INVALID_ARGUMENT
 * naming what it serves (the main thread refuses them first; this is the worker's own guard).
 *
 * Redis unreachable (connect.ts: no offline queue, no resend, commandTimeout = timeout): every call fails
 * SOURCE_UNAVAILABLE at once (or within `timeout` for a server that stops answering), and the client
 * reconnects by itself. The main thread turns a read's SOURCE_UNAVAILABLE into a miss (on-unavailable = "miss").
 */
import { type DatabaseError, InvalidArgumentError } from '@pkg/errors';
import type { Redis } from 'ioredis';
import type { EngineRunner, RunnerResult } from '../../engine-runner.js';
import type { Operation } from '../../operation.js';
import type { PoolStats, WorkerRequest } from '../../protocol.js';
import { connectRedis, whenReady } from './connect.js';
import { toRedisError } from './errors.js';
import { type RedisConnection, type RedisOperation, type RedisSourceSpec, redisLocation } from './spec.js';

/** A call gets this long past the source's timeout before the shell answers it on its own. */
const DEADLINE_MARGIN_MS = 1_000;

/** A Redis source has no transactions: `begin` is refused, so none is ever open. */
type NoTx = never;

export class RedisRunner implements EngineRunner<'redis', NoTx> {
  readonly engine = 'redis';
  private spec!: RedisSourceSpec;
  private client: Redis | null = null;
  private context!: RedisConnection;
  private readonly served = new Map<string, RedisOperation>();
  private connectionsOpened = 0;
  private calls = 0;
  deadlineMs?: number;

  async open(spec: RedisSourceSpec): Promise<RedisConnection> {
    this.spec = spec;
    this.deadlineMs = spec.timeoutMs + DEADLINE_MARGIN_MS;
    const client = connectRedis(spec);
    this.client = client;
    client.on('ready', () => {
      this.connectionsOpened++;
    });
    // A server down at start does not fail the open: reads are misses until it comes (see the header).
    await whenReady(client, spec.timeoutMs);
    const served = this.served;
    this.context = {
      redis: client,
      source: spec.name,
      keyPrefix: spec.keyPrefix,
      maxAgeMs: spec.maxAgeMs,
      serve(operations) {
        for (const [name, op] of Object.entries(operations)) served.set(name, op);
      },
    };
    return this.context;
  }

  openFailed(e: unknown, spec: RedisSourceSpec): DatabaseError {
    this.client?.disconnect();
    this.client = null;
    return toRedisError(spec, 'open', e);
  }

  identity(): null {
    return null;
  }

  deadlineError(req: WorkerRequest): DatabaseError {
    return toRedisError(
      this.spec,
      req.type === 'op' ? req.op : req.type,
      new Error(`no answer within ${this.deadlineMs} ms`),
    );
  }

  runOperation(name: string, _op: Operation<unknown, unknown>, args: unknown): RunnerResult<unknown> {
    const served = this.served.get(name);
    if (served === undefined) throw this.notServed(name);
    this.calls++;
    return served.run(args, this.context).then(undefined, (e: unknown) => {
      throw toRedisError(this.spec, name, e);
    });
  }

  runSql(req: Extract<WorkerRequest, { type: 'sql' }>): RunnerResult<unknown> {
    throw this.notServed(req.tx === undefined ? 'query' : 'tx.query');
  }

  begin(): RunnerResult<NoTx> {
    throw this.notServed('transaction');
  }

  end(): RunnerResult<void> {
    throw this.notServed('transaction');
  }

  toError(e: unknown, what: string): DatabaseError {
    return toRedisError(this.spec, what, e);
  }

  stats(): PoolStats {
    return {
      connectionsOpened: this.connectionsOpened,
      connectionsAcquired: this.calls,
      connectionsOpen: this.client?.status === 'ready' ? 1 : 0,
      statementsPrepared: 0,
      statementsEvicted: 0,
      unavailable: null,
    };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client === null) return;
    // QUIT waits for the replies in flight; a server that does not answer is cut off at the timeout.
    const timer = setTimeout(() => client.disconnect(), this.spec.timeoutMs);
    try {
      await client.quit();
    } catch {
      client.disconnect();
    } finally {
      clearTimeout(timer);
    }
  }

  private notServed(what: string): DatabaseError {
    const served = [...this.served.keys()].join(', ');
    return new InvalidArgumentError(
      what,
      'dataSource',
      `names source "${this.spec.name}" (${redisLocation(this.spec)}), a Redis source: it serves only ${served}. Fix: route ${what} to a SQL source (leave dataSource out, or name another source)`,
    );
  }
}
