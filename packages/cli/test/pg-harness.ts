/**
 * For PostgreSQL test files: the server of pg-global-setup.ts, a schema of the file's own, and the rule
 * for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 * The pattern of packages/core/test/pg-harness.ts.
 */
import { PG_INT8_EXACT } from '@pkg/core';
import { testSchemaName } from '@pkg/testkit';
import postgres, { type Sql } from 'postgres';
import { describe, inject, it } from 'vitest';
import './pg-global-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function postgresUrlOrExplain(): string | null {
  const pg = inject('botdbPostgres');
  if (pg.url !== null) return pg.url;
  if (pg.error !== null) {
    it('PostgreSQL test server starts', () => {
      throw new Error(`The PostgreSQL test server did not start: ${pg.error}`);
    });
  } else if (process.env.CI === 'true') {
    it('PostgreSQL is available (required under CI=true)', () => {
      throw new Error(`CI=true requires PostgreSQL, and there is none: ${pg.unavailable} (.ci/run installs it)`);
    });
  } else {
    it.skip(`PostgreSQL tests skipped: ${pg.unavailable}`, () => {});
  }
  return null;
}

/** Runs `body` in a describe block when a server exists; otherwise only the explaining test. */
export function describePostgres(name: string, body: (url: string) => void): void {
  describe(name, () => {
    const url = postgresUrlOrExplain();
    if (url !== null) body(url);
  });
}

/** A client of the test server whose search_path is `schema`, in UTC; BIGINT as exact numbers. */
export function pgClient(url: string, schema: string | null): Sql {
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 5,
    types: { bigint: PG_INT8_EXACT },
    connection: { TimeZone: 'UTC', ...(schema === null ? {} : { search_path: `"${schema}"` }) },
  });
  return sql as unknown as Sql;
}

/** A schema name of its own for a test (not created: the move creates it); `drop()` removes it. */
export function fileSchema(url: string, label: string): { name: string; drop(): Promise<void> } {
  const name = testSchemaName(label);
  return {
    name,
    async drop() {
      const admin = pgClient(url, null);
      try {
        await admin.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
