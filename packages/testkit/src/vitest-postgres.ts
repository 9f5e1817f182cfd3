/**
 * The PostgreSQL side of a package's test files, written once for every package (`@pkg/testkit/vitest`;
 * the server comes from ./vitest-postgres-setup.ts, the package's vitest globalSetup):
 * - `describePostgres` / `postgresUrlOrExplain`: in a test file, the server URL, or the one test that says
 *   why there is none (skipped with one clear line; a failure under CI=true, or when the server failed to start).
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { inject } from 'vitest';
import { describeWithServer, urlOrExplain } from './vitest-engine.js';
import './vitest-postgres-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function postgresUrlOrExplain(): string | null {
  return urlOrExplain('PostgreSQL', inject('botdbPostgres'));
}

/** Runs `body` in a describe block when a server exists; otherwise only the explaining test. */
export function describePostgres(name: string, body: (url: string) => void): void {
  describeWithServer(name, postgresUrlOrExplain, body);
}
