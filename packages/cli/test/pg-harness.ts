/**
 * For PostgreSQL test files: the server of pg-global-setup.ts, a schema of the file's own, and the rule
 * for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 * The pattern of packages/core/test/pg-harness.ts.
 */
import { PG_INT8_EXACT } from '@pkg/core';
import { testSchemaName } from '@pkg/testkit';
import postgres, { type Sql } from 'postgres';

export { describePostgres, postgresUrlOrExplain } from '@pkg/testkit/vitest';

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
