/**
 * Which operations a source serves: a Redis source serves the
 * caches only (SERVED_OPERATIONS), so anything else routed to it is INVALID_ARGUMENT naming what it serves,
 * decided here on the main thread before the call reaches a worker.
 */
import type { DatabaseConfig } from '@pkg/config';
import { InvalidArgumentError } from '@pkg/errors';
import { SERVED_OPERATIONS } from './engines/registry.js';

/** The operations `source` serves: 'all', or its family's. */
export function servedBy(config: DatabaseConfig, source: string): 'all' | readonly string[] {
  const type = config.sources[source]?.type;
  return type === undefined ? 'all' : SERVED_OPERATIONS[type];
}

/** Whether a source serves every operation (a SQL source): it can answer for another and be asked for all chats. */
export function servesAll(config: DatabaseConfig, source: string): boolean {
  return servedBy(config, source) === 'all';
}

/** Throws INVALID_ARGUMENT when `source` does not serve `op`. */
export function checkServed(config: DatabaseConfig, source: string, op: string): void {
  const served = servedBy(config, source);
  if (served === 'all' || served.includes(op)) return;
  const type = config.sources[source]?.type;
  throw new InvalidArgumentError(
    op,
    'dataSource',
    `routes to source "${source}", a ${type} source, which serves only ${served.join(', ')}. Fix: leave dataSource out (or name a SQL source) for ${op}; point [database] cache at "${source}" to send the caches there`,
  );
}
