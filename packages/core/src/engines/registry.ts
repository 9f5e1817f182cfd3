/**
 * The bot's part of each engine, one entry per engine the broker knows (the compiler checks): how a source
 * of that engine is checked, created or migrated when its worker opens it (`PREPARE`; the DDL and migrations
 * are in its folder), the plans of the operations that differ per engine (`BOT_PLANS`), and how a configured
 * source of that type becomes the broker's spec (`SOURCE_SPECS`).
 */
import {
  type CommonSourceSpec,
  type EngineName,
  mysqlLocation,
  type PrepareHook,
  type SpecOf,
  type SqlEngineName,
} from '@pkg/broker';
import type { SourceConfig, SourceType } from '@pkg/config';
import type { BotPlans } from './bot-plans.js';
import { mysqlPlans } from './mysql/plans.js';
import { prepareMysql } from './mysql/prepare.js';
import { postgresPlans } from './postgresql/plans.js';
import { preparePostgres } from './postgresql/prepare.js';
import { REDIS_SERVED } from './redis/cache.js';
import { prepareRedis } from './redis/prepare.js';
import { sqlitePlans } from './sqlite/plans.js';
import { prepareSchema } from './sqlite/prepare.js';

export const PREPARE: { readonly [E in EngineName]: PrepareHook<E> } = {
  sqlite: (db, spec) => prepareSchema(db, spec),
  postgresql: preparePostgres,
  mysql: (pool, spec) => prepareMysql(pool, spec, mysqlLocation(spec.url)),
  redis: prepareRedis,
};

/**
 * The operations each engine serves: 'all' (the SQL engines: every operation, raw SQL, transactions), or the
 * one family it has its own implementations of (Redis: the caches). A call routed to a source that does not
 * serve it is INVALID_ARGUMENT naming what the source serves, before it reaches the worker.
 */
export const SERVED_OPERATIONS: { readonly [E in EngineName]: 'all' | readonly string[] } = {
  sqlite: 'all',
  postgresql: 'all',
  mysql: 'all',
  redis: REDIS_SERVED,
};

/** The SQL engines' plans of the operations whose plan differs per engine (engines/<name>/plans.ts). */
export const BOT_PLANS: { readonly [E in SqlEngineName]: BotPlans } = {
  sqlite: sqlitePlans,
  postgresql: postgresPlans,
  mysql: mysqlPlans,
};

/** The configured source of type `E`. */
type ConfigOf<E extends EngineName> = Extract<SourceConfig, { type: E }>;

/**
 * The configuration's source types and the broker's engine names are one set (the compiler checks both
 * ways): a configured type without an engine, or an engine without its config part, does not build.
 */
type SameNames = [SourceType] extends [EngineName] ? ([EngineName] extends [SourceType] ? true : never) : never;
export const CONFIG_TYPES_ARE_ENGINES: SameNames = true;

/** A configured source and the settings every spec has -> the engine's spec (keys in one order per engine). */
export const SOURCE_SPECS: {
  readonly [E in EngineName]: (config: ConfigOf<E>, common: CommonSourceSpec) => SpecOf<E>;
} = {
  sqlite: (s, common) => ({ engine: 'sqlite', path: s.path, ...common }),
  postgresql: (s, common) => ({
    engine: 'postgresql',
    url: s.url,
    passwordEnv: s.passwordEnv,
    schema: s.schema,
    replicas: s.replicas,
    maxReplicaLagMs: Math.round(s.maxReplicaLag * 1000),
    replicaReads: s.replicaReads,
    ...common,
  }),
  mysql: (s, common) => ({ engine: 'mysql', url: s.url, passwordEnv: s.passwordEnv, ...common }),
  redis: (s, common) => ({
    engine: 'redis',
    url: s.url,
    passwordEnv: s.passwordEnv,
    keyPrefix: s.keyPrefix,
    maxAgeMs: s.maxAge * 1000,
    onUnavailable: s.onUnavailable,
    sentinels: s.sentinels,
    masterName: s.masterName,
    ...common,
  }),
};
