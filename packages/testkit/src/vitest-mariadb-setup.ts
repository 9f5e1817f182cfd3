/**
 * vitest globalSetup for a package's MariaDB tests (`@pkg/testkit/vitest-mariadb-setup`): one server for the
 * whole run (a throwaway server, or BOTDB_TEST_MYSQL_URL), handed to the test files as
 * `inject('botdbMariaDb')`. Never throws for a missing engine: the test files decide (see ./vitest-mariadb.ts).
 */
import type { TestProject } from 'vitest/node';
import { MARIADB_MISSING_REASON, MARIADB_SKIP_LINE, mariaDbTestAvailable, startTestMariaDb } from './mariadb.js';
import { type EngineForTests, provideEngine } from './vitest-engine-setup.js';

export type MariaDbForTests = EngineForTests;

declare module 'vitest' {
  export interface ProvidedContext {
    botdbMariaDb: MariaDbForTests;
  }
}

export function mariaDbGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  return provideEngine(project, 'botdbMariaDb', {
    available: mariaDbTestAvailable,
    missingReason: MARIADB_MISSING_REASON,
    skipLine: MARIADB_SKIP_LINE,
    start: startTestMariaDb,
  });
}
