/**
 * vitest globalSetup for a package's PostgreSQL tests (`@pkg/testkit/vitest-setup`): one server for the
 * whole run (a throwaway cluster, or BOTDB_TEST_PG_URL), handed to the test files as
 * `inject('botdbPostgres')`. Never throws for a missing engine: the test files decide (see ./vitest-postgres.ts).
 */
import type { TestProject } from 'vitest/node';
import { PG_MISSING_REASON, PG_SKIP_LINE, postgresTestAvailable, startTestPostgres } from './postgres.js';
import { type EngineForTests, provideEngine } from './vitest-engine-setup.js';

export type PostgresForTests = EngineForTests;

declare module 'vitest' {
  export interface ProvidedContext {
    botdbPostgres: PostgresForTests;
  }
}

export function postgresGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  return provideEngine(project, 'botdbPostgres', {
    available: postgresTestAvailable,
    missingReason: PG_MISSING_REASON,
    skipLine: PG_SKIP_LINE,
    start: startTestPostgres,
  });
}
