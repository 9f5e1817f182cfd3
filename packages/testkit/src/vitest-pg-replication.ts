/**
 * The PostgreSQL replication side of a package's test files (`@pkg/testkit/vitest-pg-replication`; the servers
 * come from ./vitest-pg-replication-setup.ts, the package's vitest globalSetup):
 * - `describePgReplication` / `pgReplicationOrExplain`: the shared primary and standby URLs, or the one test that
 *   says why there are none (skipped with one clear line; a failure under CI=true, or when the servers failed).
 * - `describeOwnPgReplication`: for tests that fault servers of their own (startTestPgReplicaCluster: pause
 *   replay, kill the primary, promote): runs when the binaries are installed, whatever the env URLs say.
 * A subpath of its own: importing `@pkg/testkit` never loads vitest.
 */
import { describe, inject } from 'vitest';
import { findPgReplicationBinDir, PG_REPLICATION_MISSING_REASON } from './pg-replication.js';
import { describeWithOwnServers, urlOrExplain } from './vitest-engine.js';
import './vitest-pg-replication-setup.js';

/** The shared primary and its standbys. */
export interface PgReplicationUrls {
  primaryUrl: string;
  replicaUrls: string[];
}

/** The URLs, or null after registering the test that explains why there are none. */
export function pgReplicationOrExplain(): PgReplicationUrls | null {
  const primaryUrl = urlOrExplain('PostgreSQL replication', inject('botdbPgReplication'));
  return primaryUrl === null ? null : { primaryUrl, replicaUrls: inject('botdbPgReplicaUrls') };
}

/** Runs `body` in a describe block when the servers exist; otherwise only the explaining test. */
export function describePgReplication(name: string, body: (urls: PgReplicationUrls) => void): void {
  describe(name, () => {
    const urls = pgReplicationOrExplain();
    if (urls !== null) body(urls);
  });
}

/** Runs `body` in a describe block when the binaries are installed (the tests start their own set); otherwise explains. */
export function describeOwnPgReplication(name: string, body: () => void): void {
  describeWithOwnServers(
    name,
    'PostgreSQL replication',
    () => findPgReplicationBinDir() !== null,
    PG_REPLICATION_MISSING_REASON,
    body,
  );
}
