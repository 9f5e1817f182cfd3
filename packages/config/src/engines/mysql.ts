/**
 * A MySQL/MariaDB source's own keys: where the server and the database are (`url`, or the later bot's
 * host/port/user/database provider parameters), and where the password comes from (an environment variable,
 * never the file). Two sources are one store when they reach one database of one server.
 */
import { type Context, issue } from '../context.js';
import type { ConfigEngine, EngineFields, SameStore } from '../engine.js';
import type { Field } from '../fields.js';
import type { SourceEntry } from '../sources.js';
import { describe, keyOf } from '../text.js';
import type { CommonSourceConfig, CommonSourceConfigInput } from '../types.js';

/** A database of a MySQL (8 or later) or MariaDB (10.6 or later) server. */
export interface MysqlSourceConfig extends CommonSourceConfig {
  type: 'mysql';
  /** mysql://user@host:port/database, never with a password. */
  url: string;
  /** Environment variable holding the password, read by the worker; null: the server asks for none. */
  passwordEnv: string | null;
}

export interface MysqlSourceConfigInput extends CommonSourceConfigInput {
  type: 'mysql';
  /** mysql://user@host:port/database, without a password. */
  url: string;
  passwordEnv?: string | null;
  'password-env'?: string | null;
}

const EXAMPLE_URL = 'mysql://bot@db1:3306/botdb';
const PASSWORD_FIX =
  'put the password in an environment variable and name it with password-env = "BOTDB_MYSQL_PASSWORD"';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The later bot's MySQLProvider arguments, as one URL. */
const URL_PARTS = ['host', 'port', 'user', 'database'] as const;
/**
 * MySQL's database names: at most 64 characters; kept to the characters a URL path and an unquoted name share
 * (letters, digits, `_`, `$`), so the name in messages, the URL and `USE` is one spelling.
 */
const DATABASE_NAME = /^[A-Za-z0-9_$]{1,64}$/;

function validate(entry: SourceEntry, ctx: Context): EngineFields<MysqlSourceConfig> | undefined {
  const { picked, at } = entry;
  const keyPath = (field: string): string => keyOf(picked.paths[field] ?? [...at, field]);
  const written = (field: string, fallback: string): string => picked.names[field] ?? fallback;
  const before = ctx.issues.length;

  const url = readUrl(entry, ctx, keyPath);

  let passwordEnv: string | null = null;
  const rawEnv = picked.values.passwordEnv;
  if (rawEnv !== undefined && rawEnv !== null) {
    const envName = written('passwordEnv', ctx.spelling === 'code' ? 'passwordEnv' : 'password-env');
    if (typeof rawEnv !== 'string' || !ENV_NAME.test(rawEnv)) {
      issue(
        ctx,
        keyPath('passwordEnv'),
        `must be the name of an environment variable (letters, digits and underscores, not starting with a digit), got ${describe(rawEnv)}.`,
        `set ${envName} = "BOTDB_MYSQL_PASSWORD" and set that variable where the bot runs (it is read when the source connects, not when the configuration loads); leave ${envName} out when the server asks for no password.`,
      );
    } else {
      passwordEnv = rawEnv;
    }
  }

  if (ctx.issues.length > before || url === undefined) return undefined;
  return { url, passwordEnv };
}

/** The source's URL, from `url` or from the separate host/port/user/database keys; undefined after an issue. */
function readUrl(entry: SourceEntry, ctx: Context, keyPath: (field: string) => string): string | undefined {
  const { name, at, picked } = entry;
  const values = picked.values;
  const parts = URL_PARTS.filter((part) => values[part] !== undefined);
  if (values.url !== undefined) {
    for (const part of parts) {
      issue(
        ctx,
        keyPath(part),
        `"${picked.names[part] ?? part}" and "url" both say where the server is.`,
        `keep only url (host, port, user and database go inside it: ${EXAMPLE_URL}).`,
      );
    }
    return parts.length > 0 ? undefined : checkUrl(values.url, keyPath('url'), name, ctx);
  }
  if (parts.length === 0) {
    issue(
      ctx,
      keyPath('url'),
      `MySQL source "${name}" has no url.`,
      `add url = "${EXAMPLE_URL}" under [${keyOf(at)}] (no password in it: ${PASSWORD_FIX}).`,
    );
    return undefined;
  }
  return urlFromParts(entry, ctx, keyPath);
}

/** The later bot's host/port/user/database, as one URL. */
function urlFromParts(entry: SourceEntry, ctx: Context, keyPath: (field: string) => string): string | undefined {
  const { values, names } = entry.picked;
  const before = ctx.issues.length;
  const text = (part: 'host' | 'user' | 'database'): string | undefined => {
    const value = values[part];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.trim() !== '') return value;
    issue(
      ctx,
      keyPath(part),
      `must be a non-empty string, got ${describe(value)}.`,
      `set ${names[part] ?? part} as text, or replace host, port, user and database with url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  };
  const host = text('host');
  const user = text('user');
  const database = text('database');
  const port = values.port;
  if (port !== undefined && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) {
    issue(
      ctx,
      keyPath('port'),
      `must be a port number from 1 to 65535, got ${describe(port)}.`,
      `set ${names.port ?? 'port'} = 3306 (MySQL's default port), without quotes.`,
    );
  }
  if (host === undefined && values.host === undefined) {
    issue(
      ctx,
      keyPath('host'),
      `MySQL source "${entry.name}" has ${parts(values, names)} but no host.`,
      `add host = "db1", or replace them with url = "${EXAMPLE_URL}".`,
    );
  }
  if (ctx.issues.length > before || host === undefined) return undefined;
  const url = new URL('mysql://placeholder');
  try {
    url.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  } catch {
    // Checked below: a hostname the URL refuses leaves the placeholder in place.
  }
  if (url.hostname === 'placeholder' && host !== 'placeholder') {
    issue(
      ctx,
      keyPath('host'),
      `${JSON.stringify(host)} is not a host name or address.`,
      'set host to the server\'s name or address, e.g. host = "db1".',
    );
    return undefined;
  }
  if (typeof port === 'number') url.port = String(port);
  if (user !== undefined) url.username = user;
  if (database !== undefined) url.pathname = `/${encodeURIComponent(database)}`;
  return checkUrl(url.toString(), keyPath('host'), entry.name, ctx);
}

function parts(values: Record<string, unknown>, names: Record<string, string>): string {
  return Object.keys(values)
    .filter((k) => URL_PARTS.includes(k as (typeof URL_PARTS)[number]))
    .map((k) => names[k] ?? k)
    .join(', ');
}

/** A mysql:// URL without a password, naming one database and no parameters; undefined after an issue. */
function checkUrl(raw: unknown, key: string, source: string, ctx: Context): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') {
    issue(
      ctx,
      key,
      `must be a MySQL connection URL, got ${describe(raw)}.`,
      `set url = "${EXAMPLE_URL}" (mysql://user@host:port/database).`,
    );
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: an unparsable URL may still hold a password.
    issue(
      ctx,
      key,
      'is not a valid URL (a port above 65535, a user without a host, a space?).',
      `write it as mysql://user@host:port/database, e.g. url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  }
  if (url.protocol !== 'mysql:') {
    issue(
      ctx,
      key,
      `must start with mysql:// (MySQL and MariaDB alike), got ${JSON.stringify(url.protocol)}.`,
      `write it as mysql://user@host:port/database, e.g. url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  }
  const secret = [...url.searchParams.keys()].find((k) => /pass/i.test(k));
  if (url.password !== '' || secret !== undefined) {
    url.password = '';
    // The URL to write instead keeps no query at all: any other parameter might hold the secret too.
    url.search = '';
    issue(
      ctx,
      key,
      `the URL of source "${source}" holds a password${secret === undefined ? '' : ` (query parameter "${secret}")`}: never a password in the file (a config file is copied, committed and logged).`,
      `write the URL without it (${url.toString()}) and ${PASSWORD_FIX}.`,
    );
    return undefined;
  }
  const before = ctx.issues.length;
  for (const name of url.searchParams.keys()) {
    // Named, never its value: an unknown parameter may hold a secret.
    issue(
      ctx,
      key,
      `query parameter "${name}" is not allowed in a MySQL URL: the driver would take it as a connection option, where it could change what botdb sets itself (time zone, sql_mode, character set, several statements per call).`,
      `remove it; set timeout and pool-size on the source instead. The URL takes no parameters.`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database)) {
    issue(
      ctx,
      key,
      database === ''
        ? `names no database: a MySQL source's tables live in one database, named by the URL's path.`
        : `names the database ${JSON.stringify(database.slice(0, 70))}, which is not a plain MySQL database name (letters, digits, _ and $, at most 64 characters).`,
      `write the database after the port: url = "${EXAMPLE_URL}" (create it first: CREATE DATABASE botdb CHARACTER SET utf8mb4).`,
    );
  }
  if (url.username === '') {
    issue(
      ctx,
      key,
      'names no user: MySQL servers have no default user for a client like this one.',
      `write the user before the host: url = "${EXAMPLE_URL}".`,
    );
  }
  return ctx.issues.length === before ? raw : undefined;
}

/**
 * What two MySQL sources compare equal on when they are one database: host, port and database (the user
 * does not matter: two users of one database reach the same rows). Hosts compare without case; a left-out
 * port is 3306. Database names compare as written (case-sensitive on Linux servers).
 */
export function mysqlIdentity(url: string): string {
  const u = new URL(url);
  return `mysql:${u.hostname.toLowerCase()}:${u.port || '3306'}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
}

/**
 * Two sources on one database. A readonly source beside a writable one is legitimate: its sessions are
 * read-only at the server (SET SESSION TRANSACTION READ ONLY), as a replica's are.
 */
function sameStore({ first, firstSource: other, entry, source }: SameStore<MysqlSourceConfig>, ctx: Context): void {
  if (other.readonly !== source.readonly) return;
  const urlField = entry.picked.paths.url !== undefined ? 'url' : 'host';
  const urlKey = entry.picked.paths[urlField] ?? [...entry.at, 'url'];
  const where = `${other.url}${other.url === source.url ? '' : ` and ${source.url}`}`;
  issue(
    ctx,
    keyOf(urlKey),
    `sources "${first}" and "${entry.name}" are the same MySQL database (${where}): ` +
      'each source runs its own worker, pool and write ordering and creates the schema on its own, so the two would race each other.',
    `keep one source for the database (map chats to it in chatMapping), or give "${entry.name}" another database.`,
  );
}

const MYSQL_FIELDS: readonly Field[] = [
  { field: 'url', names: ['url'] },
  { field: 'passwordEnv', names: ['password-env', 'passwordEnv'], codeName: 'passwordEnv' },
];
const MYSQL_PARTS: readonly Field[] = [
  { field: 'host', names: ['host'] },
  { field: 'port', names: ['port'] },
  { field: 'user', names: ['user'] },
  { field: 'database', names: ['database'] },
];

export const mysqlConfig: ConfigEngine<MysqlSourceConfig, MysqlSourceConfigInput> = {
  type: 'mysql',
  label: 'MySQL',
  what: 'a database of a MySQL or MariaDB server',
  providers: ['mysql'],
  sourceFields: [...MYSQL_FIELDS, ...MYSQL_PARTS],
  providerFields: MYSQL_FIELDS,
  // The later bot's MySQLProvider arguments (its password is refused for every engine).
  parameterFields: MYSQL_PARTS,
  reachedWith: { key: 'url', example: `url = "${EXAMPLE_URL}"` },
  passwordFrom: PASSWORD_FIX,
  validate,
  identity: (source) => mysqlIdentity(source.url),
  sameStore,
};
