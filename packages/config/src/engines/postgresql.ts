/**
 * A PostgreSQL source's own keys: where the server is (`url`, or the design document's and the later
 * bot's host/port/user/database), where its password comes from (never the file), and its schema. Two
 * sources are one store when they reach one schema of one database on one server.
 */
import { type Context, issue } from '../context.js';
import type { ConfigEngine, EngineFields, SameStore } from '../engine.js';
import type { Field } from '../fields.js';
import type { SourceEntry } from '../sources.js';
import { describe, keyOf } from '../text.js';
import type { CommonSourceConfig, CommonSourceConfigInput } from '../types.js';

/** A schema of a PostgreSQL database. */
export interface PostgresSourceConfig extends CommonSourceConfig {
  type: 'postgresql';
  /** postgres:// or postgresql:// URL, never with a password. */
  url: string;
  /** Environment variable holding the password, read by the worker; null: PGPASSWORD or ~/.pgpass. */
  passwordEnv: string | null;
  /** Schema holding the bot's tables (the session's search_path). Default "public". */
  schema: string;
  /** Streaming standbys of the source's primary, read from when caught up. Default none. */
  replicas: string[];
  /** Seconds: a replica further behind the primary is not read. Default 5. */
  maxReplicaLag: number;
  /** False: reads never go to the replicas. Default true. */
  replicaReads: boolean;
}

export interface PostgresSourceConfigInput extends CommonSourceConfigInput {
  type: 'postgresql';
  /** postgres://user@host:port/database, without a password. */
  url: string;
  passwordEnv?: string | null;
  'password-env'?: string | null;
  /** Default "public". */
  schema?: string;
  /** postgres:// URLs of streaming standbys (one host each). */
  replicas?: string[];
  /** Seconds (default 5). */
  maxReplicaLag?: number;
  'max-replica-lag'?: number;
  /** Default true. */
  replicaReads?: boolean;
  'replica-reads'?: boolean;
}

/** Schema of a PostgreSQL source that leaves `schema` out. */
export const DEFAULT_POSTGRES_SCHEMA = 'public';

/** The parts of a URL some dialects write as separate keys. */
const URL_PARTS = ['host', 'port', 'user', 'database'] as const;

const EXAMPLE_URL = 'postgres://bot@db1:5432/botdb';
const PASSWORD_FIX =
  'put the password in an environment variable and name it with password-env = "BOTDB_PG_PASSWORD", or use PGPASSWORD or ~/.pgpass';
/** An environment variable name as POSIX shells accept it. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * An unquoted SQL identifier as PostgreSQL keeps it: lower case (unquoted names are folded to lower case,
 * so "Bot" would name a different schema from the one `CREATE SCHEMA Bot` made), at most 63 bytes.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function validate(entry: SourceEntry, ctx: Context): EngineFields<PostgresSourceConfig> | undefined {
  const { at, picked } = entry;
  const values = picked.values;
  const keyPath = (field: string): string => keyOf(picked.paths[field] ?? [...at, field]);
  const written = (field: string, fallback: string): string => picked.names[field] ?? fallback;
  const before = ctx.issues.length;

  const url = readUrl(entry, ctx, keyPath);

  let passwordEnv: string | null = null;
  const rawEnv = values.passwordEnv;
  if (rawEnv !== undefined && rawEnv !== null) {
    const envName = written('passwordEnv', ctx.spelling === 'code' ? 'passwordEnv' : 'password-env');
    if (typeof rawEnv !== 'string' || !ENV_NAME.test(rawEnv)) {
      issue(
        ctx,
        keyPath('passwordEnv'),
        `must be the name of an environment variable (letters, digits and underscores, not starting with a digit), got ${describe(rawEnv)}.`,
        `set ${envName} = "BOTDB_PG_PASSWORD" and set that variable where the bot runs (it is read when the source connects, not when the configuration loads); leave ${envName} out to use PGPASSWORD or ~/.pgpass.`,
      );
    } else {
      passwordEnv = rawEnv;
    }
  }

  let schema = DEFAULT_POSTGRES_SCHEMA;
  const rawSchema = values.schema;
  if (rawSchema !== undefined) {
    if (typeof rawSchema !== 'string' || !SCHEMA_NAME.test(rawSchema) || rawSchema.startsWith('pg_')) {
      const why =
        typeof rawSchema === 'string' && rawSchema.startsWith('pg_')
          ? 'names starting with pg_ are reserved for PostgreSQL system schemas'
          : "it becomes the session's search_path, written unquoted, so it must be a lower-case SQL identifier: letters a-z, digits and underscores, not starting with a digit, at most 63 characters";
      issue(
        ctx,
        keyPath('schema'),
        `must be a schema name, got ${describe(rawSchema)}: ${why}.`,
        `set schema = "${DEFAULT_POSTGRES_SCHEMA}" (the default) or a name like "botdb"; create it with CREATE SCHEMA botdb.`,
      );
    } else {
      schema = rawSchema;
    }
  }

  const replicas = readReplicas(values.replicas, keyPath('replicas'), ctx);
  const maxReplicaLag = readMaxReplicaLag(
    values.maxReplicaLag,
    keyPath('maxReplicaLag'),
    written('maxReplicaLag', ctx.spelling === 'code' ? 'maxReplicaLag' : 'max-replica-lag'),
    ctx,
  );
  let replicaReads = true;
  if (values.replicaReads !== undefined) {
    if (typeof values.replicaReads !== 'boolean') {
      const key = written('replicaReads', ctx.spelling === 'code' ? 'replicaReads' : 'replica-reads');
      issue(
        ctx,
        keyPath('replicaReads'),
        `must be true or false, got ${describe(values.replicaReads)}.`,
        `set ${key} = false to read only the primary, or leave it out (true: caught-up replicas serve reads).`,
      );
    } else {
      replicaReads = values.replicaReads;
    }
  }

  if (ctx.issues.length > before || url === undefined || replicas === undefined || maxReplicaLag === undefined) {
    return undefined;
  }
  return { url, passwordEnv, schema, replicas, maxReplicaLag, replicaReads };
}

/** Default `max-replica-lag`, seconds. */
export const DEFAULT_MAX_REPLICA_LAG = 5;
/** `max-replica-lag` range, seconds: below 10 ms no replica keeps up; above an hour is no bound worth having. */
const REPLICA_LAG_RANGE = { min: 0.01, max: 3600 };

/** `replicas`: a list of single-host postgres:// URLs without a password; undefined after an issue. */
function readReplicas(raw: unknown, key: string, ctx: Context): string[] | undefined {
  if (raw === undefined) return [];
  const example = 'replicas = ["postgres://bot@db2:5432/botdb"]';
  if (!Array.isArray(raw)) {
    issue(ctx, key, `must be a list of PostgreSQL URLs, got ${describe(raw)}.`, `write ${example}.`);
    return undefined;
  }
  const before = ctx.issues.length;
  const urls: string[] = [];
  raw.forEach((item, i) => {
    const at = `${key}[${i}]`;
    const url = checkUrl(item, at, ctx);
    if (url === undefined) return;
    if (hostsOf(url).length > 1) {
      issue(
        ctx,
        at,
        'must name one host: each replica is read on its own.',
        `list each standby as its own URL: ${example.replace(']', ', "postgres://bot@db3:5432/botdb"]')}.`,
      );
    } else if (urls.includes(url)) {
      issue(ctx, at, `lists ${urlWithoutSecret(url)} twice.`, 'list each standby once.');
    } else {
      urls.push(url);
    }
  });
  return ctx.issues.length > before ? undefined : urls;
}

/** `max-replica-lag`: seconds, within REPLICA_LAG_RANGE; undefined after an issue. */
function readMaxReplicaLag(raw: unknown, key: string, name: string, ctx: Context): number | undefined {
  if (raw === undefined) return DEFAULT_MAX_REPLICA_LAG;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < REPLICA_LAG_RANGE.min || raw > REPLICA_LAG_RANGE.max) {
    issue(
      ctx,
      key,
      `must be a number of seconds from ${REPLICA_LAG_RANGE.min} to ${REPLICA_LAG_RANGE.max}, got ${describe(raw)}.`,
      `set ${name} = ${DEFAULT_MAX_REPLICA_LAG}.0 (the default): a replica further behind the primary than that is not read.`,
    );
    return undefined;
  }
  return raw;
}

/** The URL for messages: no query string (a parameter could hold a secret). */
function urlWithoutSecret(url: string): string {
  return url.split('?')[0] ?? url;
}

/**
 * The hosts of a URL's authority as `host:port` (the driver's multi-host form `h1:5432,h2:5433`); a URL
 * parser refuses that form, so it is read here.
 */
export function hostsOf(url: string): string[] {
  const afterScheme = url.slice(url.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?#]/)[0] ?? '';
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  return hosts.split(',');
}

/** The source's URL, from `url` or from the separate host/port/user/database keys; undefined after an issue. */
function readUrl(entry: SourceEntry, ctx: Context, keyPath: (field: string) => string): string | undefined {
  const { name, at, picked } = entry;
  const values = picked.values;
  const parts = URL_PARTS.filter((part) => values[part] !== undefined);
  const table = `[${keyOf(at)}]`;

  if (values.url !== undefined) {
    for (const part of parts) {
      issue(
        ctx,
        keyPath(part),
        `"${picked.names[part] ?? part}" and "url" both say where the server is.`,
        `keep only url (host, port, user and database go inside it: ${EXAMPLE_URL}).`,
      );
    }
    return parts.length > 0 ? undefined : checkUrl(values.url, keyPath('url'), ctx);
  }

  if (parts.length === 0) {
    issue(
      ctx,
      keyPath('url'),
      `PostgreSQL source "${name}" has no url.`,
      `add url = "${EXAMPLE_URL}" under ${table} (no password in it: ${PASSWORD_FIX}).`,
    );
    return undefined;
  }
  return urlFromParts(entry, ctx, keyPath);
}

/** The design document's and the later bot's host/port/user/database, as one URL. */
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
      `set ${names.port ?? 'port'} = 5432 (PostgreSQL's default port), without quotes.`,
    );
  }
  if (values.host === undefined) {
    issue(
      ctx,
      keyPath('host'),
      `PostgreSQL source "${entry.name}" has ${Object.keys(values)
        .filter((k) => URL_PARTS.includes(k as (typeof URL_PARTS)[number]))
        .map((k) => names[k] ?? k)
        .join(', ')} but no host.`,
      `add host = "db1", or replace them with url = "${EXAMPLE_URL}".`,
    );
  }
  if (ctx.issues.length > before || host === undefined) return undefined;
  const url = new URL('postgres://placeholder');
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
  return checkUrl(url.toString(), keyPath('host'), ctx);
}

/** A postgres:// or postgresql:// URL without a password; undefined after an issue. */
function checkUrl(raw: unknown, key: string, ctx: Context): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') {
    issue(
      ctx,
      key,
      `must be a PostgreSQL connection URL, got ${describe(raw)}.`,
      `set url = "${EXAMPLE_URL}" (postgres://user@host:port/database).`,
    );
    return undefined;
  }
  const hosts = hostsOf(raw);
  if (hosts.length > 1 && hosts.some((h) => !/^[A-Za-z0-9._-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(h))) {
    issue(
      ctx,
      key,
      'lists several hosts, and one of them is empty or not a host[:port].',
      'write the hosts comma-separated, e.g. url = "postgres://bot@db1:5432,db2:5432/botdb".',
    );
    return undefined;
  }
  let url: URL;
  try {
    // Several hosts: the rest of the URL is checked with the first one in place of the list.
    url = new URL(hosts.length > 1 ? raw.replace(hosts.join(','), hosts[0] ?? '') : raw);
  } catch {
    // Not echoed: an unparsable URL may still hold a password.
    issue(
      ctx,
      key,
      'is not a valid URL (a port above 65535, a user without a host, a space?).',
      `write it as postgres://user@host:port/database, e.g. url = "${EXAMPLE_URL}".`,
    );
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    issue(
      ctx,
      key,
      `must start with postgres:// or postgresql://, got ${JSON.stringify(url.protocol)}.`,
      `write it as postgres://user@host:port/database, e.g. url = "${EXAMPLE_URL}".`,
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
      `the URL holds a password${secret === undefined ? '' : ` (query parameter "${secret}")`}: never a password in the file (a config file is copied, committed and logged).`,
      `write the URL without it (${url.toString()}) and ${PASSWORD_FIX}.`,
    );
    return undefined;
  }
  return checkUrlParameters(url, key, ctx) ? raw : undefined;
}

/**
 * The query parameters a URL may carry, with the values each accepts. The driver sends any other one to the
 * server as a session setting, where it could override what botdb sets on purpose (search_path and options
 * would move every table to another schema, past the "one schema twice" check), so each is refused by name.
 */
const URL_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  sslmode: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
  sslrootcert: ['system'],
  target_session_attrs: ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby'],
};

/** Why a parameter botdb sets itself is refused, and what to write instead. */
const OWN_PARAMETERS: Readonly<Record<string, string>> = {
  search_path: 'botdb sets the search_path to the source\'s schema: set schema = "..." on the source instead',
  options:
    'options can set search_path and other session settings botdb sets itself: set schema = "..." on the source instead',
  currentschema: 'botdb sets the search_path to the source\'s schema: set schema = "..." on the source instead',
  connect_timeout: "botdb derives it from the source's timeout: set timeout = 30.0 on the source instead",
  application_name: 'botdb names each session "botdb:<source>" so operators can find them: leave it out',
  statement_timeout: "botdb derives it from the source's timeout: set timeout on the source instead",
};

/** True when every query parameter is one of URL_PARAMETERS with an accepted value; otherwise one issue per parameter. */
function checkUrlParameters(url: URL, key: string, ctx: Context): boolean {
  const before = ctx.issues.length;
  const allowed = Object.keys(URL_PARAMETERS).join(', ');
  for (const [name, value] of url.searchParams) {
    const values = Object.hasOwn(URL_PARAMETERS, name) ? URL_PARAMETERS[name] : undefined;
    if (values === undefined) {
      const own = Object.hasOwn(OWN_PARAMETERS, name.toLowerCase()) ? OWN_PARAMETERS[name.toLowerCase()] : undefined;
      // Named, never its value: an unknown parameter may hold a secret.
      issue(
        ctx,
        key,
        `query parameter "${name}" is not allowed in a PostgreSQL URL: the driver would send it to the server as a session setting.`,
        `${own ?? 'remove it'}. The URL accepts only ${allowed}.`,
      );
    } else if (!values.includes(value)) {
      issue(
        ctx,
        key,
        `query parameter "${name}" must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${JSON.stringify(value.slice(0, 40))}.`,
        `write ?${name}=${values[0]} (or another of those values), or leave it out.`,
      );
    }
  }
  return ctx.issues.length === before;
}

/**
 * What two PostgreSQL sources compare equal on when they are one schema: host, port, database and schema
 * (the user does not matter: two roles on one schema still reach the same rows). Hosts compare without
 * case; a left-out port is 5432 and a left-out database is the user's name, as the driver does.
 */
export function postgresIdentity(url: string, schema: string): string {
  const hosts = hostsOf(url);
  const u = new URL(hosts.length > 1 ? url.replace(hosts.join(','), hosts[0] ?? '') : url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username);
  // Several hosts (a primary and its standbys): one store, whichever of them is the primary now.
  const where = hosts
    .map((h) => {
      const one = new URL(`postgres://${h}`);
      return `${one.hostname.toLowerCase()}:${one.port || '5432'}`;
    })
    .sort()
    .join(',');
  return `postgresql:${where}/${database}/${schema}`;
}

/**
 * Two sources on one schema. A readonly source beside a writable one is legitimate on PostgreSQL: its
 * sessions are read-only at the server (unlike a second SQLite handle on one file), as a replica's are.
 */
function sameStore({ first, firstSource: other, entry, source }: SameStore<PostgresSourceConfig>, ctx: Context): void {
  if (other.readonly !== source.readonly) return;
  const urlField = entry.picked.paths.url !== undefined ? 'url' : 'host';
  const urlKey = entry.picked.paths[urlField] ?? [...entry.at, 'url'];
  const where = `${other.url}${other.url === source.url ? '' : ` and ${source.url}`}, schema ${source.schema}`;
  issue(
    ctx,
    keyOf(urlKey),
    `sources "${first}" and "${entry.name}" are the same PostgreSQL schema (${where}): ` +
      'each source runs its own worker, pool and write ordering and is migrated on its own, so the two would race each other.',
    `keep one source for the schema (map chats to it in chatMapping), or give "${entry.name}" another schema or database.`,
  );
}

/**
 * A PostgreSQL source's own keys. `host`, `port`, `user`, `database` are the design document's and the
 * later bot's spelling of what `url` says.
 */
const POSTGRES_FIELDS: readonly Field[] = [
  { field: 'url', names: ['url'] },
  { field: 'passwordEnv', names: ['password-env', 'passwordEnv'], codeName: 'passwordEnv' },
  { field: 'schema', names: ['schema'] },
  { field: 'replicas', names: ['replicas'] },
  { field: 'maxReplicaLag', names: ['max-replica-lag', 'maxReplicaLag'], codeName: 'maxReplicaLag' },
  { field: 'replicaReads', names: ['replica-reads', 'replicaReads'], codeName: 'replicaReads' },
];
const POSTGRES_PARTS: readonly Field[] = [
  { field: 'host', names: ['host'] },
  { field: 'port', names: ['port'] },
  { field: 'user', names: ['user'] },
  { field: 'database', names: ['database'] },
];

export const postgresConfig: ConfigEngine<PostgresSourceConfig, PostgresSourceConfigInput> = {
  type: 'postgresql',
  label: 'PostgreSQL',
  what: 'a schema of a PostgreSQL database',
  providers: ['postgresql'],
  sourceFields: [...POSTGRES_FIELDS, ...POSTGRES_PARTS],
  providerFields: POSTGRES_FIELDS,
  // The bot's PostgreSQLProvider arguments (its password is refused for every engine).
  parameterFields: POSTGRES_PARTS,
  reachedWith: { key: 'url', example: `url = "${EXAMPLE_URL}"` },
  passwordFrom: PASSWORD_FIX,
  validate,
  identity: (source) => postgresIdentity(source.url, source.schema),
  sameStore,
};
