/**
 * The test-file side every engine shares (./vitest-postgres.ts, ./vitest-mariadb.ts): the server URL, or the one
 * test that says why there is none (skipped with one clear line; a failure under CI=true, or when the server
 * failed to start).
 */
import { describe, it } from 'vitest';
import type { EngineForTests } from './vitest-engine-setup.js';

/** The server URL, or null after registering the test that explains why there is none. */
export function urlOrExplain(engine: string, server: EngineForTests): string | null {
  if (server.url !== null) return server.url;
  if (server.error !== null) {
    it(`${engine} test server starts`, () => {
      throw new Error(`The ${engine} test server did not start: ${server.error}`);
    });
  } else if (process.env.CI === 'true') {
    it(`${engine} is available (required under CI=true)`, () => {
      throw new Error(`CI=true requires ${engine}, and there is none: ${server.unavailable} (.ci/run installs it)`);
    });
  } else {
    it.skip(`${engine} tests skipped: ${server.unavailable}`, () => {});
  }
  return null;
}

/** Runs `body` in a describe block when `urlOf()` gives a server; otherwise only the explaining test. */
export function describeWithServer(name: string, urlOf: () => string | null, body: (url: string) => void): void {
  describe(name, () => {
    const url = urlOf();
    if (url !== null) body(url);
  });
}

/**
 * For tests that start (and fault) servers of their own: runs `body` in a describe block when the engine's
 * programs are installed, whatever the env URLs say; otherwise only the explaining test (`missing` says why).
 */
export function describeWithOwnServers(
  name: string,
  engine: string,
  installed: () => boolean,
  missing: string,
  body: () => void,
): void {
  describe(name, () => {
    const unavailable = `${missing} (these tests start servers of their own: they need the programs)`;
    if (urlOrExplain(engine, { url: installed() ? '' : null, unavailable, error: null }) !== null) body();
  });
}
