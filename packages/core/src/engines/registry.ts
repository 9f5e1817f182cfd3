/**
 * The bot's schema on each engine: how a source of that engine is checked, created or migrated when its
 * worker opens it. One entry per engine the broker knows (the compiler checks); the engine's DDL and
 * migrations are in its folder.
 */
import type { EngineName, PrepareHook } from '@pkg/broker';
import { preparePostgres } from './postgresql/prepare.js';
import { prepareSchema } from './sqlite/prepare.js';

export const PREPARE: { readonly [E in EngineName]: PrepareHook<E> } = {
  sqlite: (db, spec) => prepareSchema(db, spec),
  postgresql: preparePostgres,
};
