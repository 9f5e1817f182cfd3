/**
 * The bot's part of each engine, one entry per engine the broker knows (the compiler checks): how a source
 * of that engine is checked, created or migrated when its worker opens it (`PREPARE`; the DDL and migrations
 * are in its folder), the plans of the operations that differ per engine (`BOT_PLANS`), and how a configured
 * source of that type becomes the broker's spec (`SOURCE_SPECS`).
 */
import { type CommonSourceSpec, type EngineName, mysqlLocation, type PrepareHook, type SpecOf } from '@pkg/broker';
import type { SourceConfig, SourceType } from '@pkg/config';
import type { BotPlans } from './bot-plans.js';
import { mysqlPlans } from './mysql/plans.js';
import { prepareMysql } from './mysql/prepare.js';
import { postgresPlans } from './postgresql/plans.js';
import { preparePostgres } from './postgresql/prepare.js';
import { sqlitePlans } from './sqlite/plans.js';
import { prepareSchema } from './sqlite/prepare.js';

export const PREPARE: { readonly [E in EngineName]: PrepareHook<E> } = {
  sqlite: (db, spec) => prepareSchema(db, spec),
  postgresql: preparePostgres,
  mysql: (pool, spec) => prepareMysql(pool, spec, mysqlLocation(spec.url)),
};

export const BOT_PLANS: { readonly [E in EngineName]: BotPlans } = {
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
};
