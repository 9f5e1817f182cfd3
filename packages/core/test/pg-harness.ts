/**
 * For PostgreSQL test files: the server of pg-global-setup.ts, a schema of the file's own, and the rule
 * for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 */
import { testSchemaName } from '@pkg/testkit';
import postgres, { type Options, type Sql } from 'postgres';
import { PG_INT8_EXACT } from '../src/engines/postgresql/schema.js';

export { describePostgres, postgresUrlOrExplain } from '@pkg/testkit/vitest';

/** A client of the test server whose search_path is `schema`; BIGINT as exact numbers. */
export function pgClient(url: string, schema: string | null, options: Options<Record<string, never>> = {}): Sql {
  return postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 5,
    types: { bigint: PG_INT8_EXACT },
    ...options,
    connection: { ...(schema === null ? {} : { search_path: schema }), ...options.connection },
  } as Options<Record<string, never>>);
}

/** Creates a schema of its own for a test file (dropped by `drop()`). */
export async function createFileSchema(url: string, label: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = testSchemaName(label);
  const admin = pgClient(url, null);
  await admin.unsafe(`CREATE SCHEMA "${name}"`);
  return {
    name,
    async drop() {
      try {
        await admin.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
