/**
 * The PostgreSQL side of a package's test files, written once for every package (`@pkg/testkit/vitest`;
 * the server comes from ./vitest-postgres-setup.ts, the package's vitest globalSetup):
 * - `describePostgres` / `postgresUrlOrExplain`: in a test file, the server URL, or the one test that says
 *   why there is none (skipped with one clear line; a failure under CI=true, or when the server failed to start).
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { describe, inject, it } from 'vitest';
import './vitest-postgres-setup.js';

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
