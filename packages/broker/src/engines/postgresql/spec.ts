/** A PostgreSQL source, and the connection an operations module's `prepare.postgresql` gets. */
import type { Sql } from 'postgres';
import { type CommonSourceSpec, urlWithoutPassword } from '../../engine.js';

/** A schema of a PostgreSQL database. */
export interface PostgresSourceSpec extends CommonSourceSpec {
  engine: 'postgresql';
  /** Connection URL, without a password (the password comes from `passwordEnv`, PGPASSWORD or ~/.pgpass). */
  url: string;
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
