/**
 * The MariaDB side of a package's test files (`@pkg/testkit/vitest-mariadb`; the server comes from
 * ./vitest-mariadb-setup.ts, the package's vitest globalSetup):
 * - `describeMariaDb` / `mariaDbUrlOrExplain`: in a test file, the server URL, or the one test that says
 *   why there is none (skipped with one clear line; a failure under CI=true, or when the server failed to start).
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { inject } from 'vitest';
import { describeWithServer, urlOrExplain } from './vitest-engine.js';
import './vitest-mariadb-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function mariaDbUrlOrExplain(): string | null {
  return urlOrExplain('MariaDB', inject('botdbMariaDb'));
}

/** Runs `body` in a describe block when a server exists; otherwise only the explaining test. */
export function describeMariaDb(name: string, body: (url: string) => void): void {
  describeWithServer(name, mariaDbUrlOrExplain, body);
}
