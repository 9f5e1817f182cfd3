/**
 * What is PostgreSQL-specific below the operations: the int8 parser, where the password comes from,
 * and how the driver's and the server's errors (SQLSTATE) map to the library's stable codes.
 */
import {
  DatabaseError,
  QueryFailedError,
  QueryTimeoutError,
  ReadonlySourceError,
  SourceOpenError,
  SourceUnavailableError,
} from '@pkg/errors';
import pgpass from 'pgpass';
import type { PostgresType } from 'postgres';
import type { PostgresSourceSpec } from './spec.js';
import { postgresLocation } from './spec.js';

/**
 * int8 as a JavaScript number, refused (never rounded) beyond +-2^53-1: Telegram ids fit, and a rounded
 * id would address another chat. Refusing fails that query.
 */
export const PG_INT8_EXACT: PostgresType<number> = {
  to: 20,
  from: [20],
  serialize: (value: number) => {
    if (!Number.isSafeInteger(value)) throw int8Error(String(value));
    return String(value);
  },
  parse: (text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw int8Error(text);
    return value;
  },
};

function int8Error(text: string): DatabaseError {
  return new DatabaseError(
    'QUERY_FAILED',
    `PostgreSQL int8 value ${text} is beyond ±2^53-1 and JavaScript cannot hold it exactly: refused instead of rounded. Fix: keep ids and counters within Number.MAX_SAFE_INTEGER.`,
    { pgType: 'int8', value: text },
  );
}

/**
 * The password: the variable named by password-env (must be set), else none here, and the driver takes
 * PGPASSWORD, else ~/.pgpass (or PGPASSFILE) as libpq reads it. Never from the config file.
 */
export async function pgPassword(
  spec: Pick<PostgresSourceSpec, 'name' | 'url' | 'schema' | 'passwordEnv'>,
): Promise<string | null> {
  if (spec.passwordEnv !== null) {
    const value = process.env[spec.passwordEnv];
    if (value === undefined) {
      throw new SourceOpenError(
        spec.name,
        postgresLocation(spec.url, spec.schema),
        `password-env names ${spec.passwordEnv}, which is not set in the environment`,
        `export ${spec.passwordEnv}=... before starting the bot, or remove password-env to use PGPASSWORD or ~/.pgpass`,
      );
    }
    return value;
  }
  if (process.env.PGPASSWORD !== undefined) return null;
  const url = new URL(spec.url);
  const fromFile = await new Promise<string | undefined>((resolve) => {
    pgpass(
      {
        host: decodeURIComponent(url.hostname) || 'localhost',
        port: url.port || '5432',
        database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
        user: decodeURIComponent(url.username) || process.env.PGUSER || process.env.USER || '',
      },
      (password) => resolve(password),
    );
  });
  return fromFile ?? null;
}

/** The connection (not the statement) failed: lost, refused, timed out, or the server shut down. */
export function isConnectionLost(e: unknown): boolean {
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  return (
    /^CONNECTION_|^CONNECT_TIMEOUT$|^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN)$|^ENOTFOUND$/.test(
      code,
    ) ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03'
  );
}

/** A failed call, as the library's typed error. `what`: the operation or statement. */
export function toPgError(
  spec: Pick<PostgresSourceSpec, 'name' | 'url' | 'schema' | 'timeoutMs'>,
  what: string,
  e: unknown,
): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const code = String((e as { code?: unknown } | null)?.code ?? 'INTERNAL');
  const message = e instanceof Error ? e.message : String(e);
  if (isConnectionLost(e)) {
    return new SourceUnavailableError(
      spec.name,
      postgresLocation(spec.url, spec.schema),
      `the connection to PostgreSQL failed (${code}: ${message}); a read is tried once more, a write is not (it may have been applied)`,
      'check that the server is up and reachable; the source reconnects by itself on the next call',
    );
  }
  // read_only_sql_transaction: the session is read-only (a readonly source, or a replica).
  if (code === '25006') return new ReadonlySourceError(spec.name, what);
  // query_canceled by statement_timeout.
  if (code === '57014') return new QueryTimeoutError(spec.name, what, spec.timeoutMs);
  return new QueryFailedError(spec.name, what, code, message, 'PostgreSQL');
}

/** Why the source could not be opened, with the fix that matches the cause. */
export function pgOpenError(
  spec: Pick<PostgresSourceSpec, 'name' | 'url' | 'schema' | 'timeoutMs'>,
  e: unknown,
): DatabaseError {
  if (e instanceof DatabaseError) return e;
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  const message = e instanceof Error ? e.message : String(e);
  const open = (reason: string, fix: string) =>
    new SourceOpenError(spec.name, postgresLocation(spec.url, spec.schema), reason, fix);
  if (code === '28P01' || code === '28000') {
    return open(
      `PostgreSQL refused the login (${code}: ${message})`,
      'check the user in url and the password (password-env, PGPASSWORD or ~/.pgpass)',
    );
  }
  if (code === '3D000') return open(`the database does not exist (${message})`, 'create it, or correct url');
  if (code === 'CONNECT_TIMEOUT') {
    return open(
      `no answer from the server within ${spec.timeoutMs / 1000} s (${message})`,
      'check host and port in url and that the server is up, or raise timeout',
    );
  }
  if (isConnectionLost(e)) {
    return open(
      `cannot reach the server (${code}: ${message})`,
      'check host and port in url and that the server is up',
    );
  }
  return open(`${code ? `${code}: ` : ''}${message}`, 'check url, schema and the server log');
}
