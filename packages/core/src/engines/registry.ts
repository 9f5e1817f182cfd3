/**
 * The bot's part of each engine, one entry per engine the broker knows (the compiler checks): how a source
 * of that engine is checked, created or migrated when its worker opens it (`PREPARE`; the DDL and migrations
 * are in its folder), and the plans of the operations that differ per engine (`BOT_PLANS`).
 */
import { type EngineName, mysqlLocation, type PrepareHook } from '@pkg/broker';
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
