/**
 * vitest globalSetup for a package's MariaDB tests (`@pkg/testkit/vitest-mariadb-setup`): one server for the
 * whole run (a throwaway server, or BOTDB_TEST_MYSQL_URL), handed to the test files as
 * `inject('botdbMariaDb')`. Never throws for a missing engine: the test files decide (see ./vitest-mariadb.ts).
 * Types only from vitest here: a global setup runs outside the test runner and cannot load its runtime.
 */
import type { TestProject } from 'vitest/node';
import { MARIADB_MISSING_REASON, MARIADB_SKIP_LINE, mariaDbTestAvailable, startTestMariaDb } from './mariadb.js';

export interface MariaDbForTests {
  /** Server URL, or null when none is available. */
  url: string | null;
  /** Why there is none: not installed (`unavailable`), or it failed to start (`error`). */
  unavailable: string | null;
  error: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    botdbMariaDb: MariaDbForTests;
  }
}

export async function mariaDbGlobalSetup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!mariaDbTestAvailable()) {
    if (process.env.CI !== 'true') console.log(MARIADB_SKIP_LINE);
    project.provide('botdbMariaDb', { url: null, unavailable: MARIADB_MISSING_REASON, error: null });
    return undefined;
  }
  try {
    const server = await startTestMariaDb();
    project.provide('botdbMariaDb', { url: server.url, unavailable: null, error: null });
    return () => server.stop();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    project.provide('botdbMariaDb', { url: null, unavailable: null, error: message });
    return undefined;
  }
}
