/** A MySQL/MariaDB source, and the connection an operations module's `prepare.mysql` gets. */
import type { Pool } from 'mysql2/promise';
import { type CommonSourceSpec, urlWithoutPassword } from '../../engine.js';

/** A database of a MySQL (8 or later) or MariaDB (10.6 or later) server. */
export interface MysqlSourceSpec extends CommonSourceSpec {
  engine: 'mysql';
  /** Connection URL `mysql://user@host:3306/database`, without a password (it comes from `passwordEnv`). */
  url: string;
  /** Environment variable holding the password, read in the worker; null: no password. */
  passwordEnv: string | null;
}

/** mysql2's promise pool, as `prepare.mysql` gets it (sessions in UTC, strict sql_mode). */
export type MysqlConnection = Pool;

/** A MySQL database's place, for messages and output: the URL with any password removed. */
export function mysqlLocation(url: string): string {
  return urlWithoutPassword(url);
}
