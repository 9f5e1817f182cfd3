/**
 * A PostgreSQL source's pool, as the source worker and `botdb` open it: one set of options for both, so
 * the password (password-env, PGPASSWORD, ~/.pgpass), the session settings and the exact int8 parser are
 * the same wherever the bot's tables are read or written.
 */
import postgres, { type Sql } from 'postgres';
import { PG_INT8_EXACT, pgPassword } from './errors.js';
import { hostsOf, singleHostUrls } from './hosts.js';
import type { PostgresSourceSpec } from './spec.js';

/** What a connecting spec needs: a worker's full spec, or the CLI's view of a configured source. */
export type PostgresTarget = Pick<
  PostgresSourceSpec,
  'name' | 'url' | 'passwordEnv' | 'schema' | 'readonly' | 'timeoutMs'
> &
  Partial<Pick<PostgresSourceSpec, 'poolSize'>>;

/** The pool, not yet connected (the driver connects on the first statement). */
export async function connectPostgres(spec: PostgresTarget): Promise<Sql> {
  // Several hosts (botdb's tools; the worker connects to one host at a time): the password of the first, and
  // the driver picks the host that is a primary unless the URL says otherwise.
  const multiHost = hostsOf(spec.url).length > 1;
  const password = await pgPassword(multiHost ? { ...spec, url: singleHostUrls(spec.url)[0] as string } : spec);
  const pickPrimary = multiHost && !/[?&]target_session_attrs=/.test(spec.url);
  return postgres(spec.url, {
    ...(pickPrimary ? ({ target_session_attrs: 'primary' } as object) : {}),
    max: spec.poolSize ?? 1,
    // Past max_pipeline statements on one connection the driver sends one more per answer instead of
    // pipelining (saveChatMessage x64 on the writer: ~800/s at the default 100, ~4,500/s here). The depth
    // is bounded anyway: by max-queued and the two batches in flight the main thread allows. (An option of
    // the driver its type declarations leave out.)
    ...({ max_pipeline: 100_000 } as object),
    connect_timeout: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
    // After connections fail (an outage), the driver waits before reconnecting: by default up to 20 s,
    // growing with every failure, which outlasts the server's return and every call's deadline. Here
    // at most a quarter of the timeout, so the first call after the server is back gets a connection.
    backoff: (failures: number) => Math.min(0.05 * 2 ** failures, spec.timeoutMs / 4000),
    idle_timeout: 0,
    ...(password === null ? {} : { password }),
    onnotice: () => {},
    // fetch_types stays on: with it off, postgres 3.4.x never resolves a reserve() that has to open a
    // new connection (porsager/postgres#751), which would hang the first transaction or db.query.
    // BIGINT as exact numbers (a value beyond 2^53 is refused, never rounded).
    types: { bigint: PG_INT8_EXACT },
    connection: {
      application_name: `botdb:${spec.name}`,
      // Every session in UTC: TIMESTAMPTZ values are instants, and text forms of them never depend on a zone.
      TimeZone: 'UTC',
      search_path: spec.schema,
      statement_timeout: spec.timeoutMs,
      // A readonly source is readonly at the server: every transaction of these sessions is READ ONLY.
      ...(spec.readonly ? { default_transaction_read_only: true } : {}),
    },
  });
}
