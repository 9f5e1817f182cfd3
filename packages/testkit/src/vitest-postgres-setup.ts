/**
 * vitest globalSetup for a package's PostgreSQL tests (`@pkg/testkit/vitest-setup`): one server for the
 * whole run (a throwaway cluster, or BOTDB_TEST_PG_URL), handed to the test files as
 * `inject('botdbPostgres')`. Never throws for a missing engine: the test files decide (see ./vitest-postgres.ts).
 * Types only from vitest here: a global setup runs outside the test runner and cannot load its runtime.
 */
import type { TestProject } from 'vitest/node';
import { PG_MISSING_REASON, PG_SKIP_LINE, postgresTestAvailable, startTestPostgres } from './postgres.js';

export interface PostgresForTests {
  /** Server URL, or null when none is available. */
  url: string | null;
  /** Why there is none: not installed (`unavailable`), or it failed to start (`error`). */
  unavailable: string | null;
  error: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    botdbPostgres: PostgresForTests;
  }
}

export async function postgresGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!postgresTestAvailable()) {
    if (process.env.CI !== 'true') console.log(PG_SKIP_LINE);
    project.provide('botdbPostgres', { url: null, unavailable: PG_MISSING_REASON, error: null });
    return undefined;
  }
  try {
    const pg = await startTestPostgres();
    project.provide('botdbPostgres', { url: pg.url, unavailable: null, error: null });
    return () => pg.stop();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    project.provide('botdbPostgres', { url: null, unavailable: null, error: message });
    return undefined;
  }
}
