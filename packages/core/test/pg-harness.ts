/**
 * For PostgreSQL test files: the server of pg-global-setup.ts, a schema of the file's own, and the rule
 * for a missing engine (skipped with one clear line; a failure under CI=true, or when it failed to start).
 */
import { testSchemaName } from '@pkg/testkit';
import postgres, { type Options, type Sql } from 'postgres';
import { describe, inject, it } from 'vitest';
import { PG_INT8_EXACT } from '../src/schema/postgres-v6.js';
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
