/**
 * vitest globalSetup: one PostgreSQL server for every PostgreSQL test file of this package (a throwaway
 * cluster, or BOTDB_TEST_PG_URL), handed to the files as `inject('botdbPostgres')`. Never throws for a
 * missing engine: the PostgreSQL test files decide (skip with one line, or fail under CI=true).
 */
import { PG_MISSING_REASON, PG_SKIP_LINE, postgresTestAvailable, startTestPostgres } from '@pkg/testkit';
import type { TestProject } from 'vitest/node';

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

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
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
