/**
 * The MariaDB side of a package's test files (`@pkg/testkit/vitest-mariadb`; the server comes from
 * ./vitest-mariadb-setup.ts, the package's vitest globalSetup):
 * - `describeMariaDb` / `mariaDbUrlOrExplain`: in a test file, the server URL, or the one test that says
 *   why there is none (skipped with one clear line; a failure under CI=true, or when the server failed to start).
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { describe, inject, it } from 'vitest';
import './vitest-mariadb-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function mariaDbUrlOrExplain(): string | null {
  const server = inject('botdbMariaDb');
  if (server.url !== null) return server.url;
  if (server.error !== null) {
    it('MariaDB test server starts', () => {
      throw new Error(`The MariaDB test server did not start: ${server.error}`);
    });
  } else if (process.env.CI === 'true') {
    it('MariaDB is available (required under CI=true)', () => {
      throw new Error(`CI=true requires MariaDB, and there is none: ${server.unavailable} (.ci/run installs it)`);
    });
  } else {
    it.skip(`MariaDB tests skipped: ${server.unavailable}`, () => {});
  }
  return null;
}

/** Runs `body` in a describe block when a server exists; otherwise only the explaining test. */
export function describeMariaDb(name: string, body: (url: string) => void): void {
  describe(name, () => {
    const url = mariaDbUrlOrExplain();
    if (url !== null) body(url);
  });
}
