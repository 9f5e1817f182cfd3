/** A PostgreSQL source, and the connection an operations module's `prepare.postgresql` gets. */
import type { Sql } from 'postgres';
import { type CommonSourceSpec, urlWithoutPassword } from '../../engine.js';

/** A schema of a PostgreSQL database. */
export interface PostgresSourceSpec extends CommonSourceSpec {
  engine: 'postgresql';
  /**
   * Connection URL, without a password (the password comes from `passwordEnv`, PGPASSWORD or ~/.pgpass). It
   * may list several hosts (`postgres://u@h1:5432,h2:5432/db`): the source writes to the one that accepts
   * writes, and looks for it again among them when it is lost (failover).
   */
  url: string;
  /** Streaming standbys of that primary, read from (one host each, no password). Default none. */
  replicas?: string[];
  /** A replica further behind the primary than this is not read. Milliseconds; default 5000. */
  maxReplicaLagMs?: number;
  /** False: every read goes to the primary (the replicas are only polled and reported). Default true. */
  replicaReads?: boolean;
  /** Environment variable holding the password, read in the worker; null: PGPASSWORD / ~/.pgpass. */
  passwordEnv: string | null;
  /** The PostgreSQL schema holding the bot's tables (the session's search_path). */
  schema: string;
}

/** The `postgres` driver's pool, as `prepare.postgresql` gets it (search_path and time zone already set). */
export type PostgresConnection = Sql;

/** A PostgreSQL schema's place, for messages and output: the URL with any password removed, and the schema. */
export function postgresLocation(url: string, schema: string): string {
  return `${urlWithoutPassword(url)} schema ${schema}`;
}
